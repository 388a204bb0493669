"""The blacklist kept by risk staff: entities (USCC) and persons (resident ID, stored only as a keyed
hash and a masked form). Adding an entry suspends every active merchant it matches and gives the
operations managers an exit task due within :data:`EXIT_DAYS` days."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acquirer import audit, policy, roles
from acquirer.exceptions import DomainError
from acquirer.models import User
from acquirer.secrets import keyed_hash, mask
from acquirer.services.notifications import notify_role
from acquirer.workflow import advance
from merchants import roles as merchant_roles
from merchants.identifiers import validate_resident_id, validate_uscc
from merchants.models import BlacklistEntry, Merchant
from merchants.workflow import MERCHANT_MOVES

EXIT_DAYS = 7


def _identifiers(uscc: str, person_id: str) -> tuple[str, str]:
    """Normalised (uscc, person id); a bad identifier is a DomainError with the precise message."""
    try:
        code = validate_uscc(uscc) if uscc.strip() else ""
        person = validate_resident_id(person_id).number if person_id.strip() else ""
    except ValidationError as error:
        raise DomainError(" ".join(error.messages))
    return code, person


def _matching(queryset, *, uscc: str, person_hash: str, hash_field: str):
    """Rows with this USCC or this person hash (never rows with an empty identifier)."""
    condition = Q(pk__in=[])
    if uscc:
        condition |= Q(uscc=uscc)
    if person_hash:
        condition |= Q(**{hash_field: person_hash})
    return queryset.filter(condition)


def blacklist_match(*, uscc: str = "", person_id: str = "") -> BlacklistEntry | None:
    """The newest active entry for this entity (USCC) or person (resident ID, compared by keyed hash)."""
    code = "".join((uscc or "").split()).upper()
    person_hash = keyed_hash(person_id) if (person_id or "").strip() else ""
    if not code and not person_hash:
        return None
    entries = _matching(BlacklistEntry.objects.filter(active=True), uscc=code, person_hash=person_hash,
                        hash_field="person_id_hash")
    return entries.order_by("-created_at", "-id").first()


@transaction.atomic
def blacklist_add(*, actor: User, uscc: str = "", person_id: str = "", name: str = "", reason: str,
                  source: str) -> BlacklistEntry:
    """Blacklist an entity and/or a person. Every active merchant it matches is suspended with an exit
    due in 7 days, and the operations managers are told. Applications still in review are left to the
    review (approval refuses blacklisted applicants). ``entry.suspended_merchant_ids`` lists the
    merchants suspended by this call."""
    policy.require_permission(actor, merchant_roles.MANAGE_BLACKLIST)
    code, person = _identifiers(uscc or "", person_id or "")
    if not code and not person:
        raise DomainError(_("Give a unified social credit code, a resident ID number, or both."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for blacklisting."))
    if source not in BlacklistEntry.Source.values:
        raise DomainError(_("Choose where the information comes from."))
    person_hash = keyed_hash(person) if person else ""
    duplicate = (BlacklistEntry.objects.filter(active=True, uscc=code, person_id_hash=person_hash)
                 .values_list("pk", flat=True).first())
    if duplicate:
        raise DomainError(_("This is already on the blacklist (entry %(id)s).") % {"id": duplicate})
    entry = BlacklistEntry.objects.create(
        uscc=code, person_id_hash=person_hash, person_id_masked=mask(person, 4, 4), name=name.strip()[:200],
        reason=reason, source=source, created_by=actor)
    audit.record("blacklist.added", actor=actor, target=entry,
                 after={"uscc": code, "person_id_masked": entry.person_id_masked, "name": entry.name,
                        "source": source},
                 data={"reason": reason})
    entry.suspended_merchant_ids = _suspend_matching(actor=actor, entry=entry)
    return entry


def _suspend_matching(*, actor: User, entry: BlacklistEntry) -> list[int]:
    active = Merchant.objects.select_for_update().filter(status=Merchant.Status.ACTIVE).order_by("pk")
    exit_due = timezone.localdate() + timedelta(days=EXIT_DAYS)
    suspended = []
    for merchant in _matching(active, uscc=entry.uscc, person_hash=entry.person_id_hash,
                              hash_field="legal_rep_id_hash"):
        merchant.exit_due_on = exit_due
        advance(merchant, to=Merchant.Status.SUSPENDED, moves=MERCHANT_MOVES, actor=actor,
                action="merchant.suspended", data={"reason": "blacklisted", "entry": entry.pk},
                extra_fields=("exit_due_on",))
        notify_role(role=roles.OPERATIONS_MANAGER, kind="merchant.exit_due",
                    title=gettext_lazy("Exit due by %(date)s: %(name)s is blacklisted"),
                    body=gettext_lazy("%(name)s (MID %(mid)s) matched blacklist entry %(entry)s and was suspended. "
                                      "End the relationship by %(date)s."),
                    params={"name": str(merchant), "mid": merchant.mid or "—", "entry": entry.pk,
                            "date": exit_due.isoformat()},
                    url=reverse("ops:merchant-detail", args=[merchant.pk]))
        suspended.append(merchant.pk)
    return suspended


@transaction.atomic
def blacklist_remove(*, actor: User, entry: BlacklistEntry, reason: str) -> BlacklistEntry:
    """Deactivate an entry (kept for the record). Suspended merchants stay suspended until reviewed."""
    policy.require_permission(actor, merchant_roles.MANAGE_BLACKLIST)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for removing this entry."))
    entry = BlacklistEntry.objects.select_for_update().get(pk=entry.pk)
    if not entry.active:
        raise DomainError(_("This entry was already removed."))
    entry.active = False
    entry.removed_by = actor
    entry.removed_at = timezone.now()
    entry.removal_reason = reason
    entry.save(update_fields=["active", "removed_by", "removed_at", "removal_reason"])
    audit.record("blacklist.removed", actor=actor, target=entry, before={"active": True}, after={"active": False},
                 data={"reason": reason})
    return entry
