"""Complaint reports: each figure from one aggregate query, breaches in the SLA attainment, the pages for staff and
auditors with charts and links."""

import importlib
import itertools
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps as django_apps
from django.urls import reverse

from complaints.models import Category, Complaint
from complaints.selectors.reports import (
    Period,
    complaint_report,
    monthly_trend,
    period_summary,
    sla_attainment,
    volume_by_category,
    volume_by_channel,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def taxonomy(db):
    """The seeded taxonomy, root causes and SLA policies (a transactional test elsewhere may have flushed them)."""
    importlib.import_module("complaints.migrations.0003_taxonomy_seed").forwards(django_apps, None)
SH = ZoneInfo("Asia/Shanghai")
_numbers = itertools.count(1)


def at(day: int, hour: int = 10, month: int = 3, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, tzinfo=SH)


def make_complaint(recorded_by, *, received_at, category="fees", channel="hotline", merchant=None, **fields):
    """A complaint row as the services would leave it (reports only read)."""
    values = {"first_response_due": received_at + timedelta(hours=8),
              "resolution_due": received_at + timedelta(days=5), **fields}
    return Complaint.objects.create(
        number=f"RPT{next(_numbers):07d}", complainant_kind="cardholder", complainant_name="Test person",
        channel=channel, category=Category.objects.get(code=category), subject="s", description="d",
        recorded_by=recorded_by, received_at=received_at, merchant=merchant, **values)


MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))
AFTER_MARCH = at(1, month=4) + timedelta(days=40)


@pytest.fixture
def staff(users):
    return users["customer_service_lead"]


def test_volume_counts_each_category_and_channel_of_the_period_only(staff):
    make_complaint(staff, received_at=at(2), category="fees", channel="hotline")
    make_complaint(staff, received_at=at(3), category="fees", channel="portal")
    make_complaint(staff, received_at=at(4), category="terminal", channel="hotline")
    make_complaint(staff, received_at=at(4, month=2), category="terminal")  # February: not in March
    categories = {row["name"]: row["count"] for row in volume_by_category(actor=staff, period=MARCH)}
    assert categories == {Category.objects.get(code="fees").name: 2, Category.objects.get(code="terminal").name: 1}
    assert {row["code"]: row["count"] for row in volume_by_channel(actor=staff, period=MARCH)} == {
        "hotline": 2, "portal": 1}


def test_a_resolution_breach_shows_in_the_sla_attainment(staff):
    make_complaint(staff, received_at=at(2), first_response_at=at(2, 11), resolved_at=at(5))
    make_complaint(staff, received_at=at(3), first_response_at=at(3, 11), resolved_at=at(20),
                   resolution_breached_at=at(10))
    sla = sla_attainment(actor=staff, period=MARCH, now=AFTER_MARCH)
    assert (sla["resolution_due"], sla["resolution_met"], sla["resolution_missed"]) == (2, 1, 1)
    assert sla["resolution_share"] == 50.0
    assert (sla["first_due"], sla["first_met"]) == (2, 2) and sla["first_share"] == 100.0


def test_targets_not_yet_due_do_not_count_as_met(staff):
    make_complaint(staff, received_at=at(30), first_response_due=at(30, 17), resolution_due=at(4, month=4))
    sla = sla_attainment(actor=staff, period=MARCH, now=at(30, 12))
    assert sla["first_due"] == 0 and sla["resolution_due"] == 0 and sla["first_share"] is None


def test_medians_reopen_rate_and_satisfaction(staff):
    make_complaint(staff, received_at=at(2, 9), first_response_at=at(2, 10), resolved_at=at(2, 19), rating=5)
    make_complaint(staff, received_at=at(3, 9), first_response_at=at(3, 12), resolved_at=at(4, 9), rating=3,
                   reopen_count=1)
    make_complaint(staff, received_at=at(4, 9), first_response_at=at(4, 14))
    summary = period_summary(actor=staff, period=MARCH)
    assert summary["received"] == 3 and summary["resolved"] == 2
    assert summary["median_first_hours"] == 3.0  # 1, 3, 5 hours
    assert summary["median_resolution_hours"] == 17.0  # 10 and 24 hours
    assert summary["reopened"] == 1 and summary["reopen_share"] == 50.0
    assert summary["rating_average"] == 4.0 and summary["rating_count"] == 2
    assert dict(summary["ratings"]) == {1: 0, 2: 0, 3: 1, 4: 0, 5: 1}


