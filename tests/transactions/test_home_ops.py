"""The ops home page's transaction panels (issue #16): volume and value by day and channel, reconciliation match
rate, risk alerts by rule — real figures, links to the lists behind them, both languages, who sees them, and the
same number of queries whatever the data."""

import itertools
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from acquirer import roles
from tests.transactions.factories import live_merchant_with_terminal, make_transaction
from tests.transactions.risk_factories import make_case, make_rule
from transactions.models import ReconRun
from transactions.selectors.home_ops import alerts_by_rule, daily_volume, recon_match_rate

pytestmark = pytest.mark.django_db
_hashes = itertools.count(1)


def _totals(matched: int, breaks: int) -> dict:
    return {"matched": {"count": matched, "ours": 0, "theirs": 0},
            "amount_mismatch": {"count": breaks, "ours": 0, "theirs": 0},
            "missing_ours": {"count": 0, "ours": 0, "theirs": 0}}


def _run(day, matched: int, breaks: int, status: str = ReconRun.Status.DONE) -> ReconRun:
    return ReconRun.objects.create(side=ReconRun.Side.CLEARING, business_date=day, input_hash=f"home-{next(_hashes)}",
                                   status=status, totals=_totals(matched, breaks))


def _home(client, language: str = "en"):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(reverse("ops:home"))


def _data(merchant, terminal, size: int):
    """``size`` days of transactions on every channel group, ``size`` runs and ``size`` cases."""
    today = timezone.localdate()
    for offset in range(size):
        day = today - timedelta(days=offset)
        for channel in ("chip", "unionpay_qr", "contactless"):
            make_transaction(merchant=merchant, terminal=terminal, local_date=day, channel=channel)
        _run(day - timedelta(days=1), 90, 10)
        make_case(merchant=merchant, terminal=terminal, alerts=1)


@pytest.fixture
def shop(merchant_a):
    return live_merchant_with_terminal(merchant_a)


def test_volume_counts_and_values_by_day_and_channel_group(users, shop):
    merchant, terminal = shop
    actor = users[roles.OPERATIONS_MANAGER]
    today = timezone.localdate()
    make_transaction(merchant=merchant, terminal=terminal, local_date=today, channel="chip", amount_minor=12345)
    make_transaction(merchant=merchant, terminal=terminal, local_date=today, channel="magstripe", amount_minor=100)
    make_transaction(merchant=merchant, terminal=terminal, local_date=today, channel="other_qr", amount_minor=500)
    make_transaction(merchant=merchant, terminal=terminal, local_date=today, channel="contactless", amount_minor=-200,
                     type="refund")
    make_transaction(merchant=merchant, terminal=terminal, local_date=today, channel="chip", status="declined")
    make_transaction(merchant=merchant, terminal=terminal, local_date=today - timedelta(days=14), channel="chip")
    data = daily_volume(actor=actor)
    assert len(data["days"]) == 14 and data["days"][-1]["day"] == today
    assert all(row["count"] == 0 for row in data["days"][:-1])  # the 15th day back is outside the window
    groups = data["days"][-1]["groups"]
    assert groups["card"] == {"count": 2, "value_minor": 12445}
    assert groups["qr"] == {"count": 1, "value_minor": 500}
    assert groups["nfc"] == {"count": 1, "value_minor": -200}
    assert data["days"][-1]["value_minor"] == 12745


def test_the_panel_shows_the_figures_and_links_to_the_search_for_each_day(clients, shop):
    merchant, terminal = shop
    today = timezone.localdate()
    make_transaction(merchant=merchant, terminal=terminal, local_date=today, channel="chip", amount_minor=1234567)
    page = _home(clients[roles.OPERATIONS_MANAGER]).content.decode()
    assert "Transactions, last 14 days" in page and 'id="home-txn-count-chart"' in page
    assert "12,345.67" in page  # the day's value in yuan, in the table
    day = f"{today:%Y-%m-%d}"
    assert f'{reverse("ops:transaction-list")}?date_from={day}&amp;date_to={day}' in page
    assert clients[roles.OPERATIONS_MANAGER].get(f'{reverse("ops:transaction-list")}?date_from={day}&date_to={day}'
                                                 ).status_code == 200
    make_transaction(merchant=merchant, terminal=terminal, local_date=today, channel="chip", amount_minor=100)
    assert "12,346.67" in _home(clients[roles.OPERATIONS_MANAGER]).content.decode()


