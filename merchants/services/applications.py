"""The onboarding workflow: sign-up, application, review (four eyes), risk rating, MID, activation,
suspension and termination. Every move goes through ``acquirer.workflow.advance`` and is audited."""

from datetime import date

from django.conf import settings
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
from merchants import risk
from merchants import roles as merchant_roles
from merchants.models import Merchant, MerchantMembership, MidSequence
from merchants.policy import ACTIONS
from merchants.selectors.contracts import contract_in_force, settlement_account_active
from merchants.selectors.merchants import merchant_owner
from merchants.workflow import EDITABLE, MERCHANT_MOVES

M = Merchant.Status

PROFILE_FIELDS = [
    "legal_name", "trading_name", "merchant_type", "uscc", "legal_rep_name", "business_scope", "mcc", "industry",
    "region_code", "address", "premises", "business_started_on", "expected_monthly_volume", "average_ticket",
    "contact_name", "contact_phone", "contact_email", "language",
]


def _lock(merchant: Merchant) -> Merchant:
    return Merchant.objects.select_for_update().get(pk=merchant.pk)


def _is_member(actor: User, merchant: Merchant) -> bool:
    return actor.kind == User.Kind.MERCHANT and actor.merchant_id == merchant.pk


def _tell_owner(merchant: Merchant, kind: str, title, body="", params=None, url: str | None = None) -> None:
    owner = merchant_owner(merchant.pk)
    if owner:
        notify(recipient=owner, kind=kind, title=title, body=body, params=params or {},
               url=url or reverse("portal:application"))


# --- sign-up and application -------------------------------------------------------------------

@transaction.atomic
def merchant_signup(*, user: User, legal_name: str) -> Merchant:
    """A prospective merchant's account gets a draft application it owns."""
    if user.kind != User.Kind.MERCHANT:
        raise DomainError(_("Only merchant accounts can apply."))
    merchant = Merchant.objects.create(legal_name=legal_name.strip(), applicant=user, language=user.language,
                                       contact_email=user.email)
    MerchantMembership.objects.create(user=user, merchant=merchant, role=MerchantMembership.Role.OWNER)
    audit.record("merchant.signed_up", actor=user, target=merchant, after={"legal_name": merchant.legal_name})
    return merchant


def _editor_check(actor: User, merchant: Merchant, action: str) -> bool:
    """True when staff takes ``action`` on the merchant's behalf (then they may not approve it)."""
    if _is_member(actor, merchant):
        return False
    policy.require(actor, ACTIONS[action])
    return True


@transaction.atomic
def merchant_application_update(*, actor: User, merchant: Merchant, data: dict,
                                legal_rep_id: str | None = None) -> Merchant:
    """Save (part of) the application; allowed while it is with the merchant (draft / info requested)."""
    merchant = _lock(merchant)
    on_behalf = _editor_check(actor, merchant, "edit")
    if merchant.status not in EDITABLE:
        raise DomainError(_("The application cannot be changed while it is %(status)s.")
                          % {"status": merchant.get_status_display()})
    before = {name: getattr(merchant, name) for name in data if name in PROFILE_FIELDS}
    for name, value in data.items():
        if name not in PROFILE_FIELDS:
            raise DomainError(f"unknown field {name}")
        setattr(merchant, name, value)
    changed = [name for name in before if before[name] != getattr(merchant, name)]
    if legal_rep_id is not None:
        merchant.legal_rep_id = legal_rep_id
        merchant.legal_rep_id_hash = keyed_hash(legal_rep_id) if legal_rep_id else ""
        merchant.legal_rep_id_masked = mask(legal_rep_id, 4, 4)
        changed.append("legal_rep_id")
    if on_behalf and actor.pk not in merchant.staff_editor_ids:
        merchant.staff_editor_ids = [*merchant.staff_editor_ids, actor.pk]
    merchant.save()
    audit.record("merchant.application_updated", actor=actor, target=merchant,
                 before={k: before[k] for k in changed if k in before},
                 after={k: getattr(merchant, k) for k in changed if k in before},
                 data={"fields": changed, "on_behalf": on_behalf})
    return merchant


