"""The merchants lists at a national acquirer's size: keyset pages that walk the register without gaps or
repeats, a constant number of queries per page, a whole MID or USCC that opens the merchant, and an export
that streams every row."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.http import FileResponse, StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from acquirer import roles
from acquirer.lists import PAGE_SIZE
from merchants.models import Merchant
from merchants.services.blacklist import blacklist_add
from tests.factories import make_merchant, make_merchant_user

USCC = "91310000MA1FL0QX3B"


def _walk(client, url, params=None):
    """Every row id the list shows, page after page by its ``after`` cursor, and the pages' sizes."""
    seen, sizes, cursor = [], [], None
    while True:
        response = client.get(url, {**(params or {}), **({"after": cursor} if cursor else {})})
        assert response.status_code == 200
        page = response.context["page"]
        seen += [row.pk for row in page]
        sizes.append(len(page))
        if not page.has_next:
            return seen, sizes
        assert f"after={page.next_cursor}" in response.content.decode()
        cursor = page.next_cursor


@pytest.mark.django_db
def test_walking_the_register_by_cursor_sees_every_merchant_once_by_name(clients, merchant_a, merchant_b):
    for _n in range(PAGE_SIZE + 5):
        make_merchant()
    expected = list(Merchant.objects.order_by("legal_name", "id").values_list("pk", flat=True))
    for client, url in ((clients[roles.ONBOARDING_REVIEWER], reverse("ops:merchant-list")),
                        (clients["auditor"], reverse("audit:merchant-list"))):
        seen, sizes = _walk(client, url)
        assert seen == expected and sizes == [PAGE_SIZE, len(expected) - PAGE_SIZE]
    page = clients[roles.ONBOARDING_REVIEWER].get(reverse("ops:merchant-list")).content.decode()
    assert f"{len(expected)} entries" in page and "?page=" not in page


@pytest.mark.django_db
def test_a_name_search_keeps_its_filter_from_page_to_page(clients, merchant_a):
    for _n in range(PAGE_SIZE + 2):
        make_merchant(name=f"江畔 Coffee {_n}")
    seen, sizes = _walk(clients[roles.ONBOARDING_REVIEWER], reverse("ops:merchant-list"), {"q": "coffee"})
    assert len(seen) == len(set(seen)) == PAGE_SIZE + 2 and sizes == [PAGE_SIZE, 2]
    assert merchant_a.pk not in seen


@pytest.mark.django_db
def test_a_whole_mid_or_uscc_opens_the_merchant(clients, merchant_a, merchant_b):
    Merchant.objects.filter(pk=merchant_a.pk).update(mid="898310054110001", uscc=USCC)
    ops, auditor = clients[roles.ONBOARDING_REVIEWER], clients["auditor"]
    detail = reverse("ops:merchant-detail", kwargs={"pk": merchant_a.pk})
    for text in ("898310054110001", USCC.lower(), f" {USCC} "):
        response = ops.get(reverse("ops:merchant-list"), {"q": text})
        assert response.status_code == 302 and response["Location"] == detail
    response = auditor.get(reverse("audit:merchant-list"), {"q": "898310054110001"})
    assert response["Location"] == reverse("audit:merchant-detail", kwargs={"pk": merchant_a.pk})
    # a name, or a credit code two applications share, lists the matches instead
    assert ops.get(reverse("ops:merchant-list"), {"q": merchant_a.legal_name}).status_code == 200
    Merchant.objects.filter(pk=merchant_b.pk).update(uscc=USCC)
    response = ops.get(reverse("ops:merchant-list"), {"q": USCC})
    assert response.status_code == 200 and {m.pk for m in response.context["merchants"]} == {merchant_a.pk,
                                                                                             merchant_b.pk}


@pytest.mark.django_db
def test_the_register_keeps_a_constant_number_of_queries(clients, django_assert_max_num_queries):
    client, url = clients[roles.ONBOARDING_REVIEWER], reverse("ops:merchant-list")

    made = set()

    def add(count):
        for _n in range(count):
            merchant = make_merchant()
            make_merchant_user(merchant)
            make_merchant_user(merchant, role="staff")
            made.add(merchant.pk)

    add(PAGE_SIZE + 1)  # more than a page: the bounded count runs too
    client.get(url)  # warm caches (permissions, session)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    add(PAGE_SIZE)
    with django_assert_max_num_queries(len(few)):
        response = client.get(url)
    merchants = response.context["merchants"]
    shown = {m.pk for m in merchants} & made
    assert shown and {m.user_count for m in merchants if m.pk in made} == {2}


@pytest.mark.django_db
def test_the_blacklist_pages_by_cursor_and_keeps_its_filter(clients, users):
    analyst = users[roles.RISK_ANALYST]
    for n in range(PAGE_SIZE + 3):
        blacklist_add(actor=analyst, uscc="", person_id=_person_id(n), name=f"Person {n}", reason="fraud",
                      source="internal")
    seen, sizes = _walk(clients[roles.RISK_ANALYST], reverse("ops:blacklist-list"), {"state": "active"})
    assert len(set(seen)) == len(seen) == PAGE_SIZE + 3 and sizes == [PAGE_SIZE, 3]
    assert seen == sorted(seen, reverse=True)  # newest first (all added in the same instant or later)


def _person_id(n: int) -> str:
    from stdnum.cn import ric

    body = f"36042619910101{n:03d}"
    return body + ric.calc_check_digit(body + "0")


@pytest.mark.django_db
def test_the_inspection_plan_pages_by_due_date_and_lists_unplanned_merchants_apart(clients, merchant_a):
    today = timezone.localdate()
    planned = []
    for n in range(PAGE_SIZE + 1):
        merchant = make_merchant()
        Merchant.objects.filter(pk=merchant.pk).update(status="active", next_inspection_due=today + timedelta(n % 7))
        planned.append(merchant.pk)
    Merchant.objects.filter(pk=merchant_a.pk).update(status="active", next_inspection_due=None)
    client, url = clients[roles.FIELD_ENGINEER], reverse("ops:inspection-list")
    seen, sizes = _walk(client, url)
    expected = list(Merchant.objects.filter(pk__in=planned).order_by("next_inspection_due", "id")
                    .values_list("pk", flat=True))
    assert seen == expected and sizes == [PAGE_SIZE, 1]
    page = client.get(url).content.decode()
    assert 'id="unplanned-note"' in page and f'data-merchant="{merchant_a.pk}"' not in page
    unplanned = client.get(url, {"unplanned": "1"})
    assert [m.pk for m in unplanned.context["plan"]] == [merchant_a.pk]


@pytest.mark.django_db
def test_the_register_export_streams_every_row(users, clients):
    made = {make_merchant().pk for _n in range(45)}
    client = clients[roles.COMPLIANCE_OFFICER]
    response = client.get(reverse("ops:merchant-export"), {"format": "csv"})
    assert isinstance(response, StreamingHttpResponse) and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="merchant-register-')
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff"))))
    ids = [int(row[0]) for row in rows[1:]]
    assert made <= set(ids) and len(ids) == len(set(ids)) == Merchant.objects.count()
    xlsx = client.get(reverse("ops:merchant-export"), {"format": "xlsx"})
    assert isinstance(xlsx, FileResponse) and xlsx["Content-Disposition"].endswith('.xlsx"')
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == rows[0] and [int(row[0]) for row in values[1:]] == ids