def test_match_rate_of_the_latest_finished_runs(users, clients):
    actor = users[roles.OPERATIONS_MANAGER]
    today = timezone.localdate()
    assert recon_match_rate(actor=actor)["share"] is None
    _run(today - timedelta(days=1), 95, 5)
    _run(today - timedelta(days=2), 80, 20)
    _run(today - timedelta(days=3), 0, 0, status=ReconRun.Status.FAILED)
    data = recon_match_rate(actor=actor)
    assert (data["matched"], data["breaks"], str(data["share"])) == (175, 25, "87.5")
    assert [str(row["share"]) for row in data["runs"]] == ["95.0", "80.0"]
    page = _home(clients[roles.OPERATIONS_MANAGER]).content.decode()
    assert "Reconciliation match rate" in page and "87.5%" in page and reverse("ops:recon-run-list") in page


def test_alerts_by_rule_link_to_the_rule_s_cases(users, clients, shop):
    merchant, terminal = shop
    actor = users[roles.OPERATIONS_MANAGER]
    busy, quiet = make_rule(name="Busy rule"), make_rule(name="Quiet rule")
    make_case(merchant=merchant, rule=busy, alerts=3)
    make_case(merchant=merchant, rule=quiet, alerts=1)
    assert [(row["name"], row["count"]) for row in alerts_by_rule(actor=actor)] == [("Busy rule", 3), ("Quiet rule", 1)]
    page = _home(clients[roles.OPERATIONS_MANAGER]).content.decode()
    url = f'{reverse("ops:risk-case-list")}?rule={busy.pk}'
    assert "Risk alerts by rule, last 30 days" in page and url in page
    assert clients[roles.OPERATIONS_MANAGER].get(url).status_code == 200


def test_both_languages_render(clients, shop):
    merchant, terminal = shop
    make_transaction(merchant=merchant, terminal=terminal, local_date=timezone.localdate())
    _run(timezone.localdate() - timedelta(days=1), 9, 1)
    make_case(merchant=merchant, alerts=1)
    for language in ("en", "zh-hans"):
        response = _home(clients[roles.OPERATIONS_MANAGER], language)
        assert response.status_code == 200
        page = response.content.decode()
        assert f'<html lang="{language}">' in page
        for chart in ("home-txn-count", "home-txn-value", "home-recon", "home-alerts"):
            assert f'id="{chart}-table"' in page
        assert f"{timezone.localdate():%m-%d}" in page  # the chart's day labels read the same in both languages


@pytest.mark.parametrize("role, volume, recon, risk", [
    (roles.OPERATIONS_MANAGER, True, True, True),
    (roles.RISK_ANALYST, True, True, True),
    (roles.FIELD_ENGINEER, True, False, False),
    (roles.CUSTOMER_SERVICE, True, False, False),
    (roles.ONBOARDING_REVIEWER, False, False, False),
])
def test_who_sees_each_panel(clients, role, volume, recon, risk):
    page = _home(clients[role]).content.decode()
    assert ("Transactions, last 14 days" in page) is volume
    assert ("Reconciliation match rate" in page) is recon
    assert ("Risk alerts by rule, last 30 days" in page) is risk


def test_the_home_page_runs_the_same_number_of_queries_at_two_data_sizes(clients, shop):
    merchant, terminal = shop
    client = clients[roles.OPERATIONS_MANAGER]
    _data(merchant, terminal, 1)
    _home(client)  # warm
    with CaptureQueriesContext(connection) as small:
        assert _home(client).status_code == 200
    _data(merchant, terminal, 6)
    with CaptureQueriesContext(connection) as large:
        assert _home(client).status_code == 200
    assert len(large) == len(small), [q["sql"][:120] for q in large.captured_queries]
    print(f"ops:home queries (operations manager): {len(small)}")
