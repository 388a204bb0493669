"""Settlement holds (docs/risk.md, "Cases and holds"): a merchant's money kept back from its payouts — all of it or
up to an amount — placed by one person and released only with a second. The settlement build
(``transactions/services/settlement.py``) keeps the money back while a hold is active or its release waits, and
pays what a released hold kept back with the merchant's next batch, once."""

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from acquirer import audit, policy
from acquirer.exceptions import DomainError
from acquirer.workflow import advance
from transactions.case_policy import CASE_ACTIONS, HOLD_ACTIONS
from transactions.models import RiskCase, SettlementHold
from transactions.services.settlement import settlement_lock
from transactions.workflow import HOLD_MOVES

H = SettlementHold.Status
MERCHANT_REASON_MAX = 300


def _lock(hold: SettlementHold) -> SettlementHold:
    return SettlementHold.objects.select_for_update(of=("self",)).select_related("merchant").get(pk=hold.pk)


def _data(item: SettlementHold, **extra) -> dict:
    return {"amount_minor": item.amount_minor, "currency": item.currency, "held_minor": item.held_minor,
            "case": item.case_id, **extra}


def _reason(text: str, message: str) -> str:
    text = (text or "").strip()
    if len(text) < 5:
        raise DomainError(message)
    return text


@transaction.atomic
def hold_place(*, actor, merchant, amount_minor: int | None = None, currency: str = "CNY", reason: str,
               merchant_reason: str, review_date: date, case: RiskCase | None = None) -> SettlementHold:
    """Hold a merchant's settlement: everything (``amount_minor`` None) or up to a positive amount in minor units.
    ``reason`` is internal; ``merchant_reason`` (at most 300 characters) and ``review_date`` are what the merchant
    sees. From a case, the case must be the merchant's and still open to action."""
    policy.require(actor, HOLD_ACTIONS["place"])
    if case is not None:
        case = RiskCase.objects.select_for_update(of=("self",)).get(pk=case.pk)
        policy.require(actor, CASE_ACTIONS["hold"], case)
        if case.merchant_id != merchant.pk:
            raise DomainError(_("The case is about another merchant."))
    if amount_minor is not None and (isinstance(amount_minor, bool) or not isinstance(amount_minor, int)
                                     or amount_minor <= 0):
        raise DomainError(_("The amount to hold must be positive (or hold everything)."))
    if not currency or len(currency) != 3:
        raise DomainError(_("Choose the currency."))
    reason = _reason(reason, _("Give the reason for the hold (at least 5 characters)."))
    merchant_reason = (merchant_reason or "").strip()
    if not merchant_reason:
        raise DomainError(_("Write the reason the merchant will read."))
    if len(merchant_reason) > MERCHANT_REASON_MAX:
        raise DomainError(_("The reason the merchant reads has at most %(max)s characters.")
                          % {"max": MERCHANT_REASON_MAX})
    if review_date is None or review_date < timezone.localdate():
        raise DomainError(_("The review date cannot be in the past."))
    hold = SettlementHold.objects.create(merchant=merchant, case=case, amount_minor=amount_minor,
                                         currency=currency.upper(), reason=reason, merchant_reason=merchant_reason,
                                         review_date=review_date, placed_by=actor)
    audit.record("settlement_hold.placed", actor=actor, target=hold, merchant_id=merchant.pk,
                 after={"status": hold.status, "amount_minor": amount_minor, "review_date": review_date},
                 data=_data(hold, reason=reason, merchant_reason=merchant_reason,
                            review_date=review_date.isoformat()))
    if case is not None:
        audit.record("settlement_hold.placed", actor=actor, target=case, merchant_id=merchant.pk,
                     data=_data(hold, hold=hold.pk, reason=reason))
    return hold


@transaction.atomic
def hold_request_release(*, actor, hold: SettlementHold, reason: str) -> SettlementHold:
    """Ask for a hold's release (active -> release requested); the money stays held until a second person
    approves."""
    hold = _lock(hold)
    policy.require(actor, HOLD_ACTIONS["request_release"], hold)
    reason = _reason(reason, _("Give the reason for the release (at least 5 characters)."))
    hold.release_requested_by, hold.release_reason = actor, reason
    advance(hold, to=H.RELEASE_REQUESTED, moves=HOLD_MOVES, actor=actor, action="settlement_hold.release_requested",
            data=_data(hold, reason=reason), extra_fields=("release_requested_by", "release_reason"))
    return hold


@transaction.atomic
def hold_approve_release(*, actor, hold: SettlementHold) -> SettlementHold:
    """A second person releases the hold (release requested -> released): never the one who placed it nor the one
    who asked for the release. What it kept back is paid with the merchant's next batch. Waits for a running
    settlement build, so the build sees the hold either held or released."""
    settlement_lock()
    hold = _lock(hold)
    policy.require(actor, HOLD_ACTIONS["approve_release"], hold)
    hold.released_by, hold.released_at = actor, timezone.now()
    advance(hold, to=H.RELEASED, moves=HOLD_MOVES, actor=actor, action="settlement_hold.released",
            data=_data(hold, reason=hold.release_reason, to_pay_minor=hold.held_minor - hold.paid_back_minor),
            extra_fields=("released_by", "released_at"))
    return hold


@transaction.atomic
def hold_reject_release(*, actor, hold: SettlementHold, reason: str) -> SettlementHold:
    """A second person refuses the release (release requested -> active), with the reason."""
    hold = _lock(hold)
    policy.require(actor, HOLD_ACTIONS["reject_release"], hold)
    reason = _reason(reason, _("Give the reason for rejecting the release (at least 5 characters)."))
    requested_by = hold.release_requested_by.get_username() if hold.release_requested_by else ""
    previous = hold.release_reason
    hold.release_requested_by, hold.release_reason = None, ""
    advance(hold, to=H.ACTIVE, moves=HOLD_MOVES, actor=actor, action="settlement_hold.release_rejected",
            data=_data(hold, reason=reason, requested_by=requested_by, release_reason=previous),
            extra_fields=("release_requested_by", "release_reason"))
    return hold
