"""The monthly regulator statistics: figures, XLSX and PDF read back, the monthly job once per month, versions on
demand, audited downloads, and auditors who read but never write."""

import importlib
import io
import itertools
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps as django_apps
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from acquirer.models import AuditEvent, JobRun, Notification
from complaints.models import Category, Complaint, RegulatorReport
from complaints.services.regulator import regulator_monthly, regulator_report_generate
from complaints.tasks import regulator_monthly as regulator_monthly_task

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def taxonomy(db):
    """The seeded taxonomy, root causes and SLA policies (a transactional test elsewhere may have flushed them)."""
    importlib.import_module("complaints.migrations.0003_taxonomy_seed").forwards(django_apps, None)
SH = ZoneInfo("Asia/Shanghai")
_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def at(day: int, hour: int = 10, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=SH)


def make_complaint(recorded_by, *, received_at, category="fees", channel="hotline", **fields):
    values = {"first_response_due": received_at + timedelta(hours=8),
              "resolution_due": received_at + timedelta(days=5), **fields}
    return Complaint.objects.create(
        number=f"REG{next(_numbers):07d}", complainant_kind="cardholder", complainant_name="王小明",
        complainant_phone="13800138000", channel=channel, category=Category.objects.get(code=category), subject="s",
        description="secret description", recorded_by=recorded_by, received_at=received_at, **values)


@pytest.fixture
def march(users):
    """March 2026: three complaints received, two resolved (one of them after its resolution target)."""
    staff = users["customer_service_lead"]
    make_complaint(staff, received_at=at(2, 9), resolved_at=at(3, 9), first_response_at=at(2, 10),
                   remedy="refund", remedy_minor=12_345, rating=4, rated_at=at(4))
    make_complaint(staff, received_at=at(9, 9), resolved_at=at(20, 9), channel="regulator", category="terminal",
                   resolution_breached_at=at(16, 9), remedy="repair")
    make_complaint(staff, received_at=at(10), status=Complaint.Status.REJECTED, channel="portal")
    make_complaint(staff, received_at=at(10, month=2))  # February: not in March
    return staff


def test_figures_count_the_month_with_the_breach_as_overdue(march):
    report = regulator_report_generate(actor=march, month=date(2026, 3, 15))
    figures = report.figures
    assert report.month == date(2026, 3, 1) and report.version == 1
    totals = figures["totals"]
    assert (totals["received"], totals["resolved"], totals["on_time"], totals["overdue"]) == (3, 2, 1, 1)
    assert totals["rejected"] == 1 and totals["rated"] == 1
    terminal = next(row for row in figures["by_category"] if row["name_en"] == "Terminal fault")
    assert (terminal["received"], terminal["on_time"], terminal["overdue"]) == (1, 0, 1)
    outcomes = {row["code"]: row for row in figures["outcomes"]}
    assert outcomes["refund"]["amount_minor"] == 12_345 and outcomes["repair"]["count"] == 1
    # 2026-03-02 09:00 to 03-03 09:00 is one working day; 03-09 09:00 to 03-20 09:00 nine: on average 5.0
    assert figures["average_working_days"] == "5.0"


def _read(report, fmt, client, area="ops"):
    response = client.get(reverse(f"{area}:regulator-report-download", kwargs={"pk": report.pk, "fmt": fmt}))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_xlsx_and_pdf_carry_the_figures_in_both_languages_without_personal_data(march, clients):
    report = regulator_report_generate(actor=march, month=date(2026, 3, 1))
    book = load_workbook(io.BytesIO(_read(report, "xlsx", clients["customer_service_lead"])))
    summary = {row[0]: row[1] for row in book["Summary 汇总"].iter_rows(values_only=True)}
    assert summary["月份 Month"] == "2026-03"
    assert summary["受理投诉 Complaints received"] == 3
    assert summary["超时 Overdue"] == 1 and summary["按时办结 Handled on time"] == 1
    categories = list(book["By category 按类别"].iter_rows(values_only=True))
    assert categories[0] == ("类别 Category", "受理 Received", "办结 Resolved", "按时办结 On time", "超时 Overdue")
    assert ("终端故障 Terminal fault", 1, 1, 0, 1) in categories
    cells = " ".join(str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row)
    assert "王小明" not in cells and "13800138000" not in cells and "secret description" not in cells

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(_read(report, "pdf", clients["auditor"],
                                                                              "audit"))).pages)
    assert "2026-03" in text and "Complaints received" in text and "Overdue" in text
    assert "Terminal fault" in text and "王小明" not in text


