"""Business-hours arithmetic for ticket SLA clocks, on the working-day calendar (``acquirer/calendar.py``).

Business time runs on working days (Monday to Friday minus public holidays plus make-up working days, from the
``chinese-calendar`` package and the overrides operations managers enter on /ops/calendar/) between
``settings.ACQUIRER_BUSINESS_HOURS`` (9 to 18 by default) in Asia/Shanghai. Everything else (evenings, nights,
weekends, holidays) does not count: a ticket raised on Friday at 17:00 with a 2-hour target is due on Monday at
10:00, one raised on 30 September at 17:00 with 8 hours on 8 October at 16:00 (after National Day).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.translation import gettext as _

from acquirer.calendar import add_working_hours, is_working_time, working_hours_between

ZERO = timedelta(0)


def is_business_time(moment: datetime) -> bool:
    return is_working_time(moment)


def next_business_moment(moment: datetime) -> datetime:
    """``moment`` itself during business hours, else the next opening (local time)."""
    return add_working_hours(moment, 0)


def add_business_hours(start: datetime, hours: int | float) -> datetime:
    """The moment ``hours`` business hours after ``start`` (aware, in the local time zone).

    A clock started outside business hours starts at the next opening; a deadline that falls exactly
    on the closing time stays on that day (18:00, not 09:00 the next business day).
    """
    return add_working_hours(start, hours)


def business_hours_between(a: datetime, b: datetime) -> timedelta:
    """Business time from ``a`` to ``b``; negative when ``b`` is before ``a``."""
    return working_hours_between(a, b)


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
