"""Business-hours arithmetic for ticket SLA clocks.

Business time runs Monday to Friday between ``settings.ACQUIRER_BUSINESS_HOURS`` (start hour, end hour;
9 to 18 by default) in ``settings.TIME_ZONE`` (Asia/Shanghai). Everything else (evenings, nights,
weekends) does not count: a ticket raised on Friday at 17:00 with a 2-hour target is due on Monday at
10:00. Public holidays are not known here (no calendar in the settings) and count as business days.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext as _

ZERO = timedelta(0)


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _hours() -> tuple[int, int]:
    start, end = settings.ACQUIRER_BUSINESS_HOURS
    if not 0 <= start < end <= 24:
        raise ValueError(f"invalid ACQUIRER_BUSINESS_HOURS {settings.ACQUIRER_BUSINESS_HOURS!r}")
    return int(start), int(end)


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("business-hours arithmetic needs timezone-aware datetimes")
    return moment.astimezone(_zone())


def _day_window(day, zone: ZoneInfo) -> tuple[datetime, datetime] | None:
    """The business window of a calendar day (local), or None on a weekend."""
    if day.weekday() >= 5:
        return None
    start, end = _hours()
    opening = datetime.combine(day, time(start), tzinfo=zone)
    closing = datetime.combine(day, time(0), tzinfo=zone) + timedelta(hours=end)
    return opening, closing


def is_business_time(moment: datetime) -> bool:
    local = _aware(moment)
    window = _day_window(local.date(), local.tzinfo)
    return window is not None and window[0] <= local < window[1]


def next_business_moment(moment: datetime) -> datetime:
    """``moment`` itself during business hours, else the next opening (local time)."""
    local = _aware(moment)
    day = local.date()
    while True:
        window = _day_window(day, local.tzinfo)
        if window is not None:
            opening, closing = window
            if local < closing:
                return max(local, opening)
        day += timedelta(days=1)


def add_business_hours(start: datetime, hours: int | float) -> datetime:
    """The moment ``hours`` business hours after ``start`` (aware, in the local time zone).

    A clock started outside business hours starts at the next opening; a deadline that falls exactly
    on the closing time stays on that day (18:00, not 09:00 the next business day).
    """
    if hours < 0:
        raise ValueError("hours must not be negative")
    remaining = timedelta(hours=hours)
    current = next_business_moment(start)
    while True:
        window = _day_window(current.date(), current.tzinfo)
        closing = window[1]
        available = closing - current
        if remaining <= available:
            return current + remaining
        remaining -= available
        current = next_business_moment(closing)


def business_hours_between(a: datetime, b: datetime) -> timedelta:
    """Business time from ``a`` to ``b``; negative when ``b`` is before ``a``."""
    if b < a:
        return -business_hours_between(b, a)
    a, b = _aware(a), _aware(b)
    total = ZERO
    day = a.date()
    while day <= b.date():
        window = _day_window(day, a.tzinfo)
        if window is not None:
            lower, upper = max(a, window[0]), min(b, window[1])
            if upper > lower:
                total += upper - lower
        day += timedelta(days=1)
    return total


def format_duration(delta: timedelta) -> str:
    """ "2h 05m" (hours may exceed 24: these are business hours)."""
    minutes = int(abs(delta).total_seconds() // 60)
    return _("%(hours)dh %(minutes)02dm") % {"hours": minutes // 60, "minutes": minutes % 60}


@dataclass(frozen=True)
class Clock:
    """One SLA clock as shown on a page: running (time left), overdue, met or missed."""

    state: str  # "running", "overdue", "met", "missed"
    due: datetime
    delta: timedelta  # business time left (running), past due (overdue, missed) or to spare (met)

    @property
    def text(self) -> str:
        duration = format_duration(self.delta)
        if self.state == "running":
            return _("%(time)s left") % {"time": duration}
        if self.state == "overdue":
            return _("overdue by %(time)s") % {"time": duration}
        if self.state == "met":
            return _("met")
        return _("missed by %(time)s") % {"time": duration}

    @property
    def css(self) -> str:
        return {"running": "text-bg-info", "overdue": "text-bg-danger", "met": "text-bg-success",
                "missed": "text-bg-warning"}[self.state]


def clock(*, due: datetime, stopped_at: datetime | None, now: datetime) -> Clock:
    """The state of a clock due at ``due`` that stopped at ``stopped_at`` (None while it runs)."""
    if stopped_at is not None:
        if stopped_at <= due:
            return Clock("met", due, business_hours_between(stopped_at, due))
        return Clock("missed", due, business_hours_between(due, stopped_at))
    if now < due:
        return Clock("running", due, business_hours_between(now, due))
    return Clock("overdue", due, business_hours_between(due, now))
