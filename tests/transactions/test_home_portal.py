"""The merchant's home page (``portal:home``), transactions panel: sales today and this month, the 30-day chart
with its table, the next payout and any hold in force — the merchant's own figures only, in both languages, in
the same number of queries whatever the data."""

from datetime import date, time, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from acquirer import roles
from tests.transactions.factories import live_merchant_with_terminal, make_transaction
from tests.transactions.risk_factories import make_hold
from transactions.models import SettlementBatch, SettlementHold

MANAGER = roles.OPERATIONS_MANAGER
_refs = iter(range(1, 10_000))


@pytest.fixture
def shops(merchant_a, merchant_b, users):
    _, terminal_a = live_merchant_with_terminal(merchant_a, users[MANAGER])
    _, terminal_b = live_merchant_with_terminal(merchant_b, users[MANAGER])
    return {"a": (merchant_a, terminal_a), "b": (merchant_b, terminal_b)}


def batch(merchant, *, payout_date, payout_minor, status=SettlementBatch.Status.OPEN):
    n = next(_refs)  # one batch per merchant and transaction date: each its own date
    return SettlementBatch.objects.create(merchant=merchant, settlement_date=date(2020, 1, 1) + timedelta(days=n),
                                          payout_date=payout_date, cycle="T1", payout_minor=payout_minor,
                                          net_minor=payout_minor, payout_reference=f"HOME{n:08d}",
                                          status=status)


def home(client, language="en"):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_sales_today_and_this_month_move_with_the_ledger(shops, clients):
    merchant, terminal = shops["a"]
    today = timezone.localdate()
    yesterday = today - timedelta(days=1)
    make_transaction(merchant=merchant, terminal=terminal, local_date=today, amount_minor=10000, at_time=time(9))
    make_transaction(merchant=merchant, terminal=terminal, local_date=today, amount_minor=2345, at_time=time(10))
    make_transaction(merchant=merchant, terminal=terminal, local_date=today, amount_minor=-500, type="refund")
    make_transaction(merchant=merchant, terminal=terminal, local_date=today, amount_minor=777, status="declined")
    make_transaction(merchant=merchant, terminal=terminal, local_date=yesterday, amount_minor=30000)
    page = home(clients["merchant_a"])
    assert "¥123.45" in page and "2 sales" in page  # today: two approved sales, the refund and decline not counted
    month = 12345 + (30000 if yesterday.month == today.month else 0)
    assert f"¥{month // 100:,}.{month % 100:02d}" in page
    assert 'id="home-sales-table"' in page and ">300.00<" in page  # yesterday in the chart's table
    assert reverse("portal:transaction-list") in page and reverse("portal:statement") in page

    make_transaction(merchant=merchant, terminal=terminal, local_date=today, amount_minor=100, at_time=time(11))
    page = home(clients["merchant_a"])
    assert "¥124.45" in page and "3 sales" in page


@pytest.mark.django_db
def test_next_payout_and_hold_in_force(shops, clients, users):
    merchant, _ = shops["a"]
    today = timezone.localdate()
    page = home(clients["merchant_a"])
    assert "No payout due" in page and "No hold in force" in page
    batch(merchant, payout_date=today - timedelta(days=3), payout_minor=99900, status=SettlementBatch.Status.PAID)
    batch(merchant, payout_date=today + timedelta(days=2), payout_minor=5000)
    batch(merchant, payout_date=today + timedelta(days=2), payout_minor=1234, status=SettlementBatch.Status.IN_PAYOUT)
    batch(merchant, payout_date=today + timedelta(days=5), payout_minor=70000)
    make_hold(merchant=merchant, placed_by=users[roles.RISK_ANALYST], held_minor=4321)
    make_hold(merchant=merchant, placed_by=users[roles.RISK_ANALYST], held_minor=1,
              status=SettlementHold.Status.RELEASED)
    page = home(clients["merchant_a"])
    assert "¥62.34" in page and (today + timedelta(days=2)).isoformat() in page
    assert "1 hold" in page and "¥43.21 kept back so far" in page
    assert reverse("portal:payout-list") in page and reverse("portal:hold-list") in page


@pytest.mark.django_db
def test_merchant_b_never_sees_merchant_a_figures(shops, clients, users):
    merchant, terminal = shops["a"]
    today = timezone.localdate()
    make_transaction(merchant=merchant, terminal=terminal, local_date=today, amount_minor=98765)
    batch(merchant, payout_date=today + timedelta(days=1), payout_minor=45678)
    make_hold(merchant=merchant, placed_by=users[roles.RISK_ANALYST], held_minor=1111)
    assert "¥987.65" in home(clients["merchant_a"])
    page = home(clients["merchant_b"])
    for figure in ("987.65", "456.78", "11.11", "1 hold"):
        assert figure not in page
    assert "No payout due" in page and "No hold in force" in page and "¥0.00" in page


@pytest.mark.django_db
def test_both_languages_render(shops, clients):
    merchant, terminal = shops["a"]
    make_transaction(merchant=merchant, terminal=terminal, local_date=timezone.localdate(), amount_minor=4200)
    for language in ("en", "zh-hans"):
        page = home(clients["merchant_a"], language)
        assert f'lang="{language}"' in page and "¥42.00" in page and 'id="home-sales-chart"' in page


def _grow(shops, users, n):
    today = timezone.localdate()
    merchant, terminal = shops["a"]
    for i in range(n):
        day = today - timedelta(days=i % 40)
        make_transaction(merchant=merchant, terminal=terminal, local_date=day, amount_minor=1000 + i)
        batch(merchant, payout_date=today + timedelta(days=1 + i % 5), payout_minor=100 + i)
        make_hold(merchant=merchant, placed_by=users[roles.RISK_ANALYST], held_minor=i)


@pytest.mark.django_db
def test_home_page_queries_do_not_grow_with_the_data(shops, clients, users):
    client = clients["merchant_a"]
    _grow(shops, users, 2)
    home(client)  # warm (sessions, caches)
    with CaptureQueriesContext(connection) as small:
        home(client)
    _grow(shops, users, 40)
    with CaptureQueriesContext(connection) as large:
        home(client)
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]
    print(f"portal:home queries: {len(small)}")
