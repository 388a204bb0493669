"""Terminal health: terminals silent for too long (stale) and terminals used far from their installation
address (location, an input to risk monitoring). At most one open flag per terminal and kind; a stale flag
clears itself when the terminal is seen again; staff clear flags after following them up."""

import math
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acquirer import audit, policy, roles
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


@transaction.atomic
def terminals_flag_stale(*, today: date | None = None) -> dict:
    """The scheduled job: flag active terminals with no sign-in or transaction for N days (configurable);
    close the stale flags of terminals seen again or no longer active. Running it twice flags nothing new."""
    today = today or timezone.localdate()
    cutoff = today - timedelta(days=settings.ACQUIRER_TERMINAL_STALE_DAYS)
    counts = {"checked": 0, "flagged": 0, "already_flagged": 0, "cleared": 0}
    open_stale = {flag.terminal_id: flag for flag in HealthFlag.objects.select_for_update()
                  .filter(kind=K.STALE, cleared_at__isnull=True)}
    terminals = (Terminal.objects.filter(status=T.ACTIVE).annotate(installed_on=Max("installations__installed_on"))
                 .order_by("pk"))
    stale_ids = set()
    for terminal in terminals:
        counts["checked"] += 1
        last = _last_activity(terminal, terminal.installed_on)
        if last >= cutoff:
            continue
        stale_ids.add(terminal.pk)
        if terminal.pk in open_stale:
            counts["already_flagged"] += 1
            continue
        flag, created = HealthFlag.objects.get_or_create(
            terminal=terminal, kind=K.STALE, cleared_at__isnull=True,
            defaults={"merchant_id": terminal.merchant_id,
                      "details": {"last_activity": last.isoformat(), "days_silent": (today - last).days,
                                  "threshold_days": settings.ACQUIRER_TERMINAL_STALE_DAYS}})
        if not created:
            counts["already_flagged"] += 1
            continue
        counts["flagged"] += 1
        audit.record("health.flagged", actor=None, target=flag, after={"kind": K.STALE},
                     data={"terminal": terminal.pk, **flag.details})
    for terminal_id, flag in open_stale.items():
        if terminal_id not in stale_ids:
            _clear(flag, actor=None, note=str(_("Seen again or no longer active.")), action="health.cleared")
            counts["cleared"] += 1
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
