"""The working-day calendar: which days are working days in China, and business-hours arithmetic on them.

A working day is Monday to Friday, minus public holidays, plus make-up working days (调休). The sources, in order:

1. ``WorkingDayOverride`` rows that operations managers enter on /ops/calendar/ — they always win;
2. the ``chinese-calendar`` package for the years it knows (``package_years()``; 1.11.0 knows 2004–2026 and
   raises ``NotImplementedError`` for any other year);
3. plain Monday to Friday for any other year.

A year is *confirmed* when the package knows it or when at least one override lies in it (entering that year's
holidays is what confirms it). ``unconfirmed_years()`` lists the years from today up to ``lookahead()`` (60 days)
ahead that are neither; the calendar page and the jobs console warn about them, because in such a year every public
holiday counts as a working day.

Business hours are ``settings.ACQUIRER_BUSINESS_HOURS`` (start hour, end hour; 9 to 18 by default) in
``settings.TIME_ZONE`` (Asia/Shanghai). All arithmetic takes and returns timezone-aware datetimes, and can skip
paused intervals (a clock stopped while waiting for the merchant).

Overrides are few (tens a year), so the whole table is held per process and re-read when it changes: the services
bump a version in the shared cache after commit (checked at most every ``VERSION_CHECK_SECONDS``), and inside a
transaction that changed an override the table is read afresh on every call (so a rollback leaves nothing stale).
"""

import threading
import time as monotonic_time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import chinese_calendar
from chinese_calendar import constants as package_data
from django.conf import settings
from django.core.cache import cache as shared_cache
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

ZERO = timedelta(0)
LOOKAHEAD = timedelta(days=60)  # settings.ACQUIRER_CALENDAR_LOOKAHEAD_DAYS, when set, replaces it
VERSION_CHECK_SECONDS = 5
VERSION_KEY = "acquirer.calendar.version"
MAX_DAYS = 3 * 366  # no working day within three years: the overrides are wrong, not the arithmetic

HOLIDAY, WORKING_DAY = "holiday", "working_day"  # WorkingDayOverride.Kind values
SOURCE_OVERRIDE, SOURCE_PACKAGE, SOURCE_WEEKDAYS = "override", "package", "weekdays"
SOURCE_LABELS = {SOURCE_OVERRIDE: _("entered here"), SOURCE_PACKAGE: _("official calendar (chinese-calendar)"),
                 SOURCE_WEEKDAYS: _("Monday to Friday")}

Interval = tuple[datetime, datetime]


# --- the sources ------------------------------------------------------------------------------

@cache
def package_years() -> tuple[int, int]:
    """First and last year the ``chinese-calendar`` package has data for."""
    years = [day.year for day in package_data.holidays]
    return min(years), max(years)


def package_knows(year: int) -> bool:
    first, last = package_years()
    return first <= year <= last


def package_days(year: int) -> dict[date, tuple[str, str]]:
    """The package's holidays and make-up working days of ``year``: date -> (kind, name); {} if unknown."""
    if not package_knows(year):
        return {}
    days = {}
    for source, kind in ((package_data.holidays, HOLIDAY), (package_data.workdays, WORKING_DAY)):
        for day, holiday in source.items():
            if day.year == year:
                days[day] = (kind, _holiday_name(holiday))
    return dict(sorted(days.items()))


def _holiday_name(holiday) -> str:
    """The package's holiday name in the reader's language (Chinese or English)."""
    chinese, english = getattr(holiday, "chinese", ""), str(getattr(holiday, "value", holiday) or "")
    return chinese if chinese and (get_language() or "").startswith("zh") else english


@dataclass(frozen=True)
class Override:
    pk: int
    kind: str
    name: str


