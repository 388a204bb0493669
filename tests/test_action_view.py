"""The one action view (``acquirer.views.actions.ActionView``), proven through real views: the merchant reopening
a resolved ticket (a reason form, messages and a redirect) and the settlement-account page (a form on its own
page, shown again with its errors)."""

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation

from acquirer import roles
from acquirer.models import AuditEvent
from merchants.models import SettlementAccount
from terminals.models import Terminal, Ticket
from terminals.services import tickets as svc
from tests.terminals.factories import make_terminal

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def en(clients):
    """Every role's client, reading the pages in English."""
    for client in clients.values():
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return clients


@pytest.fixture
def resolved(users, merchant_a):
    terminal = make_terminal(status=Terminal.Status.ACTIVE, merchant=merchant_a)
    ticket = svc.ticket_raise(actor=users["merchant_a"], terminal=terminal, category="hardware",
                              severity=Ticket.Severity.HIGH, description="The chip reader fails",
                              channel=Ticket.Channel.PORTAL)
    svc.ticket_resolve(actor=users[roles.CUSTOMER_SERVICE], ticket=ticket, resolution_code="remote_fix", notes="")
    return ticket


def _reopen(client, ticket, reason):
    return client.post(reverse("portal:ticket-reopen", kwargs={"pk": ticket.pk}), {"reason": reason})


def _messages(response) -> list[tuple[str, str]]:
    return [(message.level_tag, str(message)) for message in get_messages(response.wsgi_request)]


def test_a_valid_form_calls_the_service_and_says_so(en, resolved):
    response = _reopen(en["merchant_a"], resolved, "Still rejects chip cards")
    assert response.status_code == 302
    assert response.url == reverse("portal:ticket-detail", kwargs={"pk": resolved.pk})
    resolved.refresh_from_db()
    assert resolved.status == Ticket.Status.OPEN
    assert AuditEvent.objects.filter(action="ticket.reopened", target_id=str(resolved.pk)).exists()
    assert _messages(response) == [
        ("success", f"Ticket {resolved.number} is open again; we will get back to you.")]


def test_an_invalid_form_changes_nothing_and_shows_the_error_on_the_page_it_came_from(en, resolved):
    response = _reopen(en["merchant_a"], resolved, "")
    assert response.status_code == 302
    assert response.url == reverse("portal:ticket-detail", kwargs={"pk": resolved.pk})
    resolved.refresh_from_db()
    assert resolved.status == Ticket.Status.RESOLVED
    assert not AuditEvent.objects.filter(action="ticket.reopened").exists()
    assert _messages(response) == [("error", "Please give a reason.")]


def test_a_refusal_of_the_service_becomes_an_error_message(users, en, resolved):
    svc.ticket_confirm(actor=users["merchant_a"], ticket=resolved)  # closed: no longer reopened
    response = _reopen(en["merchant_a"], resolved, "Still rejects chip cards")
    assert response.status_code == 302
    resolved.refresh_from_db()
    assert resolved.status == Ticket.Status.CLOSED
    [(level, text)] = _messages(response)
    assert level == "error" and text
    assert not AuditEvent.objects.filter(action="ticket.reopened").exists()


def test_another_merchants_object_is_a_404_like_a_missing_one(en, resolved):
    assert _reopen(en["merchant_b"], resolved, "Still rejects chip cards").status_code == 404
    assert en["merchant_a"].post(reverse("portal:ticket-reopen", kwargs={"pk": 999999}),
                                      {"reason": "Still rejects chip cards"}).status_code == 404
    resolved.refresh_from_db()
    assert resolved.status == Ticket.Status.RESOLVED


def test_a_post_only_action_refuses_get(en, resolved):
    assert en["merchant_a"].get(reverse("portal:ticket-reopen", kwargs={"pk": resolved.pk})).status_code == 405


def test_a_form_page_shows_the_empty_form_then_the_bound_form_with_its_errors(en, merchant_a):
    url = reverse("portal:settlement-request")
    page = en["merchant_a"].get(url)
    assert page.status_code == 200 and not page.context["form"].is_bound
    response = en["merchant_a"].post(url, {"kind": "corporate", "account_name": "", "bank_name": "ICBC"})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.is_bound and "account_name" in form.errors and "account_number" in form.errors
    assert not SettlementAccount.objects.exists()
