"""The ops home page's complaint SLA panel (issue #16): this month's and last month's targets met and breached, from
the report's aggregate, linking to the complaint reports; both languages; who sees it; constant queries."""

import importlib
import itertools
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from acquirer import roles
from acquirer.lists import start_of_local_day
from complaints.models import Category, Complaint
from complaints.selectors.home import sla_months

pytestmark = pytest.mark.django_db
_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def taxonomy(db):
    importlib.import_module("complaints.migrations.0003_taxonomy_seed").forwards(django_apps, None)


def _last_month_first():
    return (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)


def _complaint(staff, *, breached: bool):
    """A complaint received on the 2nd of last month whose targets both fell due then; breached or met."""
    received = start_of_local_day(_last_month_first()) + timedelta(days=1, hours=10)
    due = received + timedelta(hours=8)
    return Complaint.objects.create(
        number=f"HOME{next(_numbers):07d}", complainant_kind="cardholder", complainant_name="Test person",
        channel="hotline", category=Category.objects.get(code="fees"), subject="s", description="d",
        recorded_by=staff, received_at=received, first_response_due=due, resolution_due=due + timedelta(days=1),
        first_response_breached_at=due + timedelta(minutes=5) if breached else None,
        resolution_breached_at=due + timedelta(days=1, minutes=5) if breached else None)


def _home(client, language: str = "en"):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(reverse("ops:home"))


def test_attainment_of_this_month_and_last_month(users):
    staff = users[roles.OPERATIONS_MANAGER]
    _complaint(staff, breached=False)
    _complaint(staff, breached=False)
    _complaint(staff, breached=False)
    _complaint(staff, breached=True)
    this_month, last_month = sla_months(actor=staff)
    assert this_month["period"].first == timezone.localdate().replace(day=1)
    assert last_month["period"].first == _last_month_first()
    sla = last_month["sla"]
    assert (sla["first_due"], sla["first_met"], sla["first_missed"], sla["first_share"]) == (4, 3, 1, 75.0)
    assert (sla["resolution_due"], sla["resolution_missed"], sla["resolution_share"]) == (4, 1, 75.0)
    assert this_month["sla"]["first_due"] == 0 and this_month["sla"]["first_share"] is None


def test_the_panel_shows_the_figures_and_links_to_the_reports(users, clients):
    staff = users[roles.OPERATIONS_MANAGER]
    _complaint(staff, breached=False)
    _complaint(staff, breached=True)
    client = clients[roles.OPERATIONS_MANAGER]
    page = _home(client).content.decode()
    assert "Complaint SLA attainment" in page and 'id="home-sla-table"' in page
    assert "50.0%" in page
    first = _last_month_first()
    last = timezone.localdate().replace(day=1) - timedelta(days=1)
    url = f'{reverse("ops:complaint-reports")}?date_from={first:%Y-%m-%d}&date_to={last:%Y-%m-%d}'
    assert url.replace("&", "&amp;") in page
    assert client.get(url).status_code == 200
    _complaint(staff, breached=False)
    assert "66.7%" in _home(client).content.decode()  # the figure moves with the data


def test_both_languages_render(users, clients):
    _complaint(users[roles.OPERATIONS_MANAGER], breached=True)
    for language in ("en", "zh-hans"):
        page = _home(clients[roles.OPERATIONS_MANAGER], language).content.decode()
        assert f'<html lang="{language}">' in page
        assert 'id="home-sla-chart"' in page and 'id="home-sla-table"' in page and "0.0%" in page


@pytest.mark.parametrize("role, shown, linked", [
    (roles.OPERATIONS_MANAGER, True, True),
    (roles.CUSTOMER_SERVICE_LEAD, True, True),
    (roles.CUSTOMER_SERVICE, True, False),  # sees complaints, not the reports: the figures without the link
    (roles.RISK_ANALYST, True, False),
    (roles.ONBOARDING_REVIEWER, False, False),
])
def test_who_sees_the_panel(clients, role, shown, linked):
    page = _home(clients[role]).content.decode()
    assert ("Complaint SLA attainment" in page) is shown
    assert (reverse("ops:complaint-reports") + "?date_from" in page) is linked


def test_the_panel_costs_the_same_queries_at_two_data_sizes(users, clients):
    staff = users[roles.CUSTOMER_SERVICE]
    client = clients[roles.CUSTOMER_SERVICE]
    _complaint(staff, breached=True)
    _home(client)  # warm
    with CaptureQueriesContext(connection) as small:
        assert _home(client).status_code == 200
    for index in range(8):
        _complaint(staff, breached=index % 2 == 0)
    with CaptureQueriesContext(connection) as large:
        assert _home(client).status_code == 200
    assert len(large) == len(small)
    print(f"ops:home queries (customer service): {len(small)}")