class _Overrides:
    """The override table held per process (see the module docstring)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._days: dict[date, Override] | None = None
        self._version = None
        self._checked_at = 0.0

    def days(self) -> dict[date, Override]:
        if _changed_in_this_transaction():
            return _load()
        now = monotonic_time.monotonic()
        with self._lock:
            if self._days is not None and now - self._checked_at < VERSION_CHECK_SECONDS:
                return self._days
        version = shared_cache.get(VERSION_KEY, 0)
        with self._lock:
            if self._days is None or version != self._version:
                self._days, self._version = _load(), version
            self._checked_at = now
            return self._days

    def forget(self) -> None:
        with self._lock:
            self._days = None


_overrides = _Overrides()


class _Days(dict):
    """The overrides by date, with the per-year working-day counts derived from them (``years``), so both are
    forgotten together when the overrides change."""

    def __init__(self, *args):
        super().__init__(*args)
        self.years: dict[int, list[int]] = {}


def _load() -> dict[date, Override]:
    from acquirer.models import WorkingDayOverride

    return _Days({row.date: Override(row.pk, row.kind, row.name)
                  for row in WorkingDayOverride.objects.only("pk", "date", "kind", "name")})


def _changed_in_this_transaction() -> bool:
    marker = getattr(connection, "_calendar_changed_in", None)
    return marker is not None and any(block is marker for block in connection.atomic_blocks)


def overrides_changed() -> None:
    """Called by the services after writing an override (inside their transaction)."""
    if connection.in_atomic_block:
        connection._calendar_changed_in = connection.atomic_blocks[0]
    transaction.on_commit(_publish)


def _publish() -> None:
    try:
        shared_cache.incr(VERSION_KEY)
    except ValueError:
        shared_cache.set(VERSION_KEY, 1, timeout=None)
    _overrides.forget()


# --- days -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DayInfo:
    day: date
    working: bool
    source: str  # SOURCE_OVERRIDE, SOURCE_PACKAGE or SOURCE_WEEKDAYS
    name: str = ""


def day_info(day: date, *, overrides: dict[date, Override] | None = None) -> DayInfo:
    """Whether ``day`` is a working day, and which source said so."""
    if overrides is None:
        overrides = _overrides.days()
    override = overrides.get(day)
    if override is not None:
        return DayInfo(day, override.kind == WORKING_DAY, SOURCE_OVERRIDE, override.name)
    if package_knows(day.year):
        holiday = package_data.holidays.get(day) or package_data.workdays.get(day)
        return DayInfo(day, chinese_calendar.is_workday(day), SOURCE_PACKAGE, _holiday_name(holiday) if holiday else "")
    return DayInfo(day, day.weekday() < 5, SOURCE_WEEKDAYS)


def is_working_day(day: date) -> bool:
    return day_info(day).working


def add_working_days(day: date, n: int) -> date:
    """The ``n``-th working day after ``day`` (before it for a negative ``n``); ``day`` itself for 0."""
    overrides = _overrides.days()
    step = 1 if n >= 0 else -1
    remaining = abs(n)
    for _index in range(MAX_DAYS + remaining * 7):
        if remaining == 0:
            return day
        day += timedelta(days=step)
        if day_info(day, overrides=overrides).working:
            remaining -= 1
    raise ValueError("no working day found: check the working-day overrides")


def year_known(year: int) -> bool:
    """True when the package knows ``year`` or at least one override lies in it (the year is confirmed)."""
    return package_knows(year) or any(day.year == year for day in _overrides.days())


def unconfirmed_years(today: date | None = None) -> list[int]:
    """Years from today to ``lookahead()`` ahead in which holidays are unknown (Monday to Friday applies)."""
    today = today or timezone.localdate()
    return [year for year in range(today.year, (today + lookahead()).year + 1) if not year_known(year)]


def lookahead() -> timedelta:
    days = getattr(settings, "ACQUIRER_CALENDAR_LOOKAHEAD_DAYS", None)
    return LOOKAHEAD if days is None else timedelta(days=int(days))


@dataclass(frozen=True)
class CalendarEntry:
    """One line of the calendar page: a holiday or make-up working day of a year."""

    day: date
    kind: str
    name: str
    source: str
    override_pk: int | None = None
    replaces: tuple[str, str] | None = None  # the package's (kind, name) an override replaces

    @property
    def source_label(self) -> str:
        return str(SOURCE_LABELS[self.source])


def year_entries(year: int) -> list[CalendarEntry]:
    """The year's holidays and make-up working days, the package's and the overrides, marked which is which."""
    overrides = {day: o for day, o in _overrides.days().items() if day.year == year}
    package = package_days(year)
    entries = []
    for day in sorted(set(package) | set(overrides)):
        override = overrides.get(day)
        if override is not None:
            entries.append(CalendarEntry(day, override.kind, override.name, SOURCE_OVERRIDE, override.pk,
                                         package.get(day)))
        else:
            kind, name = package[day]
            entries.append(CalendarEntry(day, kind, name, SOURCE_PACKAGE))
    return entries


# --- hours ------------------------------------------------------------------------------------

def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def business_hours() -> tuple[int, int]:
    start, end = settings.ACQUIRER_BUSINESS_HOURS
    if not 0 <= start < end <= 24:
        raise ValueError(f"invalid ACQUIRER_BUSINESS_HOURS {settings.ACQUIRER_BUSINESS_HOURS!r}")
    return int(start), int(end)


def _local(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("working-hours arithmetic needs timezone-aware datetimes")
    return moment.astimezone(_zone())


def _window(day: date, zone: ZoneInfo) -> Interval:
    start, end = business_hours()
    return (datetime.combine(day, time(start), tzinfo=zone),
            datetime.combine(day, time(0), tzinfo=zone) + timedelta(hours=end))


def _merged(paused: Iterable[Interval]) -> list[Interval]:
    spans = sorted((_local(a), _local(b)) for a, b in paused if b > a)
    merged: list[Interval] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _minus(span: Interval, paused: list[Interval]) -> Iterator[Interval]:
    a, b = span
    for p_start, p_end in paused:
        if p_end <= a or p_start >= b:
            continue
        if p_start > a:
            yield a, p_start
        a = max(a, p_end)
        if a >= b:
            return
    if b > a:
        yield a, b


def _segments(start: datetime, paused: Iterable[Interval]) -> Iterator[Interval]:
    """Working time from ``start`` on, as (from, to) intervals in local time, paused intervals cut out."""
    start = _local(start)
    paused = _merged(paused)
    overrides = _overrides.days()
    day, idle_days = start.date(), 0
    while idle_days < MAX_DAYS:
        idle_days += 1
        if day_info(day, overrides=overrides).working:
            opening, closing = _window(day, start.tzinfo)
            if closing > start:
                for segment in _minus((max(opening, start), closing), paused):
                    idle_days = 0
                    yield segment
        day += timedelta(days=1)
    raise ValueError("no working time found: check the working-day overrides")


def is_working_time(moment: datetime) -> bool:
    local = _local(moment)
    if not is_working_day(local.date()):
        return False
    opening, closing = _window(local.date(), local.tzinfo)
    return opening <= local < closing


def add_working_hours(start: datetime, hours: int | float, *, paused: Iterable[Interval] = ()) -> datetime:
    """The moment ``hours`` working hours after ``start`` (aware, in the local time zone).

    A clock started outside working time starts at the next opening; a deadline that falls exactly on the closing
    time stays on that day (18:00, not 09:00 the next working day). Paused intervals do not count.
    """
    if hours < 0:
        raise ValueError("hours must not be negative")
    remaining = timedelta(hours=hours)
    for a, b in _segments(start, paused):
        if remaining <= b - a:
            return a + remaining
        remaining -= b - a
    raise AssertionError("unreachable")  # _segments raises first


def _year_counts(year: int, overrides: dict) -> list[int]:
    """The running count of ``year``'s working days: ``counts[i]`` working days come before its day ``i`` (0 for
    1 January) and ``counts[-1]`` is the year's total. Kept with the overrides, so built once per year."""
    years = getattr(overrides, "years", None)
    counts = years.get(year) if years is not None else None
    if counts is None:
        first = date(year, 1, 1)
        counts, total = [0], 0
        for n in range((date(year + 1, 1, 1) - first).days):
            total += day_info(first + timedelta(days=n), overrides=overrides).working
            counts.append(total)
        if years is not None:
            years[year] = counts
    return counts