def application_gaps(merchant: Merchant) -> list[str]:
    """What is still missing before the application can be submitted (translated, for the merchant)."""
    from merchants.services.documents import documents_missing, documents_problems

    gaps = []
    required = ["legal_name", "merchant_type", "legal_rep_name", "business_scope", "mcc", "region_code",
                "address", "expected_monthly_volume", "average_ticket", "contact_name", "contact_phone"]
    if merchant.merchant_type != Merchant.Type.MICRO:
        required.append("uscc")
    for name in required:
        if getattr(merchant, name) in (None, ""):
            gaps.append(_("Missing: %(field)s") % {"field": Merchant._meta.get_field(name).verbose_name})
    if not merchant.legal_rep_id_hash:
        gaps.append(_("Missing: %(field)s") % {"field": Merchant._meta.get_field("legal_rep_id").verbose_name})
    gaps += [_("Missing document: %(kind)s") % {"kind": kind} for kind in documents_missing(merchant)]
    gaps += [_("Document %(doc)s: %(reason)s") % {"doc": doc.get_kind_display(), "reason": reason}
             for doc, reason in documents_problems(merchant)]
    if not merchant.settlement_accounts.exclude(status__in=["rejected", "replaced"]).exists():
        gaps.append(_("Missing: a settlement account"))
    return gaps


def _blacklist_hit(merchant: Merchant):
    from merchants.services.blacklist import blacklist_match

    person = merchant.legal_rep_id or ""
    return blacklist_match(uscc=merchant.uscc, person_id=person)


def merchant_submit(*, actor: User, merchant: Merchant) -> Merchant:
    """Submit the application for review. A blacklisted applicant is refused, and the refusal itself
    is audited (in its own transaction, so it survives the refusal)."""
    blocked = _submit(actor=actor, merchant=merchant)
    if isinstance(blocked, Merchant):
        return blocked
    with transaction.atomic():
        audit.record("merchant.blacklist_blocked", actor=actor, target=merchant, data={"entry": blocked})
    raise DomainError(_("This applicant cannot be onboarded. Please contact the acquirer."))


@transaction.atomic
def _submit(*, actor: User, merchant: Merchant) -> Merchant | int:
    """The submission itself; returns the blacklist entry's id instead when the applicant is on it."""
    merchant = _lock(merchant)
    on_behalf = _editor_check(actor, merchant, "submit")
    gaps = application_gaps(merchant)
    if gaps:
        raise DomainError(_("The application is incomplete: %(gaps)s") % {"gaps": "; ".join(gaps)})
    hit = _blacklist_hit(merchant)
    if hit:
        return hit.pk
    if on_behalf and actor.pk not in merchant.staff_editor_ids:
        merchant.staff_editor_ids = [*merchant.staff_editor_ids, actor.pk]
    merchant.submitted_at = timezone.now()
    merchant.submitted_by = actor
    merchant.first_approval_by = None
    merchant.first_approval_at = None
    _apply_risk(merchant)
    advance(merchant, to=M.SUBMITTED, moves=MERCHANT_MOVES, actor=actor, action="merchant.submitted",
            data={"on_behalf": on_behalf, "risk": merchant.effective_risk},
            extra_fields=("submitted_at", "submitted_by", "staff_editor_ids", "first_approval_by",
                          "first_approval_at", "risk_level", "risk_score", "risk_reasons"))
    notify_role(role=roles.ONBOARDING_REVIEWER, kind="merchant.submitted",
                title=gettext_lazy("New merchant application: %(name)s"), params={"name": merchant.legal_name},
                url=reverse("ops:merchant-detail", kwargs={"pk": merchant.pk}))
    return merchant


# --- risk ------------------------------------------------------------------------------------

