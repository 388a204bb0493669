"""The ledger search and pages: every filter, keyset pages in a constant number of queries whatever the size,
the card only ever masked, another merchant's transaction a 404, the portal's chart, the audit CSV export."""

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from acquirer import roles
from tests.transactions.factories import TEST_PAN, live_merchant_with_terminal, make_transaction
from transactions.selectors.ledger import search_range, transaction_list, yuan_to_minor
from transactions.templatetags.money import yuan

MANAGER = roles.OPERATIONS_MANAGER
ROW = re.compile(r'<tr data-transaction="(\d+)"')
NEXT = re.compile(r'rel="next" href="([^"]+)"')


@pytest.fixture
def shop(merchant_a, users):
    return live_merchant_with_terminal(merchant_a, users[MANAGER])


@pytest.fixture
def other_shop(merchant_b, users):
    return live_merchant_with_terminal(merchant_b, users[MANAGER])


def ids(response) -> list[int]:
    assert response.status_code == 200, response.status_code
    return [int(pk) for pk in ROW.findall(response.content.decode())]


def test_yuan_filter_and_conversion_never_use_floats():
    assert yuan(123456) == "1,234.56"
    assert yuan(-5) == "-0.05"
    assert yuan(100, "CNY") == "¥1.00"
    assert yuan_to_minor(Decimal("12.345")) == 1235
    assert yuan_to_minor(Decimal("0.1")) == 10


def test_search_without_dates_reads_the_last_31_days_and_an_rrn_reads_every_date():
    window = search_range({})
    assert (window.last - window.first).days == 30 and window.last == timezone.localdate()
    assert search_range({"rrn": "123"}).first is None
    day = timezone.localdate() - timedelta(days=400)
    assert search_range({"date_from": day, "date_to": day + timedelta(days=200)}).first == \
        day + timedelta(days=200) - timedelta(days=91)


@pytest.mark.django_db
def test_every_filter_of_the_ops_search(clients, shop, other_shop):
    merchant, terminal = shop
    b_merchant, b_terminal = other_shop
    today = timezone.localdate()
    sale = make_transaction(merchant=merchant, terminal=terminal, amount_minor=12345, local_date=today)
    qr = make_transaction(merchant=merchant, terminal=terminal, amount_minor=500, channel="unionpay_qr", pan="",
                          local_date=today)
    refund = make_transaction(merchant=merchant, terminal=terminal, amount_minor=-2000, type="refund",
                              local_date=today - timedelta(days=3))
    declined = make_transaction(merchant=merchant, terminal=terminal, status="declined", local_date=today,
                                pan="4111111111111111")
    old = make_transaction(merchant=merchant, terminal=terminal, local_date=today - timedelta(days=45),
                           rrn="OLD000000001")
    other = make_transaction(merchant=b_merchant, terminal=b_terminal, local_date=today)
    client, url = clients[MANAGER], reverse("ops:transaction-list")

    everything = ids(client.get(url))
    assert set(everything) == {sale["id"], qr["id"], refund["id"], declined["id"], other["id"]}  # not the old one
    assert ids(client.get(url, {"rrn": "OLD000000001"})) == [old["id"]]  # an RRN reads every date
    assert ids(client.get(url, {"mid": merchant.mid, "channel": "unionpay_qr"})) == [qr["id"]]
    assert ids(client.get(url, {"tid": b_terminal.tid})) == [other["id"]]
    assert ids(client.get(url, {"type": "refund"})) == [refund["id"]]
    assert ids(client.get(url, {"status": "declined"})) == [declined["id"]]
    assert ids(client.get(url, {"last4": "1111"})) == [declined["id"]]
    assert ids(client.get(url, {"amount_min": "100.01", "amount_max": "123.45"})) == [sale["id"]]
    assert ids(client.get(url, {"amount_max": "-1"})) == [refund["id"]]
    first = (today - timedelta(days=50)).isoformat()
    assert set(ids(client.get(url, {"date_from": first, "date_to": (today - timedelta(days=40)).isoformat()}))) \
        == {old["id"]}
    # a range longer than three months is refused with a reason, not read
    response = client.get(url, {"date_from": (today - timedelta(days=200)).isoformat(), "date_to": today})
    assert b"search-invalid" in response.content and ids(response) == []
    assert "last4" in client.get(url, {"last4": "12a"}).context["form"].errors


@pytest.mark.django_db
def test_the_card_is_only_ever_shown_masked(clients, shop):
    merchant, terminal = shop
    row = make_transaction(merchant=merchant, terminal=terminal)
    for area, client in (("ops", clients[MANAGER]), ("portal", clients["merchant_a"]), ("audit", clients["auditor"])):
        response = client.get(reverse(f"{area}:transaction-detail",
                                      kwargs={"local_date": row["local_date"], "pk": row["id"]}))
        body = response.content.decode()
        assert response.status_code == 200
        assert "62258800******0001" in body and TEST_PAN not in body
        assert "100.00" in body


@pytest.mark.django_db
def test_another_merchants_transaction_is_a_404(clients, shop, other_shop):
    merchant, terminal = shop
    row = make_transaction(merchant=merchant, terminal=terminal)
    url = reverse("portal:transaction-detail", kwargs={"local_date": row["local_date"], "pk": row["id"]})
    assert clients["merchant_b"].get(url).status_code == 404
    assert clients["merchant_a"].get(url).status_code == 200
    wrong_day = reverse("portal:transaction-detail",
                        kwargs={"local_date": row["local_date"] - timedelta(days=1), "pk": row["id"]})
    assert clients["merchant_a"].get(wrong_day).status_code == 404
    assert ids(clients["merchant_b"].get(reverse("portal:transaction-list"))) == []
    assert ids(clients["merchant_a"].get(reverse("portal:transaction-list"))) == [row["id"]]


