"""Settlement accounts: requested by the merchant (or a reviewer on its behalf), in the merchant's own
name, verified by one person and approved by a second one; the approved account replaces the old one.

The clear account number is stored only encrypted (``EncryptedTextField``); look-ups use the keyed
hash and pages, notifications and the audit trail only ever see the masked form.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acquirer import audit, policy, roles
from acquirer.exceptions import DomainError, NotPermitted
from acquirer.models import User
from acquirer.secrets import keyed_hash, mask
from acquirer.services.notifications import notify, notify_role
from acquirer.workflow import advance
from merchants import roles as merchant_roles
from merchants.models import Merchant, SettlementAccount
from merchants.selectors.merchants import merchant_owner
from merchants.workflow import SETTLEMENT_MOVES

S = SettlementAccount.Status
K = SettlementAccount.Kind
OPEN = (S.PENDING, S.VERIFIED)
CLOSED_MERCHANT = {Merchant.Status.REJECTED, Merchant.Status.TERMINATED}




def _lock(account: SettlementAccount) -> SettlementAccount:
    return SettlementAccount.objects.select_for_update(of=("self",)).select_related("merchant").get(pk=account.pk)


def _tell_owner(merchant: Merchant, kind: str, title, body="", params: dict | None = None) -> None:
    owner = merchant_owner(merchant.pk)
    if owner is not None:
        notify(recipient=owner, kind=kind, title=title, body=body, params=params or {},
               url=reverse("portal:settlement-list"))


def _same_name(a: str, b: str) -> bool:
    """Names compare after Unicode NFKC (full-width brackets), whitespace and case normalisation."""
    def norm(value: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", value or "").split()).casefold()

    return bool(norm(a)) and norm(a) == norm(b)


def expected_account(merchant: Merchant) -> tuple[str, str]:
    """The account kind and name a merchant must settle to (enterprise: corporate account in its legal
    name; individual business or individual/micro merchant: personal account of the owner)."""
    if merchant.merchant_type == Merchant.Type.ENTERPRISE:
        return K.CORPORATE, merchant.legal_name
    return K.PERSONAL, merchant.legal_rep_name


def _check_name(merchant: Merchant, kind: str, account_name: str) -> None:
    kind_needed, name_needed = expected_account(merchant)
    if not name_needed.strip():
        raise DomainError(_("Enter the legal representative (owner) name in the application first: the "
                            "settlement account must be in that name."))
    if kind != kind_needed:
        if kind_needed == K.CORPORATE:
            raise DomainError(_("An enterprise must settle to a corporate account in its own name, not to a "
                                "personal account: expected a corporate account named “%(name)s”.")
                              % {"name": name_needed})
        raise DomainError(_("An individual business or individual merchant settles to a personal account of "
                            "its owner: expected a personal account named “%(name)s”.") % {"name": name_needed})
    if not _same_name(account_name, name_needed):
        raise DomainError(_("A settlement account must be in the merchant's own name: expected “%(expected)s”, "
                            "got “%(given)s”.") % {"expected": name_needed, "given": account_name.strip()})


@transaction.atomic
def settlement_account_request(*, actor: User, merchant: Merchant, kind: str, account_name: str, bank_name: str,
                               branch_name: str, account_number: str) -> SettlementAccount:
    """Ask for a (new) settlement account; it needs verification and a second approval before use."""
    from merchants.identifiers import validate_bank_account

    merchant = Merchant.objects.select_for_update().get(pk=merchant.pk)
    on_behalf = not (actor is not None and actor.is_authenticated and actor.kind == User.Kind.MERCHANT
                     and actor.merchant_id == merchant.pk)
    if on_behalf:
        policy.require_permission(actor, merchant_roles.REVIEW)
    if merchant.status in CLOSED_MERCHANT:
        raise DomainError(_("No settlement account can be added to a merchant that is %(status)s.")
                          % {"status": merchant.get_status_display()})
    if kind not in K.values:
        raise DomainError(_("Choose the account type (corporate or personal)."))
    account_name, bank_name, branch_name = account_name.strip(), bank_name.strip(), branch_name.strip()
    if not account_name or not bank_name:
        raise DomainError(_("Give the account name and the bank."))
    _check_name(merchant, kind, account_name)
    try:
        number = validate_bank_account(account_number, kind=kind)
    except ValidationError as error:
        raise DomainError(" ".join(error.messages)) from None
    if SettlementAccount.objects.filter(merchant=merchant, status__in=OPEN).exists():
        raise DomainError(_("A settlement account change is already waiting for review; wait for its decision "
                            "(or ask for it to be rejected) before requesting another one."))
    if on_behalf and actor.pk not in merchant.staff_editor_ids:
        merchant.staff_editor_ids = [*merchant.staff_editor_ids, actor.pk]
        merchant.save(update_fields=["staff_editor_ids"])
    account = SettlementAccount.objects.create(
        merchant=merchant, kind=kind, account_name=account_name, bank_name=bank_name, branch_name=branch_name,
        account_number=number, account_number_hash=keyed_hash(number), account_number_masked=mask(number, 4, 4),
        requested_by=actor, requested_at=timezone.now(),
    )
    audit.record("settlement_account.requested", actor=actor, target=account,
                 after={"kind": kind, "account_name": account_name, "bank_name": bank_name,
                        "branch_name": branch_name, "account_number": account.account_number_masked},
                 data={"on_behalf": on_behalf})
    notify_role(role=roles.OPERATIONS_MANAGER, kind="settlement_account.requested",
                title=gettext_lazy("Settlement account to verify: %(name)s"), params={"name": merchant.legal_name},
                url=reverse("ops:settlement-queue"))
    return account


@transaction.atomic
def settlement_account_verify(*, actor: User, account: SettlementAccount) -> SettlementAccount:
    """First pair of eyes: the account details match the proof and the merchant's name."""
    policy.require_permission(actor, merchant_roles.APPROVE_SETTLEMENT)
    account = _lock(account)
    account.verified_by, account.verified_at = actor, timezone.now()
    return advance(account, to=S.VERIFIED, moves=SETTLEMENT_MOVES, actor=actor, action="settlement_account.verified",
                   data={"account_number": account.account_number_masked},
                   extra_fields=("verified_by", "verified_at"))