def _day_of_year(day: date) -> int:
    return day.toordinal() - date(day.year, 1, 1).toordinal()


def working_days_between(first: date, last: date) -> int:
    """The working days from ``first`` up to but not including ``last``."""
    return _working_days_between(first, last, _overrides.days())


def _working_days_between(first: date, last: date, overrides: dict) -> int:
    total = 0
    while first < last:
        counts = _year_counts(first.year, overrides)
        end = counts[_day_of_year(last)] if last.year == first.year else counts[-1]
        total += end - counts[_day_of_year(first)]
        first = min(last, date(first.year + 1, 1, 1))
    return total


def _working(day: date, overrides: dict) -> bool:
    """Whether ``day`` is a working day, read from the year's running count once it is built."""
    if getattr(overrides, "years", None) is None:
        return day_info(day, overrides=overrides).working
    counts, index = _year_counts(day.year, overrides), _day_of_year(day)
    return counts[index + 1] > counts[index]


def _hours_on(day: date, a: datetime, b: datetime, overrides: dict) -> timedelta:
    """The working time of ``day`` that lies between ``a`` and ``b`` (local times)."""
    if not _working(day, overrides):
        return ZERO
    opening, closing = _window(day, a.tzinfo)
    return max(ZERO, min(b, closing) - max(a, opening))


def working_hours_between(start: datetime, end: datetime, *, paused: Iterable[Interval] = ()) -> timedelta:
    """Working time from ``start`` to ``end`` without the paused intervals; negative when ``end`` is earlier.

    Without pauses (every list's SLA clocks) it is arithmetic: the two partial days measured against their
    business window and the whole days between counted from the per-year table, whatever the span."""
    if end < start:
        return -working_hours_between(end, start, paused=paused)
    paused = list(paused)
    start_local, end_local = _local(start), _local(end)
    if not paused:
        overrides = _overrides.days()
        first, last = start_local.date(), end_local.date()
        if first == last:
            return _hours_on(first, start_local, end_local, overrides)
        zone = start_local.tzinfo
        opening, closing = business_hours()
        return (_hours_on(first, start_local, datetime.combine(first + timedelta(days=1), time.min, tzinfo=zone),
                          overrides)
                + timedelta(hours=closing - opening) * _working_days_between(first + timedelta(days=1), last, overrides)
                + _hours_on(last, datetime.combine(last, time.min, tzinfo=zone), end_local, overrides))
    total = ZERO
    for a, b in _segments(start, paused):
        if a >= end_local:
            break
        total += min(b, end_local) - a
    return total


# --- reads for the calendar page ----------------------------------------------------------------

def working_day_override_get(*, actor, pk: int):
    """One override the actor may see (staff and auditors; 404 for anyone else, like a missing one)."""
    from acquirer.access import get_scoped
    from acquirer.models import WorkingDayOverride

    return get_scoped(WorkingDayOverride.objects.all(), actor, pk=pk)
