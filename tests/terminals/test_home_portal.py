"""The merchant's home page (``portal:home``), terminals panel: the merchant's terminals by status (a chart with
its table, each bar opening the list of those terminals) and its open fault tickets — its own only, in both
languages, in the same number of queries whatever the data."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from terminals.models import Terminal, Ticket
from terminals.services import tickets as svc
from tests.terminals.factories import make_terminal

T = Terminal.Status


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def home(client, language="en"):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    return response.content.decode()


def raise_ticket(user, terminal) -> Ticket:
    return svc.ticket_raise(actor=user, terminal=terminal, category="hardware", severity=Ticket.Severity.HIGH,
                            description="The chip reader fails", channel=Ticket.Channel.PORTAL)


def figure(page: str, name: str) -> str:
    """The text of the home page's figure ``name`` (its first link's text)."""
    block = page.split(f'data-figure="{name}"', 1)[1]
    return block.split("</a>", 1)[0].rsplit(">", 1)[1].strip()


@pytest.mark.django_db
def test_terminals_by_status_and_open_tickets_move_with_the_data(merchant_a, users, clients):
    active = make_terminal(status=T.ACTIVE, merchant=merchant_a)
    make_terminal(status=T.ACTIVE, merchant=merchant_a)
    make_terminal(status=T.SUSPENDED, merchant=merchant_a)
    page = home(clients["merchant_a"])
    assert figure(page, "terminals") == "3" and figure(page, "open-tickets") == "0"
    assert 'id="home-terminals-table"' in page
    active_row = page.split('id="home-terminals-table"', 1)[1]
    assert f'{reverse("portal:terminal-list")}?status=active">Active</a></th><td class="text-end mono">2' in active_row
    assert f'{reverse("portal:terminal-list")}?status=suspended">Suspended</a>' in active_row
    assert f'{reverse("portal:ticket-list")}?status=unresolved' in page

    ticket = raise_ticket(users["merchant_a"], active)
    raise_ticket(users["merchant_a"], active)
    page = home(clients["merchant_a"])
    assert figure(page, "open-tickets") == "2"
    Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.RESOLVED)  # set-up: a repair to confirm
    page = home(clients["merchant_a"])
    assert figure(page, "open-tickets") == "1" and "1 repair waits for your confirmation" in page


@pytest.mark.django_db
def test_merchant_b_never_sees_merchant_a_terminals_or_tickets(merchant_a, merchant_b, users, clients):
    terminal = make_terminal(status=T.ACTIVE, merchant=merchant_a)
    make_terminal(status=T.ACTIVE, merchant=merchant_a)
    raise_ticket(users["merchant_a"], terminal)
    make_terminal(status=T.IN_STOCK)  # the warehouse's: nobody's home
    page = home(clients["merchant_b"])
    assert figure(page, "terminals") == "0" and figure(page, "open-tickets") == "0"
    assert 'id="home-terminals-table"' in page and "?status=active" not in page


@pytest.mark.django_db
def test_both_languages_render(merchant_a, clients):
    make_terminal(status=T.ACTIVE, merchant=merchant_a)
    for language in ("en", "zh-hans"):
        page = home(clients["merchant_a"], language)
        assert f'lang="{language}"' in page and figure(page, "terminals") == "1"
        assert 'id="home-terminals-chart"' in page


@pytest.mark.django_db
def test_home_page_queries_do_not_grow_with_terminals_and_tickets(merchant_a, users, clients):
    client = clients["merchant_a"]

    def grow(n):
        for i in range(n):
            terminal = make_terminal(status=[T.ACTIVE, T.SUSPENDED, T.ALLOCATED][i % 3], merchant=merchant_a)
            if terminal.status == T.ACTIVE:
                raise_ticket(users["merchant_a"], terminal)

    grow(2)
    home(client)  # warm
    with CaptureQueriesContext(connection) as small:
        home(client)
    grow(12)
    with CaptureQueriesContext(connection) as large:
        home(client)
    assert len(large) == len(small)
