"""The SLA job (``complaints_check_sla``) with fixed times: it warns once per clock before a breach, stamps the breach,
escalates to the team leads (level 1) once and to the operations managers (level 2) once after the configured working
hours; a second run changes nothing; a paused complaint is neither warned nor breached."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from acquirer.calendar import add_working_hours
from acquirer.models import AuditEvent, JobRun, Notification
from complaints.models import Complaint, ComplaintEscalation
from complaints.services import complaints as svc
from complaints.services.sla import complaints_check_sla
from complaints.tasks import complaints_check_sla as check_task
from tests.complaints.factories import hotline_complaint, move_to, portal_complaint

pytestmark = pytest.mark.django_db
CST = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=CST)


def _notes(user, kind):
    return Notification.objects.filter(recipient=user, kind=kind).count()


def test_the_job_warns_once_breaches_and_escalates_once_per_level(users, settings):
    settings.ACQUIRER_COMPLAINT_WARN_HOURS = 2
    settings.ACQUIRER_COMPLAINT_MANAGER_AFTER_HOURS = 8
    service, lead, manager = users["customer_service"], users["customer_service_lead"], users["operations_manager"]
    complaint = hotline_complaint(service, received_at=at(2025, 11, 14, 14))
    assert complaint.first_response_due == at(2025, 11, 17, 13)  # Fri 14-18, Mon 9-13

    # 1.5 working hours left: a warning to customer service (nobody has the complaint yet), once
    counts = complaints_check_sla(now=at(2025, 11, 17, 11, 30))
    assert (counts["warned"], counts["breached"], counts["escalated_level_1"]) == (1, 0, 0)
    assert _notes(service, "complaint.sla_warning") == 1
    assert complaints_check_sla(now=at(2025, 11, 17, 11, 45))["warned"] == 0
    assert _notes(service, "complaint.sla_warning") == 1

    # past due: stamped, escalated to the team lead, once
    counts = complaints_check_sla(now=at(2025, 11, 17, 13, 30))
    assert (counts["breached"], counts["escalated_level_1"], counts["escalated_level_2"]) == (1, 1, 0)
    complaint.refresh_from_db()
    assert complaint.first_response_breached_at == at(2025, 11, 17, 13, 30)
    assert complaint.escalation_level == 1
    assert _notes(lead, "complaint.escalated") == 1 and _notes(manager, "complaint.escalated") == 0
    again = complaints_check_sla(now=at(2025, 11, 17, 14))
    assert (again["breached"], again["escalated_level_1"], again["escalated_level_2"]) == (0, 0, 0)
    assert _notes(lead, "complaint.escalated") == 1

    # not yet 8 working hours after the breach: no manager
    assert complaints_check_sla(now=at(2025, 11, 18, 11, 59))["escalated_level_2"] == 0
    # 8 working hours after it and still unanswered: the operations managers, once
    level_2 = add_working_hours(complaint.first_response_due, 8)
    assert level_2 == at(2025, 11, 18, 12)
    assert complaints_check_sla(now=level_2)["escalated_level_2"] == 1
    assert complaints_check_sla(now=at(2025, 11, 19, 10))["escalated_level_2"] == 0
    complaint.refresh_from_db()
    assert complaint.escalation_level == 2
    assert list(ComplaintEscalation.objects.filter(complaint=complaint).values_list("level", "clock")) == [
        (1, "first_response"), (2, "first_response")]
    assert _notes(manager, "complaint.escalated") == 1 and _notes(lead, "complaint.escalated") == 1
    assert AuditEvent.objects.filter(action="complaint.escalated", target_id=str(complaint.pk)).count() == 2
    assert AuditEvent.objects.filter(action="complaint.sla_breached", target_id=str(complaint.pk)).count() == 1


def test_the_assignee_is_warned_rather_than_the_whole_team(users):
    service, lead = users["customer_service"], users["customer_service_lead"]
    complaint = hotline_complaint(service, received_at=at(2025, 11, 14, 14))
    svc.complaint_take(actor=lead, complaint=complaint)
    complaints_check_sla(now=at(2025, 11, 17, 11, 30))
    assert _notes(lead, "complaint.sla_warning") == 1 and _notes(service, "complaint.sla_warning") == 0


def test_a_complaint_breached_long_ago_is_escalated_to_both_levels_in_one_run_once(users):
    complaint = hotline_complaint(users["customer_service"], received_at=at(2025, 10, 13, 10))
    counts = complaints_check_sla(now=at(2025, 11, 17, 10))
    assert (counts["escalated_level_1"], counts["escalated_level_2"]) == (1, 1)
    complaint.refresh_from_db()
    assert complaint.first_response_breached_at and complaint.resolution_breached_at
    before = Notification.objects.count()
    counts = complaints_check_sla(now=at(2025, 11, 17, 10, 15))
    assert (counts["breached"], counts["escalated_level_1"], counts["escalated_level_2"]) == (0, 0, 0)
    assert Notification.objects.count() == before
    assert ComplaintEscalation.objects.filter(complaint=complaint).count() == 2


def test_a_paused_complaint_is_neither_warned_nor_breached(users):
    service = users["customer_service"]
    complaint = move_to(portal_complaint(users["merchant_a"]), Complaint.Status.WAITING, staff=service)
    assert complaint.paused_since is not None and complaint.first_response_at is not None
    far = complaint.resolution_due.replace(year=complaint.resolution_due.year + 1)
    counts = complaints_check_sla(now=far)
    assert (counts["warned"], counts["breached"], counts["escalated_level_1"]) == (0, 0, 0)
    complaint.refresh_from_db()
    assert complaint.resolution_breached_at is None and complaint.escalation_level == 0
    assert not ComplaintEscalation.objects.exists()


def test_the_scheduled_task_records_a_job_run(users):
    hotline_complaint(users["customer_service"], received_at=at(2025, 10, 13, 10))
    result = check_task.apply().get()
    run = JobRun.objects.filter(job="complaints.check_sla").latest("id")
    assert run.status == JobRun.Outcome.SUCCEEDED
    assert run.counts == result and result["escalated_level_1"] == 1


def test_a_second_clock_breaching_after_both_levels_is_still_stamped(users):
    complaint = hotline_complaint(users["customer_service"], received_at=at(2025, 11, 3, 10))
    complaints_check_sla(now=at(2025, 11, 5, 10))  # first response long breached: both levels
    complaint.refresh_from_db()
    assert complaint.escalation_level == 2 and complaint.resolution_breached_at is None
    counts = complaints_check_sla(now=at(2025, 11, 20, 10))
    complaint.refresh_from_db()
    assert counts["breached"] == 1 and complaint.resolution_breached_at == at(2025, 11, 20, 10)
    assert ComplaintEscalation.objects.filter(complaint=complaint).count() == 2


def test_an_escalation_reads_in_words_whom_it_went_to_and_which_clock(users):
    """Audit details stored as codes (the role, the clock) read as words, in the reader's language."""
    from django.utils import translation

    from acquirer.audit_text import describe

    hotline_complaint(users["customer_service"], received_at=at(2025, 10, 13, 10))
    complaints_check_sla(now=at(2025, 11, 17, 10))
    event = AuditEvent.objects.get(action="complaint.escalated", data__level=1)
    with translation.override("en"):
        text = str(dict(describe(event).details))
    assert "Customer service team lead" in text and ("first response" in text or "resolution" in text)
    with translation.override("zh-hans"):
        text = str(dict(describe(event).details))
    assert "customer_service_lead" not in text and "first_response" not in text
