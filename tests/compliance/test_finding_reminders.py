"""The daily finding job on fixed dates around the 2026 Mid-Autumn and National Day holidays: a week (5 working
days) and one working day before the due date, the overdue escalation, each once; a new due date gets its own
reminders; risk acceptances past their date go back to rectification; a second run sends nothing new."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from acquirer import roles
from acquirer.calendar import add_working_days
from acquirer.models import AuditEvent, JobRun, Notification
from compliance.models import Finding, FindingReminder
from compliance.services import findings as svc
from compliance.services.evidence import evidence_add

SHANGHAI = ZoneInfo("Asia/Shanghai")
OFFICER, MANAGER, ANALYST = roles.COMPLIANCE_OFFICER, roles.OPERATIONS_MANAGER, roles.RISK_ANALYST


def on(day: date):
    return time_machine.travel(datetime(day.year, day.month, day.day, 8, 30, tzinfo=SHANGHAI), tick=False)


def run(day: date) -> dict:
    with on(day):
        return svc.finding_reminders()


def sent(kind: str) -> set[tuple[str, str]]:
    return set(FindingReminder.objects.filter(kind=kind).values_list("finding__title", "due_on"))


def _raise(users, title, due_on, owner=ANALYST):
    with on(date(2026, 9, 20)):
        finding = svc.finding_raise(actor=users[OFFICER], title=title, description="Found in the audit.",
                                    source="internal_audit", severity="medium", owner=users[owner], due_on=due_on)
        svc.finding_confirm(actor=users[OFFICER], finding=finding)
    return Finding.objects.get(pk=finding.pk)


@pytest.mark.django_db
def test_working_days_around_national_day_2026_set_the_reminder_days():
    # due Friday 9 October: the week reminder goes before the Mid-Autumn and National Day holidays
    assert add_working_days(date(2026, 10, 9), -5) == date(2026, 9, 24)
    assert add_working_days(date(2026, 10, 9), -1) == date(2026, 10, 8)
    assert add_working_days(date(2026, 10, 8), -1) == date(2026, 9, 30)


@pytest.mark.django_db
def test_week_day_and_overdue_reminders_are_sent_once_each_on_working_days(users):
    friday = _raise(users, "Due Friday 9 October", date(2026, 10, 9))
    thursday = _raise(users, "Due Thursday 8 October", date(2026, 10, 8))
    owner_notes = Notification.objects.filter(recipient=users[ANALYST], kind__startswith="finding.")
    before = owner_notes.count()

    assert run(date(2026, 9, 22))["week"] == 0
    assert run(date(2026, 9, 23))["week"] == 1 and sent("week") == {(thursday.title, thursday.due_on)}
    assert run(date(2026, 9, 24))["week"] == 1 and len(sent("week")) == 2
    again = run(date(2026, 9, 24))
    assert again["week"] == again["day"] == again["overdue"] == 0  # the second run sends nothing new
    assert owner_notes.count() == before + 2

    assert run(date(2026, 9, 30))["day"] == 1 and sent("day") == {(thursday.title, thursday.due_on)}
    holiday = run(date(2026, 10, 5))  # in the National Day holiday nothing new is due
    assert holiday["week"] == holiday["day"] == holiday["overdue"] == 0
    assert run(date(2026, 10, 8))["day"] == 1 and len(sent("day")) == 2

    # the day after its due date, Thursday's finding is escalated to compliance officers and managers, once
    assert run(date(2026, 10, 9))["overdue"] == 1
    assert run(date(2026, 10, 9))["overdue"] == 0
    for role in (OFFICER, MANAGER):
        assert Notification.objects.filter(recipient=users[role], kind="finding.overdue").count() == 1
    assert Notification.objects.filter(recipient=users[ANALYST], kind="finding.overdue").count() == 1
    escalated = AuditEvent.objects.get(action="finding.escalated")
    assert escalated.target_id == str(thursday.pk) and escalated.actor is None
    assert run(date(2026, 10, 10))["overdue"] == 1  # the make-up working Saturday: Friday's finding
    assert sent("overdue") == {(thursday.title, thursday.due_on), (friday.title, friday.due_on)}
    assert owner_notes.count() == before + 6


@pytest.mark.django_db
def test_a_new_due_date_gets_fresh_reminders(users):
    finding = _raise(users, "Moved", date(2026, 10, 8))
    run(date(2026, 10, 9))
    assert sent("overdue") == {("Moved", date(2026, 10, 8))}
    with on(date(2026, 10, 9)):
        svc.finding_change_due(actor=users[OFFICER], finding=finding, due_on=date(2026, 10, 20),
                               reason="The vendor ships the patch later.")
    assert run(date(2026, 10, 12))["week"] == 0
    assert run(date(2026, 10, 13))["week"] == 1  # five working days before 20 October
    assert run(date(2026, 10, 19))["day"] == 1
    assert run(date(2026, 10, 21))["overdue"] == 1
    assert FindingReminder.objects.filter(finding=finding).count() == 4


@pytest.mark.django_db
def test_a_rectified_finding_waits_on_its_verifier_and_is_not_reminded(users):
    finding = _raise(users, "Rectified", date(2026, 10, 8))
    with on(date(2026, 9, 21)):
        svc.finding_start(actor=users[ANALYST], finding=finding)
        evidence_add(actor=users[ANALYST], target=finding, title="Proof", url="https://intranet.example/proof")
        svc.finding_remediate(actor=users[ANALYST], finding=Finding.objects.get(pk=finding.pk), remediation="Done")
    for day in (date(2026, 9, 23), date(2026, 9, 30), date(2026, 10, 12)):
        counts = run(day)
        assert counts["week"] == counts["day"] == counts["overdue"] == 0
    assert not FindingReminder.objects.exists()


@pytest.mark.django_db
def test_an_expired_risk_acceptance_goes_back_to_rectification_and_tells_the_approver(users):
    finding = _raise(users, "Accepted for a while", date(2026, 10, 30))
    with on(date(2026, 9, 20)):
        svc.finding_accept_risk(actor=users[MANAGER], finding=finding, reason="Terminal model retired in October.",
                                until=date(2026, 9, 30))
    assert run(date(2026, 9, 30))["risk_expired"] == 0  # the last day of the acceptance
    assert run(date(2026, 10, 1))["risk_expired"] == 1
    assert run(date(2026, 10, 1))["risk_expired"] == 0
    finding.refresh_from_db()
    assert finding.status == "in_progress"
    event = AuditEvent.objects.get(action="finding.risk_acceptance_expired")
    assert event.actor is None and event.before == {"status": "risk_accepted"} and event.after == {
        "status": "in_progress"}
    assert Notification.objects.filter(recipient=users[MANAGER], kind="finding.risk_expired").count() == 1
    assert Notification.objects.filter(recipient=users[ANALYST], kind="finding.risk_expired").count() == 1


@pytest.mark.django_db
def test_the_scheduled_task_records_a_run_and_is_safe_twice(users):
    from compliance.tasks import finding_reminders

    _raise(users, "Through the task", date(2026, 10, 8))
    with on(date(2026, 10, 9)):
        first = finding_reminders.apply().get()
        second = finding_reminders.apply().get()
    assert first["overdue"] == 1 and second["overdue"] == 0
    assert JobRun.objects.filter(job="compliance.finding_reminders", status=JobRun.Outcome.SUCCEEDED).count() == 2
