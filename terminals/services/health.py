"""Terminal health: terminals silent for too long (stale) and terminals used far from their installation
address (location, an input to risk monitoring). At most one open flag per terminal and kind; a stale flag
clears itself when the terminal is seen again; staff clear flags after following them up."""

import json
import math
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acquirer import audit, policy, roles
from acquirer.batches import in_batches
from acquirer.exceptions import DomainError
from acquirer.models import User
from acquirer.services.notifications import notify_role
from terminals.models import HealthFlag, Terminal
from terminals.policy import HEALTH_FLAG_CLEAR

T = Terminal.Status
K = HealthFlag.Kind
EARTH_RADIUS_KM = 6371.0088
ACTIVITY_KINDS = {"transaction": "last_transaction_at", "sign_in": "last_sign_in_at"}


def haversine_km(lat1, lon1, lat2, lon2) -> float:
    """Great-circle distance in kilometres between two points given in decimal degrees."""
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp, dl = p2 - p1, math.radians(float(lon2) - float(lon1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def _coordinate(value, limit: int, label: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        raise DomainError(_("The %(what)s is not a number.") % {"what": label}) from None
    if not number.is_finite() or abs(number) > limit:
        raise DomainError(_("The %(what)s is out of range.") % {"what": label})
    return number


def _url(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def _clear(flag: HealthFlag, *, actor: User | None, note: str, action: str) -> HealthFlag:
    flag.cleared_at, flag.cleared_by, flag.clear_note = timezone.now(), actor, note
    flag.save(update_fields=["cleared_at", "cleared_by", "clear_note"])
    audit.record(action, actor=actor, target=flag, before={"open": True}, after={"open": False},
                 data={"terminal": flag.terminal_id, "kind": flag.kind, "note": note})
    return flag


def _last_activity(terminal: Terminal, installed_on: date | None) -> date:
    seen = [value for value in (terminal.last_seen_at, terminal.last_sign_in_at, terminal.last_transaction_at)
            if value is not None]
    if seen:
        return timezone.localdate(max(seen))
    fallback = [value for value in (terminal.rent_start, installed_on) if value is not None]
    return max(fallback) if fallback else timezone.localdate(terminal.status_changed_at)


def _with_activity(queryset):
    return (queryset.annotate(installed_on=Max("installations__installed_on"))
            .only("id", "merchant_id", "serial_number", "status", "status_changed_at", "rent_start", "last_seen_at",
                  "last_sign_in_at", "last_transaction_at"))


def _flag_batch(terminals: list[Terminal], *, today: date, cutoff: date, counts: dict) -> None:
    """Open a stale flag for each silent terminal of the batch that has none: one insert (a terminal already
    flagged is skipped by the one-open-flag constraint) and one audit insert."""
    counts["checked"] += len(terminals)
    silent = {}
    for terminal in terminals:
        last = _last_activity(terminal, terminal.installed_on)
        if last < cutoff:
            silent[terminal.pk] = (terminal, {"last_activity": last.isoformat(), "days_silent": (today - last).days,
                                              "threshold_days": settings.ACQUIRER_TERMINAL_STALE_DAYS})
    if not silent:
        return
    now = timezone.now()
    with connection.cursor() as cursor:
        rows = [{"terminal_id": t.pk, "merchant_id": t.merchant_id, "details": d} for t, d in silent.values()]
        cursor.execute(_INSERT_STALE, {"kind": K.STALE, "now": now, "rows": json.dumps(rows)})
        created = {terminal_id: flag_id for flag_id, terminal_id in cursor.fetchall()}
    counts["flagged"] += len(created)
    counts["already_flagged"] += len(silent) - len(created)
    entries = []
    for terminal_id, flag_id in sorted(created.items()):
        terminal, details = silent[terminal_id]
        flag = HealthFlag(pk=flag_id, terminal=terminal, merchant_id=terminal.merchant_id, kind=K.STALE,
                          details=details, raised_at=now)
        entries.append({"action": "health.flagged", "target": flag, "after": {"kind": K.STALE},
                        "data": {"terminal": terminal_id, **details}})
    audit.record_many(entries)


_INSERT_STALE = f"""
INSERT INTO {HealthFlag._meta.db_table} (terminal_id, merchant_id, kind, raised_at, details, clear_note)
SELECT r.terminal_id, r.merchant_id, %(kind)s, %(now)s, r.details, ''
FROM jsonb_to_recordset(%(rows)s::jsonb) AS r(terminal_id bigint, merchant_id bigint, details jsonb)
ON CONFLICT DO NOTHING
RETURNING id, terminal_id
"""


def _clear_batch(flags: list[HealthFlag], *, cutoff: date, counts: dict) -> None:
    """Close the open stale flags of the batch whose terminal was seen again or is no longer active: one
    update and one audit insert."""
    flags = list(HealthFlag.objects.select_for_update(of=("self",)).select_related("terminal")
                 .filter(pk__in=[f.pk for f in flags], cleared_at__isnull=True).order_by("pk"))
    still_silent = {t.pk for t in _with_activity(Terminal.objects.filter(pk__in=[f.terminal_id for f in flags],
                                                                         status=T.ACTIVE))
                    if _last_activity(t, t.installed_on) < cutoff}
    done = [flag for flag in flags if flag.terminal_id not in still_silent]
    if not done:
        return
    note = str(_("Seen again or no longer active."))
    HealthFlag.objects.filter(pk__in=[f.pk for f in done]).update(cleared_at=timezone.now(), cleared_by=None,
                                                                  clear_note=note)
    audit.record_many([{"action": "health.cleared", "target": flag, "before": {"open": True},
                        "after": {"open": False}, "data": {"terminal": flag.terminal_id, "kind": flag.kind,
                                                           "note": note}} for flag in done])
    counts["cleared"] += len(done)


def terminals_flag_stale(*, today: date | None = None) -> dict:
    """The scheduled job: flag active terminals with no sign-in or transaction for N days (configurable);
    close the stale flags of terminals seen again or no longer active. Works in batches of terminals, then of
    open flags, each committed on its own; running it twice flags nothing new."""
    today = today or timezone.localdate()
    cutoff = today - timedelta(days=settings.ACQUIRER_TERMINAL_STALE_DAYS)
    counts = {"checked": 0, "flagged": 0, "already_flagged": 0, "cleared": 0}
    for terminals in in_batches(_with_activity(Terminal.objects.filter(status=T.ACTIVE))):
        with transaction.atomic():
            _flag_batch(terminals, today=today, cutoff=cutoff, counts=counts)
    open_stale = HealthFlag.objects.filter(kind=K.STALE, cleared_at__isnull=True).only("id", "terminal_id")
    for flags in in_batches(open_stale):
        with transaction.atomic():
            _clear_batch(flags, cutoff=cutoff, counts=counts)
    return counts


@transaction.atomic
def terminal_report_activity(*, terminal: Terminal, at: datetime, latitude=None, longitude=None,
                             kind: str = "transaction") -> HealthFlag | None:
    """Record a sign-in or transaction reported by the terminal-management system. The terminal is seen again
    (its stale flag clears); reported far from its installation coordinates it gets a location flag (risk
    analysts are told once). Returns the location flag opened now, if any."""
    if kind not in ACTIVITY_KINDS:
        raise DomainError(_("Unknown activity “%(kind)s”: use transaction or sign_in.") % {"kind": kind})
    if not isinstance(at, datetime) or timezone.is_naive(at):
        raise DomainError(_("The activity time must be a date and time with its time zone."))
    terminal = Terminal.objects.select_for_update(of=("self",)).get(pk=terminal.pk)
    field = ACTIVITY_KINDS[kind]
    changed = []
    for name in (field, "last_seen_at"):
        current = getattr(terminal, name)
        if current is None or at > current:
            setattr(terminal, name, at)
            changed.append(name)
    if changed:
        terminal.save(update_fields=changed)
    for flag in HealthFlag.objects.select_for_update().filter(terminal=terminal, kind=K.STALE,
                                                              cleared_at__isnull=True):
        _clear(flag, actor=None, note=str(_("The terminal was seen again.")), action="health.cleared")
    if latitude is None or longitude is None or terminal.install_latitude is None \
            or terminal.install_longitude is None:
        return None
    latitude = _coordinate(latitude, 90, _("latitude"))
    longitude = _coordinate(longitude, 180, _("longitude"))
    distance = haversine_km(terminal.install_latitude, terminal.install_longitude, latitude, longitude)
    if distance <= settings.ACQUIRER_TERMINAL_MAX_DISTANCE_KM:
        return None
    details = {"distance_km": f"{distance:.1f}", "latitude": str(latitude), "longitude": str(longitude),
               "at": at.isoformat(), "activity": kind, "limit_km": settings.ACQUIRER_TERMINAL_MAX_DISTANCE_KM}
    flag, created = HealthFlag.objects.get_or_create(terminal=terminal, kind=K.LOCATION, cleared_at__isnull=True,
                                                     defaults={"merchant_id": terminal.merchant_id,
                                                               "details": details})
    if not created:
        return None
    audit.record("health.flagged", actor=None, target=flag, after={"kind": K.LOCATION},
                 data={"terminal": terminal.pk, **details})
    notify_role(role=roles.RISK_ANALYST, kind="terminal.location_flag",
                title=gettext_lazy("Terminal %(serial)s used %(distance)s km from its installation address"),
                body=gettext_lazy("Terminal %(serial)s (TID %(tid)s) reported a %(activity)s %(distance)s km from "
                                  "where it was installed. Check it on the terminal health page."),
                params={"serial": terminal.serial_number, "tid": terminal.tid or "—", "activity": kind,
                        "distance": details["distance_km"]},
                url=_url("ops:health-list"))
    return flag


@transaction.atomic
def health_flag_clear(*, actor: User, flag: HealthFlag, note: str) -> HealthFlag:
    """Close an open flag after following it up (staff who activate terminals or do field work)."""
    policy.require(actor, HEALTH_FLAG_CLEAR, flag)
    note = (note or "").strip()
    if len(note) < 3:
        raise DomainError(_("Say how the flag was followed up (at least 3 characters)."))
    flag = HealthFlag.objects.select_for_update(of=("self",)).select_related("terminal").get(pk=flag.pk)
    if flag.cleared_at is not None:
        raise DomainError(_("This flag was already cleared."))
    return _clear(flag, actor=actor, note=note[:2000], action="health.cleared")