def test_monthly_trend_counts_received_resolved_and_breached_per_month(staff):
    make_complaint(staff, received_at=at(28, month=2), resolved_at=at(3), first_response_breached_at=at(1, 9))
    make_complaint(staff, received_at=at(5), resolution_breached_at=at(12))
    trend = {f"{row['month']:%Y-%m}": row for row in monthly_trend(actor=staff, until=date(2026, 3, 31))}
    assert len(trend) == 12 and list(trend)[-1] == "2026-03" and list(trend)[0] == "2025-04"
    assert (trend["2026-02"]["received"], trend["2026-02"]["resolved"], trend["2026-02"]["breached"]) == (1, 0, 0)
    assert (trend["2026-03"]["received"], trend["2026-03"]["resolved"], trend["2026-03"]["breached"]) == (1, 1, 2)


def _bulk(staff, count, merchant):
    for index in range(count):
        make_complaint(staff, received_at=at(1 + index % 28), merchant=merchant if index % 2 else None,
                       category=("fees", "terminal", "service")[index % 3],
                       channel=("hotline", "portal", "email")[index % 3], first_response_at=at(1 + index % 28, 12),
                       resolved_at=at(1 + index % 28, 17) if index % 2 else None, rating=1 + index % 5,
                       resolution_breached_at=at(1 + index % 28, 16) if index % 4 == 0 else None)


def test_the_report_costs_the_same_queries_whatever_the_data(staff, merchant_a, django_assert_max_num_queries):
    _bulk(staff, 3, merchant_a)
    with django_assert_max_num_queries(8):
        complaint_report(actor=staff, period=MARCH)
    _bulk(staff, 40, merchant_a)
    with django_assert_max_num_queries(8):
        report = complaint_report(actor=staff, period=MARCH)
    assert report.summary["received"] == 43


def test_report_page_shows_figures_charts_and_breached_complaints(clients, staff, merchant_a):
    breached = make_complaint(staff, received_at=at(3), merchant=merchant_a, resolution_breached_at=at(10))
    response = clients["customer_service_lead"].get(reverse("ops:complaint-reports"),
                                                   {"date_from": "2026-03-01", "date_to": "2026-03-31"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="by-category-chart"' in page and 'id="trend-chart"' in page and "<svg" in page
    assert breached.number in page and merchant_a.legal_name in page
    assert 'id="sla-resolution"' in page


def test_report_page_queries_stay_constant(clients, staff, merchant_a, django_assert_max_num_queries):
    client = clients["customer_service_lead"]
    url = reverse("ops:complaint-reports")
    _bulk(staff, 2, merchant_a)
    with django_assert_max_num_queries(20) as few:
        client.get(url, {"date_from": "2026-03-01", "date_to": "2026-03-31"})
    _bulk(staff, 30, merchant_a)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url, {"date_from": "2026-03-01", "date_to": "2026-03-31"})


def test_auditor_reads_the_report_but_cannot_post(clients):
    assert clients["auditor"].get(reverse("audit:complaint-reports")).status_code == 200
    assert clients["auditor"].post(reverse("audit:complaint-reports")).status_code == 405


def test_roles_without_the_report_permission_are_refused(clients):
    assert clients["customer_service"].get(reverse("ops:complaint-reports")).status_code == 403
    assert clients["merchant_a"].get(reverse("ops:complaint-reports")).status_code == 403
    assert clients["compliance_officer"].get(reverse("ops:complaint-reports")).status_code == 200


def test_an_inverted_period_is_an_error_and_falls_back_to_this_month(clients):
    response = clients["operations_manager"].get(reverse("ops:complaint-reports"),
                                                 {"date_from": "2026-03-31", "date_to": "2026-03-01"})
    assert response.status_code == 200
    assert "date_to" in response.context["form"].errors
    assert response.context["period"] == Period.this_month()


def test_filtering_by_channel_narrows_every_figure(clients, staff):
    make_complaint(staff, received_at=at(2), channel="hotline", resolution_breached_at=at(9))
    make_complaint(staff, received_at=at(3), channel="portal")
    report = complaint_report(actor=staff, period=MARCH, filters={"channel": "portal"})
    assert report.summary["received"] == 1 and report.breached == []
    response = clients["operations_manager"].get(reverse("ops:complaint-reports"), {
        "date_from": "2026-03-01", "date_to": "2026-03-31", "channel": "hotline"})
    assert response.context["report"].summary["received"] == 1
    assert len(response.context["report"].breached) == 1


def test_filtering_by_a_category_counts_its_subcategories_too(staff):
    fees = Category.objects.get(code="fees")
    make_complaint(staff, received_at=at(2), category="fees", subcategory=Category.objects.get(code="fees-unexpected"))
    make_complaint(staff, received_at=at(2), category="terminal")
    report = complaint_report(actor=staff, period=MARCH, filters={"category": fees.pk})
    assert report.summary["received"] == 1
    sub = Category.objects.get(code="fees-unexpected")
    assert complaint_report(actor=staff, period=MARCH, filters={"category": sub.pk}).summary["received"] == 1