@transaction.atomic
def settlement_account_approve(*, actor: User, account: SettlementAccount) -> SettlementAccount:
    """Second pair of eyes: puts the account in use; the account in use until now is replaced."""
    policy.require_permission(actor, merchant_roles.APPROVE_SETTLEMENT)
    account = _lock(account)
    if account.status == S.VERIFIED and actor.pk in (account.verified_by_id, account.requested_by_id):
        raise NotPermitted(_("Four eyes: the second approval must come from someone other than the person who "
                             "requested or verified this account."))
    previous = list(SettlementAccount.objects.select_for_update(of=("self",))
                    .filter(merchant_id=account.merchant_id, status=S.ACTIVE).exclude(pk=account.pk))
    if account.status == S.VERIFIED:
        for old in previous:  # first, so the one-active-account constraint holds at every statement
            advance(old, to=S.REPLACED, moves=SETTLEMENT_MOVES, actor=actor, action="settlement_account.replaced",
                    data={"account_number": old.account_number_masked, "replaced_by": account.pk})
    account.approved_by, account.approved_at = actor, timezone.now()
    advance(account, to=S.ACTIVE, moves=SETTLEMENT_MOVES, actor=actor, action="settlement_account.approved",
            data={"account_number": account.account_number_masked, "verified_by": account.verified_by_id,
                  "replaces": [old.pk for old in previous]},
            extra_fields=("approved_by", "approved_at"))
    _tell_owner(account.merchant, "settlement_account.approved", gettext_lazy("Your settlement account is approved"),
                gettext_lazy("Funds are now settled to %(account)s at %(bank)s."),
                {"account": account.account_number_masked, "bank": account.bank_name})
    return account


@transaction.atomic
def settlement_account_reject(*, actor: User, account: SettlementAccount, reason: str) -> SettlementAccount:
    policy.require_permission(actor, merchant_roles.APPROVE_SETTLEMENT)
    reason = (reason or "").strip()
    if len(reason) < 3:
        raise DomainError(_("Give the reason for rejecting the settlement account."))
    account = _lock(account)
    account.rejection_reason = reason
    advance(account, to=S.REJECTED, moves=SETTLEMENT_MOVES, actor=actor, action="settlement_account.rejected",
            data={"account_number": account.account_number_masked, "reason": reason},
            extra_fields=("rejection_reason",))
    _tell_owner(account.merchant, "settlement_account.rejected", gettext_lazy("Your settlement account was rejected"),
                gettext_lazy("Account %(account)s: %(reason)s"),
                {"account": account.account_number_masked, "reason": reason})
    return account