def _apply_risk(merchant: Merchant) -> None:
    from merchants.services.documents import documents_problems

    hit = _blacklist_hit(merchant)
    related = Merchant.objects.exclude(pk=merchant.pk).filter(
        status__in=[M.REJECTED, M.SUSPENDED, M.TERMINATED])
    bad_history = bool(merchant.legal_rep_id_hash) and related.filter(
        legal_rep_id_hash=merchant.legal_rep_id_hash).exists()
    bad_history = bad_history or (bool(merchant.uscc) and related.filter(uscc=merchant.uscc).exists())
    id_warnings = 0
    if merchant.legal_rep_id:
        from merchants.identifiers import validate_resident_id

        try:
            id_warnings = len(validate_resident_id(merchant.legal_rep_id).warnings)
        except Exception:  # noqa: BLE001 - an invalid ID was refused at entry; treat as a warning here
            id_warnings = 1
    level, score, reasons = risk.assess(merchant, today=timezone.localdate(), id_warnings=id_warnings,
                                        document_problems=len(documents_problems(merchant)),
                                        blacklisted=hit is not None, related_bad_history=bad_history)
    merchant.risk_level, merchant.risk_score = level, score
    merchant.risk_reasons = [r.as_dict() for r in reasons]


@transaction.atomic
def merchant_risk_refresh(*, actor: User | None, merchant: Merchant) -> Merchant:
    if actor is not None:
        policy.require(actor, ACTIONS["risk_refresh"])
    merchant = _lock(merchant)
    before = {"level": merchant.risk_level, "score": merchant.risk_score}
    _apply_risk(merchant)
    merchant.save(update_fields=["risk_level", "risk_score", "risk_reasons"])
    audit.record("merchant.risk_rated", actor=actor, target=merchant, before=before,
                 after={"level": merchant.risk_level, "score": merchant.risk_score},
                 data={"reasons": merchant.risk_reasons})
    return merchant


@transaction.atomic
def merchant_risk_override(*, actor: User, merchant: Merchant, level: str, reason: str) -> Merchant:
    policy.require(actor, ACTIONS["risk_override"])
    if level not in Merchant.Risk.values:
        raise DomainError(_("Unknown risk level."))
    if len(reason.strip()) < 10:
        raise DomainError(_("Explain the override in at least 10 characters."))
    merchant = _lock(merchant)
    before = merchant.effective_risk
    merchant.risk_override, merchant.risk_override_reason, merchant.risk_override_by = level, reason.strip(), actor
    merchant.save(update_fields=["risk_override", "risk_override_reason", "risk_override_by"])
    audit.record("merchant.risk_overridden", actor=actor, target=merchant, before={"risk": before},
                 after={"risk": level}, data={"reason": reason.strip(), "computed": merchant.risk_level})
    if merchant.status in (M.ACTIVE, M.SUSPENDED) and merchant.next_inspection_due:
        from merchants.services.inspections import inspection_schedule

        inspection_schedule(merchant=merchant, from_date=timezone.localdate())
    return merchant


# --- review ----------------------------------------------------------------------------------

@transaction.atomic
def merchant_assign(*, actor: User, merchant: Merchant, reviewer: User) -> Merchant:
    policy.require(actor, ACTIONS["assign"])
    if not policy.permitted(reviewer, ACTIONS["decide"]):
        raise DomainError(_("%(user)s cannot review applications.") % {"user": reviewer.username})
    merchant = _lock(merchant)
    before = merchant.assigned_reviewer_id
    merchant.assigned_reviewer = reviewer
    merchant.save(update_fields=["assigned_reviewer"])
    audit.record("merchant.assigned", actor=actor, target=merchant, before={"reviewer": before},
                 after={"reviewer": reviewer.pk})
    if reviewer.pk != actor.pk:
        notify(recipient=reviewer, kind="merchant.assigned",
               title=gettext_lazy("Application assigned to you: %(name)s"), params={"name": merchant.legal_name},
               url=reverse("ops:merchant-detail", kwargs={"pk": merchant.pk}))
    return merchant


@transaction.atomic
def merchant_start_review(*, actor: User, merchant: Merchant) -> Merchant:
    policy.require(actor, ACTIONS["start_review"])
    merchant = _lock(merchant)
    if merchant.assigned_reviewer_id is None:
        merchant.assigned_reviewer = actor
    return advance(merchant, to=M.UNDER_REVIEW, moves=MERCHANT_MOVES, actor=actor, action="merchant.review_started",
                   extra_fields=("assigned_reviewer",))