def _pages(client, url, params) -> list[list[int]]:
    pages, response = [], client.get(url, params)
    while True:
        pages.append(ids(response))
        found = NEXT.search(response.content.decode())
        if not found:
            return pages
        response = client.get(url + found.group(1).replace("&amp;", "&"))


@pytest.mark.django_db
def test_keyset_pages_walk_every_row_once_newest_first(clients, shop):
    merchant, terminal = shop
    today = timezone.localdate()
    rows = [make_transaction(merchant=merchant, terminal=terminal, local_date=today - timedelta(days=n % 5))
            for n in range(60)]
    pages = _pages(clients[MANAGER], reverse("ops:transaction-list"), {"mid": merchant.mid})
    walked = [pk for page in pages for pk in page]
    assert sorted(walked) == sorted(row["id"] for row in rows) and len(pages) == 3
    by_id = {row["id"]: row for row in rows}
    times = [(by_id[pk]["at"], pk) for pk in walked]
    assert times == sorted(times, reverse=True)


def _queries(client, url, params) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured)


@pytest.mark.django_db
def test_a_page_costs_the_same_number_of_queries_at_any_size(clients, shop, django_assert_max_num_queries):
    merchant, terminal = shop
    client, url = clients[MANAGER], reverse("ops:transaction-list")
    for _n in range(30):
        make_transaction(merchant=merchant, terminal=terminal)
    small = [_queries(client, url, {}), _queries(client, url, {"mid": merchant.mid, "tid": terminal.tid})]
    for _n in range(120):
        make_transaction(merchant=merchant, terminal=terminal)
    second = NEXT.search(client.get(url).content.decode()).group(1).replace("&amp;", "&")
    with django_assert_max_num_queries(small[0]):
        client.get(url)
    with django_assert_max_num_queries(small[0]):
        client.get(url + second)
    with django_assert_max_num_queries(small[1]):
        client.get(url, {"mid": merchant.mid, "tid": terminal.tid})
    portal = clients["merchant_a"]
    before = _queries(portal, reverse("portal:transaction-list"), {})
    for _n in range(40):
        make_transaction(merchant=merchant, terminal=terminal, local_date=timezone.localdate() - timedelta(days=2))
    with django_assert_max_num_queries(before):
        portal.get(reverse("portal:transaction-list"))


@pytest.mark.django_db
def test_the_portal_draws_30_days_of_sales_as_svg_with_a_table(clients, shop):
    merchant, terminal = shop
    today = timezone.localdate()
    make_transaction(merchant=merchant, terminal=terminal, amount_minor=25000, local_date=today - timedelta(days=1))
    make_transaction(merchant=merchant, terminal=terminal, amount_minor=-5000, type="refund",
                     local_date=today - timedelta(days=1))
    body = clients["merchant_a"].get(reverse("portal:transaction-list")).content.decode()
    assert '<svg id="sales-chart"' in body and body.count("<rect ") == 30
    assert 'id="sales-table"' in body and "250.00" in body and "-50.00" in body
    assert "cdn" not in body.lower().split("<svg", 1)[1]


@pytest.mark.django_db
def test_the_audit_export_streams_the_searched_rows_as_csv(clients, shop, other_shop):
    merchant, terminal = shop
    b_merchant, b_terminal = other_shop
    row = make_transaction(merchant=merchant, terminal=terminal, amount_minor=-1234, type="refund")
    make_transaction(merchant=b_merchant, terminal=b_terminal)
    response = clients["auditor"].get(reverse("audit:transaction-export"), {"mid": merchant.mid})
    assert response.status_code == 200 and response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0][:3] == ["id", "local_date", "local_time"]
    assert len(lines) == 2 and lines[1][0] == str(row["id"])
    record = dict(zip(lines[0], lines[1], strict=True))
    assert record["amount"] == "'-12.34" and record["card"] == "62258800******0001" and record["type"] == "Refund"
    assert TEST_PAN not in text
    from acquirer.models import AuditEvent

    assert AuditEvent.objects.filter(action="transactions.exported").exists()


@pytest.mark.django_db
def test_the_export_job_writes_every_row(users, shop, settings, tmp_path):
    from acquirer.services.exports import export_request, export_write

    settings.MEDIA_ROOT = tmp_path / "media"
    merchant, terminal = shop
    for _n in range(3):
        make_transaction(merchant=merchant, terminal=terminal)
    export = export_request(actor=users["auditor"], kind="transactions.ledger", fmt="csv",
                            data={"mid": merchant.mid})
    export_write(export_id=export.pk)
    export.refresh_from_db()
    assert export.status == "done" and export.rows_written == 3


@pytest.mark.django_db
def test_the_selector_scopes_to_the_merchant(users, shop, other_shop):
    merchant, terminal = shop
    make_transaction(merchant=merchant, terminal=terminal)
    assert transaction_list(actor=users["merchant_b"], filters={}).count() == 0
    assert transaction_list(actor=users["merchant_a"], filters={}).count() == 1
