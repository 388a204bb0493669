"""Terminal health: terminals silent for too long (stale) and terminals used far from their installation
address (location, an input to risk monitoring). At most one open flag per terminal and kind; a stale flag
clears itself when the terminal is seen again; staff clear flags after following them up."""

import json
import math
from collections import Counter
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
from acquirer.batches import each_batch, in_batches
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


def _last_activity(last_seen, last_sign_in, last_transaction, rent_start, installed_on, status_changed_at) -> date:
    """The day a terminal was last heard of: its latest sign-in, transaction or contact; never heard of, the
    later of its rent start and installation; neither, the day its status last changed."""
    seen = [value for value in (last_seen, last_sign_in, last_transaction) if value is not None]
    if seen:
        return timezone.localdate(max(seen))
    fallback = [value for value in (rent_start, installed_on) if value is not None]
    return max(fallback) if fallback else timezone.localdate(status_changed_at)


def _with_activity(queryset):
    """(id, merchant id, serial number, then the arguments of :func:`_last_activity`) tuples: all the job reads
    of a terminal, without a model instance per row."""
    return (queryset.annotate(installed_on=Max("installations__installed_on"))
            .values_list("id", "merchant_id", "serial_number", "last_seen_at", "last_sign_in_at",
                         "last_transaction_at", "rent_start", "installed_on", "status_changed_at"))


# The batch's new flags arrive as one JSON document of [terminal id, merchant id, details] arrays.
_INSERT_STALE = f"""
INSERT INTO {HealthFlag._meta.db_table} (terminal_id, merchant_id, kind, raised_at, details, clear_note)
SELECT (r->>0)::bigint, (r->>1)::bigint, %(kind)s, %(now)s, r->2, ''
FROM jsonb_array_elements(%(rows)s::jsonb) AS r
ON CONFLICT DO NOTHING
RETURNING id, terminal_id
"""

# Close the open stale flags of the terminals (or flags) whose ids arrive as one JSON array; ``{ids}`` names the
# column, ``{still}`` what the terminal must still be. Returns what the audit names each flag by.
_CLEAR_STALE = f"""
UPDATE {HealthFlag._meta.db_table} AS f SET cleared_at = %(now)s, cleared_by_id = NULL, clear_note = %(note)s
FROM {Terminal._meta.db_table} AS t
WHERE t.id = f.terminal_id AND f.kind = %(kind)s AND f.cleared_at IS NULL
    AND f.{{ids}} IN (SELECT value::bigint FROM jsonb_array_elements_text(%(ids)s::jsonb)){{still}}
RETURNING f.id, f.terminal_id, f.merchant_id, t.serial_number
"""
_CLEAR_STALE_OF_TERMINALS = _CLEAR_STALE.format(ids="terminal_id", still="")
_CLEAR_STALE_FLAGS = _CLEAR_STALE.format(ids="id", still=" AND t.status <> %(active)s")


def _flag_batch(terminals: list[tuple], *, today: date, cutoff: date, counts: dict) -> None:
    """One batch of active terminals: a stale flag for each silent one that has none (one insert; a terminal
    already flagged is skipped by the one-open-flag constraint), its open stale flag closed for each one seen
    since (one update), and the events of both in one audit insert."""
    counts["checked"] += len(terminals)
    threshold = settings.ACQUIRER_TERMINAL_STALE_DAYS
    silent, heard = {}, []
    for terminal_id, merchant_id, serial, *activity in terminals:
        last = _last_activity(*activity)
        if last < cutoff:
            silent[terminal_id] = (merchant_id, serial, {"last_activity": last.isoformat(),
                                                         "days_silent": (today - last).days,
                                                         "threshold_days": threshold})
        else:
            heard.append(terminal_id)
    now = timezone.now()
    created = {}
    if silent:
        with connection.cursor() as cursor:
            cursor.execute(_INSERT_STALE, {"kind": K.STALE, "now": now, "rows": json.dumps(
                [[terminal_id, merchant_id, details] for terminal_id, (merchant_id, _, details) in silent.items()])})
            created = dict(cursor.fetchall())
        counts["flagged"] += len(created)
        counts["already_flagged"] += len(silent) - len(created)
    label = HealthFlag._meta.label_lower
    entries = []
    for flag_id, terminal_id in sorted(created.items(), key=lambda item: item[1]):
        merchant_id, serial, details = silent[terminal_id]
        # the flag as the audit names it (HealthFlag.__str__: the terminal and the kind)
        entries.append({"action": "health.flagged", "target": audit.Ref(label, flag_id, f"{serial} {K.STALE.value}",
                                                                        merchant_id),
                        "after": {"kind": K.STALE.value}, "data": {"terminal": terminal_id, **details}})
    audit.record_many(entries + _clear_stale(_CLEAR_STALE_OF_TERMINALS, heard, now=now, counts=counts))


def _clear_stale(statement: str, ids: list[int], *, now, counts: dict, **params) -> list[dict]:
    """Close open stale flags (``_CLEAR_STALE``) with one update; the audit entries of those closed, by flag."""
    if not ids:
        return []
    note = str(_("Seen again or no longer active."))
    with connection.cursor() as cursor:
        cursor.execute(statement, {"kind": K.STALE, "now": now, "note": note, "ids": json.dumps(ids), **params})
        cleared = sorted(cursor.fetchall())
    counts["cleared"] += len(cleared)
    label = HealthFlag._meta.label_lower
    return [{"action": "health.cleared", "target": audit.Ref(label, flag_id, f"{serial} {K.STALE.value}",
                                                              merchant_id),
             "before": {"open": True}, "after": {"open": False},
             "data": {"terminal": terminal_id, "kind": K.STALE.value, "note": note}}
            for flag_id, terminal_id, merchant_id, serial in cleared]


def terminals_flag_stale(*, today: date | None = None) -> dict:
    """The scheduled job: flag active terminals with no sign-in or transaction for N days (configurable);
    close the stale flags of terminals seen again or no longer active. Works in batches of active terminals
    (flagging the silent ones, closing the flags of the others), then of the open stale flags of terminals no
    longer active, each committed on its own; running it twice flags nothing new."""
    today = today or timezone.localdate()
    cutoff = today - timedelta(days=settings.ACQUIRER_TERMINAL_STALE_DAYS)
    counts = {"checked": 0, "flagged": 0, "already_flagged": 0, "cleared": 0}

    def flag(terminals) -> Counter:
        batch_counts = Counter()
        with transaction.atomic():
            _flag_batch(terminals, today=today, cutoff=cutoff, counts=batch_counts)
        return batch_counts

    for batch_counts in each_batch(_with_activity(Terminal.objects.filter(status=T.ACTIVE)), flag):
        for name, value in batch_counts.items():
            counts[name] += value
    no_longer_active = (HealthFlag.objects.filter(kind=K.STALE, cleared_at__isnull=True)
                        .exclude(terminal__status=T.ACTIVE).values_list("id"))
    for flags in in_batches(no_longer_active):
        with transaction.atomic():
            audit.record_many(_clear_stale(_CLEAR_STALE_FLAGS, [flag_id for flag_id, in flags], now=timezone.now(),
                                           counts=counts, active=T.ACTIVE))
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