@transaction.atomic
def merchant_request_info(*, actor: User, merchant: Merchant, note: str) -> Merchant:
    policy.require(actor, ACTIONS["decide"])
    if len(note.strip()) < 5:
        raise DomainError(_("Say what information is needed."))
    merchant = _lock(merchant)
    merchant.info_request_note = note.strip()
    advance(merchant, to=M.INFO_REQUESTED, moves=MERCHANT_MOVES, actor=actor, action="merchant.info_requested",
            data={"note": merchant.info_request_note}, extra_fields=("info_request_note",))
    _tell_owner(merchant, "merchant.info_requested", gettext_lazy("More information is needed for your application"),
                gettext_lazy("The reviewer writes: %(note)s"), {"note": merchant.info_request_note})
    return merchant


def allocate_mid(merchant: Merchant) -> str:
    """Institution code + region code + MCC + 4-digit sequence; numbers are never reused."""
    institution = settings.ACQUIRER_INSTITUTION_CODE
    if not (len(institution) == 3 and institution.isdigit()):
        raise DomainError("ACQUIRER_INSTITUTION_CODE must be 3 digits")
    if not (merchant.region_code.isdigit() and len(merchant.region_code) == 4 and merchant.mcc.isdigit()
            and len(merchant.mcc) == 4):
        raise DomainError(_("Region code and MCC must be four digits each to allocate a merchant number."))
    prefix = institution + merchant.region_code + merchant.mcc
    sequence, _created = MidSequence.objects.select_for_update().get_or_create(prefix=prefix)
    if sequence.last >= 9999:
        raise DomainError(_("Merchant numbers for %(prefix)s are exhausted.") % {"prefix": prefix})
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"{prefix}{sequence.last:04d}"


@transaction.atomic
def merchant_approve(*, actor: User, merchant: Merchant, note: str = "") -> Merchant:
    """Approve (four eyes). A high-risk merchant needs a second approval by an operations manager."""
    from merchants.services.documents import documents_missing, documents_problems

    policy.require(actor, ACTIONS["decide"])
    merchant = _lock(merchant)
    if merchant.status != M.UNDER_REVIEW:
        raise DomainError(_("Only an application under review can be approved."))
    if actor.pk in merchant.staff_editor_ids or actor.pk == merchant.submitted_by_id:
        raise NotPermitted(_("You submitted or edited this application on the merchant's behalf, so another "
                             "reviewer must approve it."))
    if documents_missing(merchant) or documents_problems(merchant) or merchant.documents.filter(
            superseded=False, decision="pending").exists():
        raise DomainError(_("Every required document must be accepted before approval."))
    if _blacklist_hit(merchant):
        raise DomainError(_("This applicant is blacklisted and cannot be approved."))
    if merchant.effective_risk == Merchant.Risk.HIGH:
        if merchant.first_approval_by_id is None:
            merchant.first_approval_by, merchant.first_approval_at = actor, timezone.now()
            merchant.save(update_fields=["first_approval_by", "first_approval_at"])
            audit.record("merchant.first_approved", actor=actor, target=merchant, data={"note": note})
            notify_role(role=roles.OPERATIONS_MANAGER, kind="merchant.second_approval",
                        title=gettext_lazy("High-risk merchant waiting for your approval: %(name)s"),
                        params={"name": merchant.legal_name},
                        url=reverse("ops:merchant-detail", kwargs={"pk": merchant.pk}))
            return merchant
        if merchant.first_approval_by_id == actor.pk:
            raise NotPermitted(_("The second approval of a high-risk merchant must come from another person."))
        if not actor.has_perm(merchant_roles.APPROVE_HIGH_RISK):
            raise NotPermitted(_("A high-risk merchant needs the second approval of an operations manager."))
    merchant.mid = allocate_mid(merchant)
    merchant.approved_by, merchant.approved_at = actor, timezone.now()
    merchant.decision_reason = note
    advance(merchant, to=M.APPROVED, moves=MERCHANT_MOVES, actor=actor, action="merchant.approved",
            data={"mid": merchant.mid, "note": note, "risk": merchant.effective_risk,
                  "first_approval_by": merchant.first_approval_by_id},
            extra_fields=("mid", "approved_by", "approved_at", "decision_reason"))
    _tell_owner(merchant, "merchant.approved", gettext_lazy("Your application was approved"),
                gettext_lazy("Your merchant number is %(mid)s. Next: sign your contract."), {"mid": merchant.mid})
    return merchant


