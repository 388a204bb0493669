"""The terminals lists at a national acquirer's size: every list is walked by cursor (keyset pages, filters
kept), a search by a whole identifier opens its page, identifier searches match by prefix, and the portal's
list reads its rent and tickets with one grouped query per kind, whatever the page's size."""

import re
from datetime import timedelta
from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from acquirer import roles
from acquirer.lists import PAGE_SIZE
from acquirer.models import User
from terminals.models import RentCharge, Terminal, Ticket, WorkOrder
from tests.terminals.factories import make_live_merchant, make_model, make_terminal

T = Terminal.Status
MANAGER = roles.OPERATIONS_MANAGER
NEXT = re.compile(r'rel="next" href="([^"]+)"')
PREVIOUS = re.compile(r'rel="prev" href="([^"]+)"')


def ticket(terminal, number: str, *, status="open", hours: int = 16) -> Ticket:
    now = timezone.now()
    raised_by = User.objects.filter(kind=User.Kind.STAFF).order_by("id").first()
    return Ticket.objects.create(number=number, merchant=terminal.merchant, terminal=terminal, channel="phone",
                                 raised_by=raised_by,
                                 category="hardware", severity="high", description="broken", status=status,
                                 response_due=now + timedelta(hours=2), resolution_due=now + timedelta(hours=hours))


def walk(client, url: str, params: dict, pattern=NEXT) -> list[list[str]]:
    """Follow the pager's links from the first page: the rows (``data-<kind>`` values) of every page."""
    pages, response = [], client.get(url, params)
    while True:
        body = response.content.decode()
        pages.append(re.findall(r'<tr data-(?:terminal|ticket|work-order)="(\d+)"', body))
        link = pattern.search(body)
        if not link:
            return pages
        response = client.get(url + unescape(link.group(1)))


@pytest.fixture
def pax(db):
    return make_model(brand="PAX", name="A920")


@pytest.fixture
def big(users, merchant_a, merchant_b, pax):
    """120 active terminals of merchant A, 5 in stock, 3 of merchant B."""
    make_live_merchant(merchant_a, users[MANAGER], monthly_rent=Decimal("35.00"))
    make_live_merchant(merchant_b, users[MANAGER])
    active = [make_terminal(status=T.ACTIVE, merchant=merchant_a, model=pax) for _ in range(120)]
    for _ in range(5):
        make_terminal(model=pax)
    others = [make_terminal(status=T.ACTIVE, merchant=merchant_b, model=pax) for _ in range(3)]
    return {"active": active, "others": others}


# --- walking by cursor ------------------------------------------------------------------------

