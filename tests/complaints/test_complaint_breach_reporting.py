"""Issue #14's second "Done when": a breach is detected by the scheduled job, escalated once per level, and shows
in the SLA report and in the month's statistics for the regulator (the pieces are tested one by one in
``test_complaint_escalation.py``, ``test_reports.py`` and ``test_regulator.py``; here they run end to end)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from acquirer import roles
from complaints.models import ComplaintEscalation
from complaints.selectors.reports import Period, sla_attainment
from complaints.services.regulator import regulator_report_generate
from complaints.services.sla import complaints_check_sla
from tests.complaints.factories import hotline_complaint

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*parts) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI)


def test_a_breach_found_by_the_job_is_escalated_once_per_level_and_reported(users):
    complaint = hotline_complaint(users[roles.CUSTOMER_SERVICE], received_at=at(2025, 10, 13, 10))
    first = complaints_check_sla(now=at(2025, 10, 27, 10))
    again = complaints_check_sla(now=at(2025, 10, 27, 10, 15))
    complaint.refresh_from_db()
    assert complaint.first_response_breached_at and complaint.resolution_breached_at
    assert (first["escalated_level_1"], first["escalated_level_2"]) == (1, 1)
    assert (again["breached"], again["escalated_level_1"], again["escalated_level_2"]) == (0, 0, 0)
    assert list(ComplaintEscalation.objects.filter(complaint=complaint).values_list("level", flat=True)) == [1, 2]

    sla = sla_attainment(actor=users[roles.CUSTOMER_SERVICE_LEAD], period=Period.month(date(2025, 10, 1)),
                         now=at(2025, 10, 31, 18))
    assert (sla["first_missed"], sla["resolution_missed"]) == (1, 1)

    report = regulator_report_generate(actor=users[roles.CUSTOMER_SERVICE_LEAD], month=date(2025, 10, 1))
    totals = report.figures["totals"]
    assert (totals["received"], totals["overdue"], totals["on_time"]) == (1, 1, 0)
