"""The merchants panel of the ops home page: the onboarding funnel of the last 90 days (bars linking to the
onboarding queue at each stage) and the median days from first submission to going live."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from acquirer import roles
from merchants.models import Contract, Merchant, SettlementAccount
from merchants.selectors.home import days_to_activation, onboarding_funnel
from merchants.services import applications as svc
from merchants.services.settlement import settlement_account_approve, settlement_account_verify
from tests.factories import make_merchant, make_merchant_user, make_user
from tests.merchants.test_applications import _submitted, accept_documents

pytestmark = pytest.mark.django_db


def _funnel(actor) -> dict:
    return dict(onboarding_funnel(actor=actor))


def _bar(page: str, label: str) -> str:
    """The value shown in the funnel's table for ``label``."""
    found = re.search(r'id="onboarding-funnel-table".*?>' + re.escape(label) + r'</a></th><td class="text-end mono">'
                      r"(\d+)</td>", page, re.S)
    assert found, label
    return found.group(1)


def _go_live(merchant, users, *, submitted_days_ago: int) -> Merchant:
    """Through the real services: submitted ``submitted_days_ago`` days ago, reviewed, approved, contract in
    force and settlement account approved by two people, then activated now."""
    reviewer, manager = users[roles.ONBOARDING_REVIEWER], users[roles.OPERATIONS_MANAGER]
    owner = make_merchant_user(merchant, username=f"owner{merchant.pk}")
    with time_machine.travel(timezone.now() - timedelta(days=submitted_days_ago), tick=False):
        _submitted(owner, merchant)
    svc.merchant_start_review(actor=reviewer, merchant=merchant)
    accept_documents(merchant, reviewer)
    svc.merchant_approve(actor=reviewer, merchant=merchant, note="ok")
    today = timezone.localdate()
    Contract.objects.create(merchant=merchant, version=1, currency="CNY", created_by=manager, deposit=Decimal("0"),
                            monthly_rent=Decimal("0"), settlement_cycle="T+1", settlement_method="auto",
                            start_date=today, end_date=today + timedelta(days=365), status=Contract.Status.ACTIVE,
                            text="test", text_sha256="0" * 64)
    account = SettlementAccount.objects.get(merchant=merchant)
    settlement_account_verify(actor=manager, account=account)
    second = make_user(roles=[roles.OPERATIONS_MANAGER], username=f"manager{merchant.pk}")
    settlement_account_approve(actor=second, account=account)
    return svc.merchant_activate(actor=manager, merchant=merchant)


def test_the_funnel_counts_applications_of_the_last_90_days_by_stage(users, merchant_a, clients):
    manager = users[roles.OPERATIONS_MANAGER]
    before = _funnel(manager)
    owner = make_merchant_user(merchant_a, username="ownera2")
    _submitted(owner, merchant_a)
    after = _funnel(manager)
    assert after[Merchant.Status.SUBMITTED] == before[Merchant.Status.SUBMITTED] + 1
    assert after[Merchant.Status.DRAFT] == before[Merchant.Status.DRAFT] - 1
    old = make_merchant("Old application Co., Ltd.")
    Merchant.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=91))
    assert _funnel(manager) == after  # started before the window: not counted
    svc.merchant_start_review(actor=users[roles.ONBOARDING_REVIEWER], merchant=merchant_a)
    page = clients[roles.OPERATIONS_MANAGER].get(reverse("ops:home")).content.decode()
    assert "Onboarding funnel" in page
    assert _bar(page, "Under review") == str(_funnel(manager)[Merchant.Status.UNDER_REVIEW])
    assert _bar(page, "Submitted") == str(_funnel(manager)[Merchant.Status.SUBMITTED])


def test_each_bar_opens_the_onboarding_queue_at_its_stage(users, clients, merchant_a):
    page = clients[roles.OPERATIONS_MANAGER].get(reverse("ops:home")).content.decode()
    queue = reverse("ops:onboarding-queue")
    for status in ("draft", "submitted", "under_review", "info_requested", "approved", "active", "rejected"):
        url = f"{queue}?status={status}"
        assert f'href="{url}"' in page, status
        assert clients[roles.OPERATIONS_MANAGER].get(url).status_code == 200


def test_days_to_activation_is_the_median_from_first_submission_to_going_live(users, merchant_a, merchant_b,
                                                                               clients, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    manager = users[roles.OPERATIONS_MANAGER]
    assert days_to_activation(actor=manager) == {"median": None, "activated": 0}
    page = clients[roles.OPERATIONS_MANAGER].get(reverse("ops:home")).content.decode()
    assert "No merchant went live in the last 90 days." in page
    _go_live(merchant_a, users, submitted_days_ago=4)
    _go_live(merchant_b, users, submitted_days_ago=10)
    figures = days_to_activation(actor=manager)
    assert figures["activated"] == 2 and 6.9 < figures["median"] < 7.1
    page = clients[roles.OPERATIONS_MANAGER].get(reverse("ops:home")).content.decode()
    assert "Median <strong>7.0</strong> days from first submission to going live (2 merchants activated" in page
    assert _bar(page, "Active") == "2"


def test_the_panel_is_shown_only_with_the_merchant_view_permission(users, clients):
    shown = {role: "onboarding-funnel-chart" in clients[role].get(reverse("ops:home")).content.decode()
             for role in (roles.OPERATIONS_MANAGER, roles.ONBOARDING_REVIEWER, roles.CUSTOMER_SERVICE)}
    assert shown == {role: True for role in shown}
    nobody = make_user(roles=[], username="noroles")
    client = Client()
    client.force_login(nobody)
    assert "onboarding-funnel-chart" not in client.get(reverse("ops:home")).content.decode()
    assert users[roles.OPERATIONS_MANAGER].has_perm("merchants.view_merchant")


@pytest.mark.parametrize("language, label", [("en", "Under review"), ("zh-hans", "审核中")])
def test_the_panel_reads_in_both_languages(users, language, label):
    client = Client()
    client.force_login(users[roles.OPERATIONS_MANAGER])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(reverse("ops:home")).content.decode()
    assert f">{label}</a></th>" in page


def _home_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("ops:home")).status_code == 200
    return len(captured)


def test_the_home_page_keeps_a_constant_number_of_queries(users, clients):
    client = clients[roles.OPERATIONS_MANAGER]
    client.get(reverse("ops:home"))  # warm: caches read once per process
    small = _home_queries(client)
    for n in range(12):
        merchant = make_merchant(f"Bulk {n} Co., Ltd.")
        status = ("draft", "submitted", "under_review", "approved", "active", "rejected")[n % 6]
        Merchant.objects.filter(pk=merchant.pk).update(status=status)
    assert _home_queries(client) == small
