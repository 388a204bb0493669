"""The working-day calendar: the chinese-calendar package for the years it knows, overrides entered by operations
managers on /ops/calendar/ (which win), Monday to Friday with a warning for other years; working-hours arithmetic
with holidays, make-up working days and paused intervals; ticket SLA due times on it; the page, its gate and audit.

Package data (chinese-calendar 1.11.0, knows 2004–2026): 1–7 October 2026 are the National Day holiday, and
Saturday 10 October 2026 is a make-up working day (so is Sunday 20 September 2026), as the issue says."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from django.urls import reverse
from django.utils import timezone

from acquirer import calendar, roles
from acquirer.audit_text import describe
from acquirer.exceptions import DomainError, NotPermitted
from acquirer.models import AuditEvent, WorkingDayOverride
from acquirer.services.calendar import working_day_override_add, working_day_override_remove
from terminals.models import Terminal, Ticket
from terminals.services import tickets as ticket_svc
from tests.terminals.factories import make_terminal

SH = ZoneInfo("Asia/Shanghai")
HOLIDAY, WORKING_DAY = WorkingDayOverride.Kind.HOLIDAY, WorkingDayOverride.Kind.WORKING_DAY


@pytest.fixture(autouse=True)
def english(request):
    """These tests read English sentences and messages (the default language is Chinese)."""
    from django.utils.translation import override

    with override("en"):
        if "clients" in request.fixturenames:
            for client in request.getfixturevalue("clients").values():
                client.cookies["django_language"] = "en"
        yield
MANAGER, SERVICE = roles.OPERATIONS_MANAGER, roles.CUSTOMER_SERVICE


def sh(year, month, day, hour=0, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SH)


def unknown_year() -> int:
    return calendar.package_years()[1] + 1


# --- the package ------------------------------------------------------------------------------

def test_package_knows_2004_to_2026_and_refuses_other_years():
    assert calendar.package_years() == (2004, 2026)
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 1, 4))
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_holiday(date(2003, 12, 31))


@pytest.mark.django_db
def test_national_day_2026_is_a_holiday_and_saturday_10_october_a_make_up_working_day():
    assert all(chinese_calendar.is_holiday(date(2026, 10, d)) for d in range(1, 8))
    assert [d for d in calendar.package_days(2026) if calendar.package_days(2026)[d][0] == WORKING_DAY] == [
        date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9), date(2026, 9, 20),
        date(2026, 10, 10)]
    assert not any(calendar.is_working_day(date(2026, 10, d)) for d in range(1, 8))
    assert calendar.is_working_day(date(2026, 9, 30)) and calendar.is_working_day(date(2026, 10, 8))
    assert calendar.is_working_day(date(2026, 10, 10))  # Saturday, make-up working day
    assert not calendar.is_working_day(date(2026, 10, 11))  # Sunday
    assert calendar.day_info(date(2026, 10, 1)).source == calendar.SOURCE_PACKAGE


# --- arithmetic -------------------------------------------------------------------------------

@pytest.mark.django_db
def test_add_working_hours_skips_the_national_day_holiday():
    # 1 h on 30 September, 7 h on 8 October
    assert calendar.add_working_hours(sh(2026, 9, 30, 17), 8) == sh(2026, 10, 8, 16)


@pytest.mark.django_db
def test_add_working_hours_counts_the_make_up_saturday():
    # 1 h on Friday 9 October, 7 h on Saturday 10 October (make-up working day)
    assert calendar.add_working_hours(sh(2026, 10, 9, 17), 8) == sh(2026, 10, 10, 16)
    assert calendar.add_working_hours(sh(2026, 10, 10, 17), 2) == sh(2026, 10, 12, 10)  # Sunday is off


@pytest.mark.django_db
def test_add_working_hours_answers_in_shanghai_time_and_refuses_naive_datetimes():
    due = calendar.add_working_hours(datetime(2026, 9, 30, 9, tzinfo=ZoneInfo("UTC")), 2)  # 17:00 in Shanghai
    assert due == sh(2026, 10, 8, 10) and due.utcoffset() == timedelta(hours=8)
    with pytest.raises(ValueError):
        calendar.add_working_hours(datetime(2026, 9, 30, 10), 1)
    with pytest.raises(ValueError):
        calendar.add_working_hours(sh(2026, 9, 30, 10), -1)


@pytest.mark.django_db
def test_working_hours_between_over_the_holiday_and_undoes_add_working_hours():
    assert calendar.working_hours_between(sh(2026, 9, 30, 17), sh(2026, 10, 8, 16)) == timedelta(hours=8)
    assert calendar.working_hours_between(sh(2026, 10, 1), sh(2026, 10, 8)) == timedelta(0)
    assert calendar.working_hours_between(sh(2026, 10, 8, 16), sh(2026, 9, 30, 17)) == -timedelta(hours=8)
    start = sh(2026, 9, 24, 8)
    for step in range(0, 24 * 20, 7):
        moment = start + timedelta(hours=step)
        for hours in (1, 9, 30):
            due = calendar.add_working_hours(moment, hours)
            assert calendar.working_hours_between(moment, due) == timedelta(hours=hours), (moment, hours)


@pytest.mark.django_db
def test_unpaused_arithmetic_agrees_with_walking_the_working_time():
    """Without pauses the span is computed from the two partial days and the per-year table; walking the
    working time segment by segment (what a pause forces) gives the same answer for any start and length."""
    never = [(sh(2020, 1, 1), sh(2020, 1, 1))]  # an empty pause: takes the walking path
    start = sh(2026, 9, 25, 7)
    for step in range(0, 24 * 30, 5):
        for length in (timedelta(minutes=20), timedelta(hours=7), timedelta(days=3, hours=2), timedelta(days=40)):
            a = start + timedelta(hours=step)
            assert calendar.working_hours_between(a, a + length) == calendar.working_hours_between(
                a, a + length, paused=never), (a, length)


@pytest.mark.django_db
def test_paused_intervals_do_not_count():
    paused = [(sh(2026, 9, 30, 10), sh(2026, 9, 30, 12)), (sh(2026, 9, 30, 11), sh(2026, 9, 30, 13))]  # overlap
    assert calendar.add_working_hours(sh(2026, 9, 30, 9), 3, paused=paused) == sh(2026, 9, 30, 15)
    assert calendar.working_hours_between(sh(2026, 9, 30, 9), sh(2026, 9, 30, 15), paused=paused) == timedelta(
        hours=3)
    # paused over the whole rest of 30 September and the morning of 8 October
    paused = [(sh(2026, 9, 30, 16), sh(2026, 10, 8, 11))]
    assert calendar.add_working_hours(sh(2026, 9, 30, 15), 2, paused=paused) == sh(2026, 10, 8, 12)
    assert calendar.working_hours_between(sh(2026, 9, 30, 15), sh(2026, 10, 8, 12), paused=paused) == timedelta(
        hours=2)


@pytest.mark.django_db
def test_add_working_days_skips_holidays_and_counts_make_up_days():
    assert calendar.add_working_days(date(2026, 9, 30), 0) == date(2026, 9, 30)
    assert calendar.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert calendar.add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)
    assert calendar.add_working_days(date(2026, 10, 8), -1) == date(2026, 9, 30)


# --- overrides --------------------------------------------------------------------------------

@pytest.mark.django_db
def test_overrides_win_over_the_package_and_removing_one_restores_it(users):
    manager = users[MANAGER]
    extra_day = working_day_override_add(actor=manager, day=date(2026, 10, 5), kind=WORKING_DAY,
                                         name="Year-end close", note="")
    extra_holiday = working_day_override_add(actor=manager, day=date(2026, 10, 8), kind=HOLIDAY, name="国庆节")
    assert calendar.is_working_day(date(2026, 10, 5)) and not calendar.is_working_day(date(2026, 10, 8))
    assert calendar.day_info(date(2026, 10, 8)).source == calendar.SOURCE_OVERRIDE
    assert calendar.add_working_hours(sh(2026, 9, 30, 17), 8) == sh(2026, 10, 5, 16)
    working_day_override_remove(actor=manager, override=extra_day)
    working_day_override_remove(actor=manager, override=extra_holiday)
    assert not WorkingDayOverride.objects.exists()
    assert calendar.add_working_hours(sh(2026, 9, 30, 17), 8) == sh(2026, 10, 8, 16)
    added = AuditEvent.objects.filter(action="calendar.override_added").order_by("id")
    removed = AuditEvent.objects.filter(action="calendar.override_removed")
    assert added.count() == 2 and removed.count() == 2
    assert added.first().after["kind"] == WORKING_DAY  # the code; screens show its label
    assert describe(added.last()).sentence.endswith("to the working-day calendar")


@pytest.mark.django_db
def test_unknown_year_counts_monday_to_friday_until_a_manager_enters_its_holidays(users):
    year = unknown_year()
    new_year = date(year, 1, 1)
    assert calendar.is_working_day(new_year) == (new_year.weekday() < 5)
    assert calendar.day_info(new_year).source == calendar.SOURCE_WEEKDAYS
    assert not calendar.year_known(year)
    assert calendar.unconfirmed_years(today=date(year - 1, 12, 1)) == [year]
    assert calendar.unconfirmed_years(today=date(year - 1, 9, 1)) == []  # too far ahead to warn yet
    working_day_override_add(actor=users[MANAGER], day=new_year, kind=HOLIDAY, name="元旦")
    assert calendar.year_known(year) and calendar.unconfirmed_years(today=date(year - 1, 12, 1)) == []
    assert not calendar.is_working_day(new_year)


@pytest.mark.django_db
def test_only_operations_managers_change_the_calendar_and_a_day_has_one_entry(users):
    with pytest.raises(NotPermitted):
        working_day_override_add(actor=users[SERVICE], day=date(2026, 10, 8), kind=HOLIDAY, name="国庆节")
    override = working_day_override_add(actor=users[MANAGER], day=date(2026, 10, 8), kind=HOLIDAY, name="国庆节")
    with pytest.raises(DomainError):
        working_day_override_add(actor=users[MANAGER], day=date(2026, 10, 8), kind=WORKING_DAY, name="x")
    with pytest.raises(NotPermitted):
        working_day_override_remove(actor=users[SERVICE], override=override)
    assert WorkingDayOverride.objects.count() == 1
    assert not AuditEvent.objects.filter(action="calendar.override_removed").exists()


# --- ticket SLAs ------------------------------------------------------------------------------

def _phone_ticket(users, merchant, raised_at) -> Ticket:
    terminal = make_terminal(status=Terminal.Status.ACTIVE, merchant=merchant)
    return ticket_svc.ticket_raise(actor=users[SERVICE], terminal=terminal, category="hardware",
                                   severity=Ticket.Severity.CRITICAL, description="The chip reader fails",
                                   channel=Ticket.Channel.PHONE, raised_at=raised_at)


@pytest.mark.django_db
def test_ticket_raised_before_national_day_is_not_due_during_it(users, merchant_a, settings):
    settings.ACQUIRER_TICKET_SLA_HOURS = {**settings.ACQUIRER_TICKET_SLA_HOURS, "critical": (1, 8)}
    ticket = _phone_ticket(users, merchant_a, sh(2026, 9, 30, 17))
    assert ticket.response_due == sh(2026, 9, 30, 18)
    assert ticket.resolution_due == sh(2026, 10, 8, 16)  # not 1 October 16:00 as without holidays


@pytest.mark.django_db
def test_an_override_added_on_the_calendar_page_changes_the_next_due_time(users, clients, merchant_a, settings):
    settings.ACQUIRER_TICKET_SLA_HOURS = {**settings.ACQUIRER_TICKET_SLA_HOURS, "critical": (1, 8)}
    before = _phone_ticket(users, merchant_a, sh(2026, 9, 30, 17))
    response = clients[MANAGER].post(reverse("ops:calendar-add"), {
        "day": "2026-10-08", "kind": HOLIDAY, "name": "国庆节", "note": "extended by notice"})
    assert response.status_code == 302
    after = _phone_ticket(users, merchant_a, sh(2026, 9, 30, 17))
    assert before.resolution_due == sh(2026, 10, 8, 16)
    assert after.resolution_due == sh(2026, 10, 9, 16)


# --- the page ---------------------------------------------------------------------------------

@pytest.mark.django_db
def test_calendar_page_lists_package_and_override_days_marked_which_is_which(users, clients):
    working_day_override_add(actor=users[MANAGER], day=date(2026, 10, 8), kind=HOLIDAY, name="国庆节调整")
    page = clients[SERVICE].get(reverse("ops:calendar"), {"year": 2026}).content.decode()
    assert 'data-date="2026-10-01" data-kind="holiday" data-source="package"' in page
    assert 'data-date="2026-10-10" data-kind="working_day" data-source="package"' in page
    assert 'data-date="2026-10-08" data-kind="holiday" data-source="override"' in page
    assert "国庆节调整" in page
    assert "calendar-add-form" not in page and reverse("ops:calendar-remove") not in page  # reader only


@pytest.mark.django_db
def test_manager_adds_and_removes_an_override_on_the_page_and_both_are_audited(users, clients):
    client = clients[MANAGER]
    page = client.get(reverse("ops:calendar"), {"year": 2026}).content.decode()
    assert "calendar-add-form" in page
    response = client.post(reverse("ops:calendar-add"), {"day": "2026-10-09", "kind": HOLIDAY, "name": "国庆节"})
    assert response.status_code == 302 and response["Location"].endswith("?year=2026")
    override = WorkingDayOverride.objects.get()
    assert (override.date, override.kind, override.created_by) == (date(2026, 10, 9), HOLIDAY, users[MANAGER])
    duplicate = client.post(reverse("ops:calendar-add"), {"day": "2026-10-09", "kind": WORKING_DAY, "name": "x"})
    assert duplicate.status_code == 200 and "already in the calendar" in duplicate.content.decode()
    response = client.post(reverse("ops:calendar-remove"), {"override": override.pk})
    assert response.status_code == 302 and not WorkingDayOverride.objects.exists()
    assert AuditEvent.objects.filter(action="calendar.override_added", actor=users[MANAGER]).count() == 1
    removed = AuditEvent.objects.get(action="calendar.override_removed", actor=users[MANAGER])
    assert removed.before["name"] == "国庆节" and removed.target_id == str(override.pk)


@pytest.mark.django_db
def test_calendar_gate_readers_read_managers_change_others_are_refused(users, clients):
    assert clients[SERVICE].get(reverse("ops:calendar")).status_code == 200
    assert clients[roles.FIELD_ENGINEER].get(reverse("ops:calendar")).status_code == 200
    assert clients[SERVICE].post(reverse("ops:calendar-add"), {
        "day": "2026-10-09", "kind": HOLIDAY, "name": "国庆节"}).status_code == 403
    override = working_day_override_add(actor=users[MANAGER], day=date(2026, 10, 9), kind=HOLIDAY, name="国庆节")
    assert clients[SERVICE].post(reverse("ops:calendar-remove"), {"override": override.pk}).status_code == 403
    for actor in ("auditor", "merchant_a"):
        assert clients[actor].get(reverse("ops:calendar")).status_code == 403
    assert "/accounts/login/" in clients["anonymous"].get(reverse("ops:calendar"))["Location"]
    assert WorkingDayOverride.objects.count() == 1


@pytest.mark.django_db
def test_calendar_page_and_jobs_console_warn_until_the_unknown_year_is_entered(users, clients, settings):
    year = unknown_year()
    # look far enough ahead that the first year the package does not know is in view, whatever today is
    settings.ACQUIRER_CALENDAR_LOOKAHEAD_DAYS = max(60, (date(year, 1, 1) - timezone.localdate()).days + 1)
    client = clients[MANAGER]
    for name in ("ops:calendar", "ops:job-list"):
        page = client.get(reverse(name)).content.decode()
        assert 'id="calendar-warning"' in page and f"make-up working days of {year} are not known" in page, name
    working_day_override_add(actor=users[MANAGER], day=date(year, 1, 1), kind=HOLIDAY, name="元旦")
    for name in ("ops:calendar", "ops:job-list"):
        page = client.get(reverse(name)).content.decode()
        assert f"make-up working days of {year} are not known" not in page, name


@pytest.mark.django_db
def test_long_spans_count_whole_days_like_the_walk_does(users):
    """Spans of months (an overdue ticket) count whole working days from a per-year table; the answer is the one the
    day-by-day walk gives, over holidays, make-up days, a year end and an override."""
    working_day_override_add(actor=users[MANAGER], day=date(2026, 11, 16), kind=HOLIDAY, name="Test holiday")
    force_walk = [(datetime(2000, 1, 1, tzinfo=SH), datetime(2000, 1, 1, tzinfo=SH))]  # an empty pause
    spans = [(datetime(2026, 9, 1, 10, 30, tzinfo=SH), datetime(2026, 12, 24, 16, 0, tzinfo=SH)),
             (datetime(2026, 9, 30, 17, 0, tzinfo=SH), datetime(2026, 10, 12, 9, 15, tzinfo=SH)),
             (datetime(2025, 12, 29, 20, 0, tzinfo=SH), datetime(2027, 2, 3, 8, 0, tzinfo=SH)),
             (datetime(2026, 11, 13, 12, 0, tzinfo=SH), datetime(2026, 11, 18, 12, 0, tzinfo=SH))]
    for start, end in spans:
        walked = calendar.working_hours_between(start, end, paused=force_walk)
        assert calendar.working_hours_between(start, end) == walked
        assert calendar.working_hours_between(end, start) == -walked
    assert calendar.working_days_between(date(2026, 10, 1), date(2026, 10, 9)) == 1  # 8 October, after the holiday
    assert calendar.working_days_between(date(2026, 10, 9), date(2026, 10, 12)) == 2  # Friday and make-up Saturday