def test_monthly_job_generates_last_month_once(march, users):
    # the job runs on the 1st for the month before "today": run it as of 2026-04-01
    counts = regulator_monthly(today=date(2026, 4, 1))
    again = regulator_monthly(today=date(2026, 4, 1))
    assert counts["generated"] == 1 and counts["month"] == "2026-03" and counts["received"] == 3
    assert again["generated"] == 0
    assert RegulatorReport.objects.filter(month=date(2026, 3, 1)).count() == 1
    officer = users["compliance_officer"]
    assert Notification.objects.filter(recipient=officer, kind="complaints.regulator_report").exists()


def test_the_job_task_run_twice_makes_one_report():
    regulator_monthly_task.apply().get()
    regulator_monthly_task.apply().get()
    assert RegulatorReport.objects.count() == 1 and RegulatorReport.objects.get().version == 1
    assert JobRun.objects.filter(job="complaints.regulator_monthly", status="succeeded").count() == 2


def test_generating_on_demand_makes_a_new_version_and_keeps_the_first(march, clients):
    regulator_monthly(today=date(2026, 4, 1))
    response = clients["customer_service_lead"].post(reverse("ops:regulator-report-generate"), {"month": "2026-03"})
    assert response.status_code == 302
    versions = list(RegulatorReport.objects.filter(month=date(2026, 3, 1)).order_by("version"))
    assert [report.version for report in versions] == [1, 2]
    assert versions[0].xlsx_name != versions[1].xlsx_name
    event = AuditEvent.objects.filter(action="regulator_report.generated").latest("id")
    assert event.data["version"] == 2 and event.actor_id == march.pk


def test_a_future_month_is_refused_with_a_message(clients):
    response = clients["operations_manager"].post(reverse("ops:regulator-report-generate"), {"month": "2099-01"},
                                                  follow=True)
    assert not RegulatorReport.objects.exists()
    assert list(response.context["messages"])


def test_downloads_are_audited_with_the_format(march, clients, users):
    report = regulator_report_generate(actor=march, month=date(2026, 3, 1))
    _read(report, "pdf", clients["compliance_officer"])
    _read(report, "xlsx", clients["auditor"], "audit")
    events = AuditEvent.objects.filter(action="regulator_report.downloaded").order_by("id")
    assert [(e.actor_id, e.data["format"]) for e in events] == [(users["compliance_officer"].pk, "pdf"),
                                                                (users["auditor"].pk, "xlsx")]


def test_an_unknown_format_is_not_found(march, clients):
    report = regulator_report_generate(actor=march, month=date(2026, 3, 1))
    url = reverse("ops:regulator-report-download", kwargs={"pk": report.pk, "fmt": "csv"})
    assert clients["operations_manager"].get(url).status_code == 404


def test_auditors_read_the_list_but_every_post_is_refused(march, clients):
    report = regulator_report_generate(actor=march, month=date(2026, 3, 1))
    auditor = clients["auditor"]
    page = auditor.get(reverse("audit:regulator-report-list"))
    assert page.status_code == 200 and "2026-03" in page.content.decode()
    assert 'id="regulator-generate"' not in page.content.decode()
    assert auditor.post(reverse("audit:regulator-report-list"), {"month": "2026-03"}).status_code == 405
    assert auditor.post(reverse("audit:regulator-report-download",
                                kwargs={"pk": report.pk, "fmt": "pdf"})).status_code == 405
    assert auditor.post(reverse("ops:regulator-report-generate"), {"month": "2026-03"}).status_code == 403
    assert RegulatorReport.objects.count() == 1


def test_roles_without_the_report_permission_cannot_generate_or_download(march, clients):
    report = regulator_report_generate(actor=march, month=date(2026, 3, 1))
    agent = clients["customer_service"]
    assert agent.post(reverse("ops:regulator-report-generate"), {"month": "2026-03"}).status_code == 403
    assert agent.get(reverse("ops:regulator-report-download",
                             kwargs={"pk": report.pk, "fmt": "pdf"})).status_code == 403
    assert clients["merchant_a"].get(reverse("ops:regulator-report-list")).status_code == 403


def test_the_list_page_costs_the_same_queries_for_many_versions(march, clients, django_assert_max_num_queries):
    client = clients["operations_manager"]
    regulator_report_generate(actor=march, month=date(2026, 3, 1))
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("ops:regulator-report-list"))
    for _index in range(4):
        regulator_report_generate(actor=march, month=date(2026, 2, 1))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("ops:regulator-report-list"))
