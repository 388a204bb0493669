"""The terminals panel of the ops home page: terminals by status, each bar linking to the registry at that status."""

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from acquirer import roles
from terminals.models import Terminal
from terminals.selectors.home_ops import terminals_by_status
from tests.factories import make_user
from tests.terminals.factories import make_live_merchant, make_model, make_terminal

pytestmark = pytest.mark.django_db


def _bar(page: str, label: str) -> str:
    found = re.search(r'id="terminals-by-status-table".*?>' + re.escape(label) + r'</a></th><td class="text-end mono">'
                      r"(\d+)</td>", page, re.S)
    assert found, label
    return found.group(1)


def test_the_panel_counts_terminals_by_status(users, clients, merchant_a):
    manager = users[roles.OPERATIONS_MANAGER]
    assert dict(terminals_by_status(actor=manager))[Terminal.Status.IN_STOCK] == 0
    model = make_model()
    for _n in range(3):
        make_terminal(model=model)
    make_terminal(model=model, status=Terminal.Status.UNDER_REPAIR)
    counts = dict(terminals_by_status(actor=manager))
    assert counts[Terminal.Status.IN_STOCK] == 3 and counts[Terminal.Status.UNDER_REPAIR] == 1
    assert list(counts) == Terminal.Status.values
    page = clients[roles.OPERATIONS_MANAGER].get(reverse("ops:home")).content.decode()
    assert "Terminals by status" in page
    assert _bar(page, "In stock") == "3" and _bar(page, "Under repair") == "1"
    assert "<strong>4</strong> terminals in the registry." in page


def test_each_bar_opens_the_registry_at_its_status(users, clients):
    make_terminal()
    client = clients[roles.OPERATIONS_MANAGER]
    page = client.get(reverse("ops:home")).content.decode()
    for status in Terminal.Status.values:
        url = f"{reverse('ops:terminal-list')}?status={status}"
        assert f'href="{url}"' in page, status
    listed = client.get(f"{reverse('ops:terminal-list')}?status=in_stock")
    assert listed.status_code == 200
    assert Terminal.objects.get().serial_number in listed.content.decode()
    assert client.get(reverse("ops:terminal-dashboard")).status_code == 200


def test_the_panel_is_shown_only_with_the_terminal_view_permission(users, clients):
    for role in (roles.OPERATIONS_MANAGER, roles.FIELD_ENGINEER):
        assert users[role].has_perm("terminals.view_terminal")
        assert "terminals-by-status-chart" in clients[role].get(reverse("ops:home")).content.decode(), role
    nobody = make_user(roles=[], username="noroles")
    client = Client()
    client.force_login(nobody)
    assert "terminals-by-status-chart" not in client.get(reverse("ops:home")).content.decode()


@pytest.mark.parametrize("language, label", [("en", "In stock"), ("zh-hans", "在库")])
def test_the_panel_reads_in_both_languages(users, language, label):
    make_terminal()
    client = Client()
    client.force_login(users[roles.OPERATIONS_MANAGER])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(reverse("ops:home")).content.decode()
    assert f">{label}</a></th>" in page


def _home_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("ops:home")).status_code == 200
    return len(captured)


def test_the_home_page_keeps_a_constant_number_of_queries(users, clients, merchant_a):
    client = clients[roles.OPERATIONS_MANAGER]
    make_terminal()
    client.get(reverse("ops:home"))  # warm
    small = _home_queries(client)
    merchant = make_live_merchant(merchant_a, users[roles.OPERATIONS_MANAGER])
    model = make_model()
    for status in Terminal.Status.values * 2:
        make_terminal(model=model, status=status, merchant=merchant)
    assert _home_queries(client) == small
