"""Retention rules, legal holds and the deletion guard the core asks (``acquirer.retention``).

The guard (:func:`deletion_refusal`, listed in ``compliance/plugin.py`` ``DELETION_GUARDS``) refuses when an active
legal hold covers the record (its merchant, its record type, or that very record), whatever the period; or when the
relationship has not ended, or ended less than the retention period ago (``RetentionRule.years``, else the record
type's ``default_years``).

:func:`record_dispose` is the "Delete a record" page's service: it asks ``require_deletable`` *before* opening its
transaction (the refusal's audit event then survives the refusal — see ``acquirer/retention.py``), then deletes with
the owning app's ``RecordType.delete`` inside one transaction, asking the guard again under it."""

from datetime import date

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from acquirer import audit, policy
from acquirer.exceptions import DomainError
from acquirer.models import User
from acquirer.registry import RecordType, registry
from acquirer.retention import deletion_refusal as ask_guards
from acquirer.retention import record_get, record_type_get, require_deletable
from compliance.models import LegalHold, RetentionRule
from compliance.policy import HOLD_PLACE, HOLD_RELEASE, RECORD_DISPOSE, RETENTION_EDIT


def retention_years(record_type: RecordType) -> int:
    rule = RetentionRule.objects.filter(record_type=record_type.key).first()
    return rule.years if rule is not None else record_type.default_years


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def active_holds_for(record_type: RecordType, obj):
    """The active holds covering ``obj``: on its merchant, on its whole record type, or on that record."""
    merchant_id = record_type.merchant_id(obj)
    covers = (Q(merchant_id__isnull=True, record_type=record_type.key, record_id="")
              | Q(record_type=record_type.key, record_id=str(obj.pk)))
    if merchant_id is not None:
        covers |= Q(merchant_id=merchant_id, record_id="", record_type__in=["", record_type.key])
    return list(LegalHold.objects.filter(covers, released_at__isnull=True).order_by("placed_at", "pk"))


def merchant_id_for(identifier: str) -> int | None:
    """The merchant a person names (MID or id), found through the record types the merchants app declares (this
    app never imports it)."""
    for record_type in registry().record_types.values():
        if record_type.model.lower() == "merchants.merchant":
            obj = record_get(record_type, identifier)
            if obj is not None:
                return record_type.merchant_id(obj)
    return None


def deletion_refusal(record_type: str, obj) -> str | None:
    """The guard: why a record may not be deleted now (None when retention and legal holds allow it)."""
    found = registry().record_types.get(record_type)
    if found is None:
        return _("Unknown record type.")
    holds = active_holds_for(found, obj)
    if holds:
        return _("Under legal hold (%(matter)s): deletion is refused whatever the retention period.") % {
            "matter": holds[0].matter}
    ended_on = found.ended_on(obj)
    if ended_on is None:
        return _("The relationship has not ended: the record is kept for %(years)s years after it ends.") % {
            "years": retention_years(found)}
    years = retention_years(found)
    until = _years_after(ended_on, years)
    if timezone.localdate() < until:
        return _("Inside its retention period: kept %(years)s years after the relationship ended on %(ended)s, "
                 "until %(until)s.") % {"years": years, "ended": ended_on.isoformat(), "until": until.isoformat()}
    return None


@transaction.atomic
def retention_rule_set(*, actor: User, record_type: str, years: int, note: str = "") -> RetentionRule:
    policy.require(actor, RETENTION_EDIT)
    found = record_type_get(record_type)
    if not 1 <= int(years) <= 100:
        raise DomainError(_("Keep records between 1 and 100 years."))
    rule = RetentionRule.objects.select_for_update().filter(record_type=found.key).first()
    before = ({"years": rule.years, "basis": rule.note} if rule is not None
              else {"years": found.default_years, "basis": ""})
    if rule is None:
        rule = RetentionRule(record_type=found.key)
    rule.years, rule.note, rule.changed_by, rule.changed_at = int(years), (note or "").strip()[:300], actor, \
        timezone.now()
    rule.save()
    audit.record("retention_rule.changed", actor=actor, target=rule, before=before,
                 after={"years": rule.years, "basis": rule.note})
    return rule