def sizes(rows: int) -> list[int]:
    """The sizes of the pages a walk over ``rows`` rows sees."""
    return [PAGE_SIZE] * (rows // PAGE_SIZE) + ([rows % PAGE_SIZE] if rows % PAGE_SIZE else [])


@pytest.mark.django_db
def test_registry_walks_forward_and_back_by_cursor_keeping_its_filter(clients, big):
    client, url = clients[MANAGER], reverse("ops:terminal-list")
    pages = walk(client, url, {"status": "active", "merchant": big["active"][0].merchant.mid})
    expected = [str(t.pk) for t in sorted(big["active"], key=lambda t: t.serial_number)]
    assert [len(page) for page in pages] == sizes(120)
    assert [pk for page in pages for pk in page] == expected
    first = client.get(url, {"status": "active"})
    assert first.context["count"].value == 123 and first.context["count"].exact
    second = client.get(url + unescape(NEXT.search(first.content.decode()).group(1)))
    back = client.get(url + unescape(PREVIOUS.search(second.content.decode()).group(1)))
    assert back.context["page"].object_list == first.context["page"].object_list


@pytest.mark.django_db
def test_ticket_queue_walks_by_due_time_and_the_portal_by_newest(clients, big):
    terminals = big["active"]
    for n in range(60):
        ticket(terminals[n], f"TK-20261130-{n:04d}", hours=100 - n)  # the last raised is due first
    ticket(terminals[0], "TK-20261130-9999", status="closed")
    pages = walk(clients[MANAGER], reverse("ops:ticket-list"), {})
    due_first = list(Ticket.objects.exclude(status="closed").order_by("resolution_due", "id")
                     .values_list("pk", flat=True))
    assert [int(pk) for page in pages for pk in page] == due_first and len(pages) == -(-60 // PAGE_SIZE)
    portal = walk(clients["merchant_a"], reverse("portal:ticket-list"), {})
    newest = list(Ticket.objects.order_by("-raised_at", "-id").values_list("pk", flat=True))
    assert [int(pk) for page in portal for pk in page] == newest


@pytest.mark.django_db
def test_work_order_board_walks_newest_first_and_a_day_by_window(clients, big, merchant_a):
    start = timezone.localtime().replace(hour=8, minute=0, second=0, microsecond=0)
    for n in range(55):
        window = {"window_start": start + timedelta(minutes=n), "window_end": start + timedelta(hours=2)} \
            if n % 2 else {}
        WorkOrder.objects.create(number=f"WO-20261130-{n:04d}", kind="repair", merchant=merchant_a, **window)
    pages = walk(clients[MANAGER], reverse("ops:workorder-list"), {})
    newest = list(WorkOrder.objects.order_by("-created_at", "-id").values_list("pk", flat=True))
    assert [int(pk) for page in pages for pk in page] == newest and len(pages) == -(-55 // PAGE_SIZE)
    day = walk(clients["auditor"], reverse("audit:workorder-list"), {"day": timezone.localdate().isoformat()})
    by_window = list(WorkOrder.objects.filter(window_start__isnull=False).order_by("window_start", "id")
                     .values_list("pk", flat=True))
    assert [int(pk) for page in day for pk in page] == by_window


# --- identifiers ------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_whole_serial_or_tid_opens_the_terminal_and_a_prefix_lists(clients, big):
    terminal = big["active"][7]
    client = clients[MANAGER]
    for term in (terminal.serial_number, terminal.serial_number.lower(), terminal.tid):
        response = client.get(reverse("ops:terminal-list"), {"q": term})
        assert response.status_code == 302 and response.url == reverse("ops:terminal-detail", args=[terminal.pk])
    audit = clients["auditor"].get(reverse("audit:terminal-list"), {"q": terminal.serial_number})
    assert audit.url == reverse("audit:terminal-detail", args=[terminal.pk])
    prefix = client.get(reverse("ops:terminal-list"), {"q": terminal.serial_number[:-1]})
    assert prefix.status_code == 200 and terminal in prefix.context["terminals"]
    middle = client.get(reverse("ops:terminal-list"), {"q": terminal.serial_number[3:]})
    assert terminal not in middle.context["terminals"]  # a prefix, not a substring


@pytest.mark.django_db
def test_the_portal_opens_only_its_own_terminal_by_serial(clients, big):
    own, theirs = big["active"][3], big["others"][0]
    client = clients["merchant_a"]
    response = client.get(reverse("portal:terminal-list"), {"q": own.tid})
    assert response.url == reverse("portal:terminal-detail", args=[own.pk])
    other = client.get(reverse("portal:terminal-list"), {"q": theirs.serial_number})
    assert other.status_code == 200 and list(other.context["terminals"]) == []


@pytest.mark.django_db
def test_a_whole_ticket_number_opens_the_ticket_in_its_area(clients, big):
    own = ticket(big["active"][0], "TK-20261130-0001")
    theirs = ticket(big["others"][0], "TK-20261130-0002")
    for client, area in ((clients[MANAGER], "ops"), (clients["auditor"], "audit"), (clients["merchant_a"], "portal")):
        response = client.get(reverse(f"{area}:ticket-list"), {"q": "tk-20261130-0001"})
        assert response.url == reverse(f"{area}:ticket-detail", args=[own.pk])
    listed = clients[MANAGER].get(reverse("ops:ticket-list"), {"q": "TK-20261130"})
    assert {t.pk for t in listed.context["tickets"]} == {own.pk, theirs.pk}
    hidden = clients["merchant_a"].get(reverse("portal:ticket-list"), {"q": theirs.number})
    assert hidden.status_code == 200 and list(hidden.context["tickets"]) == []
    by_serial = clients[MANAGER].get(reverse("ops:ticket-list"), {"q": big["active"][0].serial_number})
    assert [t.pk for t in by_serial.context["tickets"]] == [own.pk]


@pytest.mark.django_db
def test_a_whole_work_order_number_opens_it(clients, big, merchant_a):
    work_order = WorkOrder.objects.create(number="WO-20261130-0001", kind="repair", merchant=merchant_a)
    WorkOrder.objects.create(number="WO-20261130-0002", kind="survey", merchant=merchant_a)
    response = clients[MANAGER].get(reverse("ops:workorder-list"), {"q": "wo-20261130-0001"})
    assert response.url == reverse("ops:workorder-detail", args=[work_order.pk])
    audit = clients["auditor"].get(reverse("audit:workorder-list"), {"q": work_order.number})
    assert audit.url == reverse("audit:workorder-detail", args=[work_order.pk])
    listed = clients[MANAGER].get(reverse("ops:workorder-list"), {"q": "WO-20261130-000"})
    assert len(listed.context["work_orders"]) == 2


# --- the portal's list ------------------------------------------------------------------------

@pytest.mark.django_db
def test_portal_list_filters_by_status_and_search_and_pages(clients, big, merchant_a, pax):
    suspended = make_terminal(status=T.SUSPENDED, merchant=merchant_a, model=pax)
    client, url = clients["merchant_a"], reverse("portal:terminal-list")
    assert list(client.get(url, {"status": "suspended"}).context["terminals"]) == [suspended]
    pages = walk(client, url, {"status": "active"})
    assert [len(page) for page in pages] == sizes(120)
    prefix = client.get(url, {"q": suspended.serial_number[:-1]})
    assert suspended in prefix.context["terminals"]


def _portal_terminals(merchant, model, count):
    month = timezone.localdate().replace(day=1)
    previous = (month - timedelta(days=1)).replace(day=1)
    for _ in range(count):
        terminal = make_terminal(status=T.ACTIVE, merchant=merchant, model=model)
        RentCharge.objects.create(terminal=terminal, merchant=merchant, month=month, amount=Decimal("35.00"),
                                  due_on=month + timedelta(days=9))
        RentCharge.objects.create(terminal=terminal, merchant=merchant, month=previous,
                                  amount=Decimal("35.00"), due_on=month, status=RentCharge.Status.PAID)
        ticket(terminal, f"TK-{terminal.pk:012d}")


@pytest.mark.django_db
def test_portal_list_is_the_same_queries_for_3_and_25_terminals(clients, users, merchant_a, pax,
                                                                django_assert_max_num_queries):
    make_live_merchant(merchant_a, users[MANAGER], monthly_rent=Decimal("35.00"))
    client = clients["merchant_a"]
    _portal_terminals(merchant_a, pax, 3)
    with django_assert_max_num_queries(20) as few:
        assert client.get(reverse("portal:terminal-list")).status_code == 200
    _portal_terminals(merchant_a, pax, 22)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("portal:terminal-list"))
    rows = response.context["terminals"]
    assert len(rows) == 25 and all(t.rent_due_count == 1 and t.open_ticket_count == 1 for t in rows)
    assert all(t.last_rent_status == "due" and t.rent_due_total == Decimal("35.00") for t in rows)


@pytest.mark.django_db
def test_ops_ticket_queue_is_the_same_queries_for_3_and_25_tickets(clients, big, django_assert_max_num_queries):
    client = clients[MANAGER]
    for n in range(3):
        ticket(big["active"][n], f"TK-A-{n:04d}")
    with django_assert_max_num_queries(20) as few:
        assert client.get(reverse("ops:ticket-list")).status_code == 200
    for n in range(3, 25):
        ticket(big["active"][n], f"TK-A-{n:04d}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("ops:ticket-list"))
    assert len(response.context["tickets"]) == 25 and response.context["count"].value == 25
