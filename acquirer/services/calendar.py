"""Writes to the working-day calendar: operations managers add and remove public holidays and make-up working days
(``acquirer/calendar.py`` reads them). Every change is audited."""

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from acquirer import audit, policy
from acquirer.calendar import overrides_changed
from acquirer.exceptions import DomainError
from acquirer.models import User, WorkingDayOverride

PERMISSION = "acquirer.manage_calendar"




def _snapshot(override: WorkingDayOverride) -> dict:
    return {"date": override.date, "kind": override.kind, "name": override.name,
            "note": override.note}


@transaction.atomic
def working_day_override_add(*, actor: User, day: date, kind: str, name: str, note: str = "") -> WorkingDayOverride:
    """Declare ``day`` a public holiday or a make-up working day; it wins over the official calendar."""
    policy.require_permission(actor, PERMISSION)
    if kind not in WorkingDayOverride.Kind.values:
        raise DomainError(_("Choose a public holiday or a make-up working day."))
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Please give the day a name, e.g. 国庆节."))
    if WorkingDayOverride.objects.select_for_update().filter(date=day).exists():
        raise DomainError(_("%(date)s is already in the calendar; remove that entry first.")
                          % {"date": day.isoformat()})
    override = WorkingDayOverride.objects.create(date=day, kind=kind, name=name[:100], note=(note or "").strip()[:200],
                                                 created_by=actor)
    audit.record("calendar.override_added", actor=actor, target=override, after=_snapshot(override))
    overrides_changed()
    return override


@transaction.atomic
def working_day_override_remove(*, actor: User, override: WorkingDayOverride) -> None:
    """Remove an entry: the day follows the official calendar (or Monday to Friday) again."""
    policy.require_permission(actor, PERMISSION)
    override = WorkingDayOverride.objects.select_for_update().filter(pk=override.pk).first()
    if override is None:
        raise DomainError(_("That calendar entry was already removed."))
    before = _snapshot(override)
    audit.record("calendar.override_removed", actor=actor, target=override, before=before)
    override.delete()
    overrides_changed()