@transaction.atomic
def legal_hold_place(*, actor: User, matter: str, reason: str, merchant: str = "", record_type: str = "",
                     record_id: str = "") -> LegalHold:
    """Place a hold on every record of a merchant (``merchant``: its MID or id; narrowed to one ``record_type`` when
    given), on every record of a type, or on one record (``record_type`` and ``record_id``)."""
    policy.require(actor, HOLD_PLACE)
    matter, reason, record_id = (matter or "").strip(), (reason or "").strip(), (record_id or "").strip()
    if not matter or not reason:
        raise DomainError(_("Name the matter and say why the hold is placed."))
    merchant_id = None
    if (merchant or "").strip():
        merchant_id = merchant_id_for(merchant)
        if merchant_id is None:
            raise DomainError(_("No merchant has this number."))
    if record_type:
        found = record_type_get(record_type)
        if record_id:
            obj = record_get(found, record_id)
            if obj is None:
                raise DomainError(_("There is no such record."))
            record_id = str(obj.pk)
    if merchant_id is None and not record_type:
        raise DomainError(_("Say what the hold covers: a merchant, a record type, or one record."))
    if record_id and not record_type:
        raise DomainError(_("A hold on one record names its record type."))
    if record_id and merchant_id is not None:
        raise DomainError(_("A hold covers a merchant or one record, not both."))
    hold = LegalHold.objects.create(matter=matter[:200], reason=reason, merchant_id=merchant_id,
                                    record_type=record_type, record_id=record_id[:40], placed_by=actor)
    audit.record("legal_hold.placed", actor=actor, target=hold, merchant_id=merchant_id,
                 after={"matter": hold.matter, "reason": reason, "scope": _scope(hold)})
    return hold


def _scope(hold: LegalHold) -> dict:
    return {"merchant": hold.merchant_id, "record_type": hold.record_type, "record_id": hold.record_id}


@transaction.atomic
def legal_hold_release(*, actor: User, hold: LegalHold, reason: str) -> LegalHold:
    hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
    policy.require(actor, HOLD_RELEASE, hold)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the hold is released."))
    hold.released_at, hold.released_by, hold.release_reason = timezone.now(), actor, reason
    hold.save(update_fields=["released_at", "released_by", "release_reason"])
    audit.record("legal_hold.released", actor=actor, target=hold, merchant_id=hold.merchant_id,
                 before={"released_at": None}, after={"released_at": hold.released_at}, data={"reason": reason})
    return hold


def record_dispose(*, actor: User, record_type: str, record_id: str, reason: str):
    """Delete one record whose retention period is over and which no hold covers. Not one transaction on purpose:
    the refusal is audited first, in its own (``acquirer.retention``)."""
    policy.require(actor, RECORD_DISPOSE)
    found = record_type_get(record_type)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the record is deleted."))
    obj = record_get(found, record_id)
    if obj is None:
        raise DomainError(_("There is no such record."))
    require_deletable(actor=actor, record_type=found.key, obj=obj)
    if found.delete is None:  # the page then only checks
        raise DomainError(_("Retention and legal holds allow deleting this record, but records of this type are not "
                            "deleted from here: their owning application disposes of them."))
    with transaction.atomic():
        refusal = ask_guards(found.key, obj)
        if refusal is None:
            result = found.delete(actor, obj)
            audit.record("record.disposed", actor=actor, target=obj, merchant_id=found.merchant_id(obj),
                         data={"record_type": found.key, "reason": reason, "deleted": result})
    if refusal is not None:  # a hold placed meanwhile: nothing was deleted; the refusal is audited now
        require_deletable(actor=actor, record_type=found.key, obj=obj)
    return obj