@transaction.atomic
def merchant_reject(*, actor: User, merchant: Merchant, reason: str) -> Merchant:
    policy.require(actor, ACTIONS["decide"])
    if len(reason.strip()) < 5:
        raise DomainError(_("Give the reason for the rejection."))
    merchant = _lock(merchant)
    merchant.decision_reason = reason.strip()
    advance(merchant, to=M.REJECTED, moves=MERCHANT_MOVES, actor=actor, action="merchant.rejected",
            data={"reason": merchant.decision_reason}, extra_fields=("decision_reason",))
    _tell_owner(merchant, "merchant.rejected", gettext_lazy("Your application was rejected"),
                gettext_lazy("Reason: %(reason)s"), {"reason": merchant.decision_reason})
    return merchant


@transaction.atomic
def merchant_activate(*, actor: User, merchant: Merchant) -> Merchant:
    """Go live: needs a countersigned contract and an approved settlement account in the merchant's name."""
    from merchants.services.inspections import inspection_schedule

    merchant = _lock(merchant)
    if merchant.status == M.SUSPENDED:
        policy.require(actor, ACTIONS["reactivate"])
        if _blacklist_hit(merchant):
            raise DomainError(_("This merchant is blacklisted and cannot be reactivated."))
        merchant.exit_due_on = None
        return advance(merchant, to=M.ACTIVE, moves=MERCHANT_MOVES, actor=actor, action="merchant.reactivated",
                       extra_fields=("exit_due_on",))
    policy.require(actor, ACTIONS["go_live"])
    if contract_in_force(merchant) is None:
        raise DomainError(_("The merchant has no countersigned contract yet."))
    if settlement_account_active(merchant) is None:
        raise DomainError(_("The merchant has no approved settlement account yet."))
    advance(merchant, to=M.ACTIVE, moves=MERCHANT_MOVES, actor=actor, action="merchant.activated",
            data={"mid": merchant.mid})
    inspection_schedule(merchant=merchant, from_date=timezone.localdate())
    _tell_owner(merchant, "merchant.activated", gettext_lazy("Your merchant account is active"),
                url=reverse("portal:home"))
    return merchant


@transaction.atomic
def merchant_suspend(*, actor: User | None, merchant: Merchant, reason: str) -> Merchant:
    if actor is not None:
        policy.require(actor, ACTIONS["suspend"])
    if len(reason.strip()) < 5:
        raise DomainError(_("Give the reason for the suspension."))
    merchant = _lock(merchant)
    advance(merchant, to=M.SUSPENDED, moves=MERCHANT_MOVES, actor=actor, action="merchant.suspended",
            data={"reason": reason.strip()})
    _tell_owner(merchant, "merchant.suspended", gettext_lazy("Your merchant account is suspended"),
                gettext_lazy("Reason: %(reason)s"), {"reason": reason.strip()})
    return merchant


@transaction.atomic
def merchant_terminate(*, actor: User, merchant: Merchant, reason: str) -> Merchant:
    policy.require(actor, ACTIONS["terminate"])
    if len(reason.strip()) < 5:
        raise DomainError(_("Give the reason for the termination."))
    merchant = _lock(merchant)
    merchant.decision_reason = reason.strip()
    advance(merchant, to=M.TERMINATED, moves=MERCHANT_MOVES, actor=actor, action="merchant.terminated",
            data={"reason": merchant.decision_reason, "mid": merchant.mid}, extra_fields=("decision_reason",))
    return merchant


def sla_age_days(merchant: Merchant, today: date | None = None) -> int | None:
    if merchant.submitted_at is None or merchant.status not in (M.SUBMITTED, M.UNDER_REVIEW):
        return None
    return ((today or timezone.localdate()) - timezone.localtime(merchant.submitted_at).date()).days
