"""Form defects found by trying the portal and the back office as a new user: every problem of a terminal
installation in one answer, the confirm-and-submit step lists what is sent, a work-order visit window after the
ticket's deadline is flagged and an early start needs a confirmation, an invalid audit search lists nothing and
says why once."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from acquirer import roles
from acquirer.exceptions import DomainError
from acquirer.models import AuditEvent
from merchants.models import SettlementAccount
from terminals.models import Terminal, WorkOrder
from terminals.services import lifecycle as lifecycle_svc
from terminals.services import tickets as ticket_svc
from terminals.services import workorders as workorder_svc
from tests.merchants.kyc_data import make_resident_id, make_uscc, pdf_file, png_file
from tests.terminals.factories import make_live_merchant, make_terminal

T = Terminal.Status
W = WorkOrder.Status
PASSWORD = "Adm1n-Secret-7731"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def clients(clients):
    for client in clients.values():
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return clients


@pytest.fixture
def live_a(merchant_a, users):
    return make_live_merchant(merchant_a, users[roles.OPERATIONS_MANAGER])


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


# --- 1. the terminal installation reports every problem at once ----------------------------------

def install_form(**changes) -> dict:
    data = {"installed_on": timezone.localdate().isoformat(), "tid": "29A00001", "settlement_method": "",
            "comm_network": "4g", "comm_host": "pos.acquirer.example", "comm_port": "8583", "comm_apn": "cmnet",
            "install_address": "上海市黄浦区中山东一路1号 收银台", "admin_password": PASSWORD,
            "admin_password_again": PASSWORD}
    data.update(changes)
    return data


def test_one_installation_post_with_four_problems_shows_all_four_messages_and_changes_nothing(clients, live_a):
    make_terminal(status=T.ACTIVE, merchant=live_a, tid="29E00001", serial_number="SNTAKEN01")
    terminal = make_terminal(status=T.DELIVERED, merchant=live_a, install_address=live_a.address)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = clients[roles.FIELD_ENGINEER].post(
        reverse("ops:terminal-install", kwargs={"pk": terminal.pk}),
        install_form(installed_on=tomorrow,                 # the form's own field rule
                     admin_password_again="not the same",   # the form's cross-field rule
                     tid="29E00001",                        # the service's check: TID of another terminal
                     comm_host="pos acquirer!",             # the service's check: not a host name
                     latitude="31.240000"))                 # the form's cross-field rule: one coordinate only
    body = response.content.decode()
    assert response.status_code == 200
    for message in ("The installation date cannot be in the future.", "The two passwords differ.",
                    "TID 29E00001 is already used by terminal SNTAKEN01",
                    "Give the host name or IP address of the payment host.", "Give both coordinates or neither."):
        assert body.count(escape(message)) == 1, message
    terminal.refresh_from_db()
    assert terminal.status == T.DELIVERED and terminal.tid is None
    assert not AuditEvent.objects.filter(action="terminal.installed").exists()


def test_the_installation_service_refuses_every_problem_together(users, live_a):
    make_terminal(status=T.ACTIVE, merchant=live_a, tid="29E00002")
    terminal = make_terminal(status=T.DELIVERED, merchant=live_a, install_address=live_a.address)
    with pytest.raises(lifecycle_svc.LifecycleErrors) as refused:
        lifecycle_svc.terminal_install(
            actor=users[roles.FIELD_ENGINEER], terminal=terminal, installed_on=timezone.localdate() + timedelta(days=2),
            tid="29E00002", settlement_method=None, comm_settings={"network": "dialup", "host": "h h", "port": 0},
            admin_password="123", install_address="x", latitude=Decimal("31.2"))
    fields = [error.field for error in refused.value.errors]
    assert fields == ["installed_on", "tid", "comm_network", "comm_host", "comm_port", "install_address",
                      "admin_password", "longitude"]
    terminal.refresh_from_db()
    assert terminal.status == T.DELIVERED and terminal.tid is None


def test_a_single_installation_problem_is_still_refused_next_to_its_field(users, live_a):
    make_terminal(status=T.ACTIVE, merchant=live_a, tid="29E00003")
    terminal = make_terminal(status=T.DELIVERED, merchant=live_a, install_address=live_a.address)
    with pytest.raises(DomainError, match="already used by terminal") as refused:
        lifecycle_svc.terminal_install(
            actor=users[roles.FIELD_ENGINEER], terminal=terminal, installed_on=timezone.localdate(), tid="29E00003",
            settlement_method=None, comm_settings={"network": "4g", "host": "pos.example", "port": 8583},
            admin_password=PASSWORD, install_address="上海市黄浦区中山东一路1号")
    assert refused.value.field == "tid" and not isinstance(refused.value, lifecycle_svc.LifecycleErrors)


# --- 2. confirm and submit lists what is sent ------------------------------------------------------

def test_the_submit_step_lists_the_documents_and_the_masked_settlement_account(clients, users, merchant_a):
    from merchants.services import applications
    from merchants.services.documents import document_upload
    from merchants.services.settlement import settlement_account_request

    owner = users["merchant_a"]
    applications.merchant_application_update(actor=owner, merchant=merchant_a, data={
        "legal_name": merchant_a.legal_name, "merchant_type": "enterprise", "uscc": make_uscc(),
        "legal_rep_name": "张三", "business_scope": "餐饮服务", "mcc": "5812", "region_code": "2900",
        "address": "上海市黄浦区中山东一路1号", "premises": "fixed", "expected_monthly_volume": Decimal("200000"),
        "average_ticket": Decimal("85"), "contact_name": "张三", "contact_phone": "+8613912345678"},
        legal_rep_id=make_resident_id())
    expiry = timezone.localdate() + timedelta(days=700)
    old = document_upload(actor=owner, merchant=merchant_a, kind="business_licence",
                          uploaded_file=pdf_file("old-licence.pdf"), expires_on=expiry)
    licence = document_upload(actor=owner, merchant=merchant_a, kind="business_licence",
                              uploaded_file=pdf_file("licence-2026.pdf"), expires_on=expiry)
    photo = document_upload(actor=owner, merchant=merchant_a, kind="premises_photo",
                            uploaded_file=png_file("shop-front.png"))
    account = settlement_account_request(actor=owner, merchant=merchant_a, kind="corporate",
                                         account_name=merchant_a.legal_name, bank_name="中国工商银行",
                                         branch_name="上海分行", account_number="6222021234567890123")
    body = clients["merchant_a"].get(reverse("portal:application")).content.decode()
    section = body[body.index('id="submission-contents"'):body.index('id="submit-application"')]
    assert f'data-document="{licence.pk}"' in section and "licence-2026.pdf" in section
    assert f'data-document="{photo.pk}"' in section and "shop-front.png" in section
    assert "Business licence" in section and "Premises photo" in section
    assert f'data-document="{old.pk}"' not in section  # superseded by the new licence: not sent
    assert f'<td class="text-nowrap">{filesizeformat(licence.size)}</td>' in section
    assert f'data-account="{account.pk}"' in section and account.account_number_masked in section
    assert "6222021234567890123" not in body and "中国工商银行" in section
    SettlementAccount.objects.filter(pk=account.pk).update(status=SettlementAccount.Status.REJECTED)
    body = clients["merchant_a"].get(reverse("portal:application")).content.decode()
    assert f'data-account="{account.pk}"' not in body and "No settlement account given yet." in body


# --- 3. work orders: window after the ticket's deadline, start before the window --------------------

@pytest.fixture
def ticket(users, live_a):
    terminal = make_terminal(status=T.ACTIVE, merchant=live_a, install_address="上海市黄浦区南京东路2号")
    return ticket_svc.ticket_raise(actor=users[roles.CUSTOMER_SERVICE], terminal=terminal, category="hardware",
                                   severity="high", description="The chip reader fails", channel="phone")


def test_a_work_order_window_after_the_tickets_resolution_deadline_gets_a_warning(clients, users, live_a, ticket):
    ops = clients[roles.OPERATIONS_MANAGER]
    late_start = ticket.resolution_due + timedelta(days=1)
    response = ops.post(reverse("ops:workorder-create"), {
        "merchant": live_a.pk, "kind": "repair", "ticket": ticket.pk, "window_start": local(late_start),
        "window_end": local(late_start + timedelta(hours=2))}, follow=True)
    body = response.content.decode()
    work_order = WorkOrder.objects.get(ticket=ticket)
    assert response.status_code == 200 and work_order.window_start is not None
    assert f"after the resolution deadline of ticket {ticket.number}" in body
    # re-assigned inside the deadline: no warning; after it: the warning again
    early_start = timezone.now() + timedelta(minutes=30)
    assert early_start + timedelta(hours=1) < ticket.resolution_due
    response = ops.post(reverse("ops:workorder-assign", kwargs={"pk": work_order.pk}), {
        "engineer": users[roles.FIELD_ENGINEER].pk, "window_start": local(early_start),
        "window_end": local(early_start + timedelta(hours=1))}, follow=True)
    assert "assigned to" in response.content.decode() and "resolution deadline" not in response.content.decode()
    response = ops.post(reverse("ops:workorder-assign", kwargs={"pk": work_order.pk}), {
        "engineer": users[roles.FIELD_ENGINEER].pk, "window_start": local(late_start),
        "window_end": local(late_start + timedelta(hours=3))}, follow=True)
    assert f"after the resolution deadline of ticket {ticket.number}" in response.content.decode()


def test_starting_before_the_window_asks_for_confirmation_and_changes_nothing_without_it(clients, users, live_a):
    manager, engineer = users[roles.OPERATIONS_MANAGER], users[roles.FIELD_ENGINEER]
    work_order = workorder_svc.work_order_create(actor=manager, kind="repair", merchant=live_a)
    start = timezone.now() + timedelta(hours=3)
    workorder_svc.work_order_assign(actor=manager, work_order=work_order, engineer=engineer, window_start=start,
                                    window_end=start + timedelta(hours=2))
    field = clients[roles.FIELD_ENGINEER]
    url = reverse("ops:workorder-start", kwargs={"pk": work_order.pk})
    response = field.post(url, {"return_to": "mine"})
    body = response.content.decode()
    assert response.status_code == 200 and 'id="start-early"' in body
    assert "the job was not started" in body and 'name="confirm_early"' in body
    assert 'name="return_to" value="mine"' in body
    work_order.refresh_from_db()
    assert work_order.status == W.ASSIGNED
    assert not AuditEvent.objects.filter(action="work_order.started").exists()
    response = field.post(url, {"return_to": "mine", "confirm_early": "on"})
    assert response.status_code == 302 and response["Location"] == reverse("ops:workorder-mine")
    work_order.refresh_from_db()
    assert work_order.status == W.IN_PROGRESS
    assert AuditEvent.objects.filter(action="work_order.started").count() == 1


def test_starting_within_the_window_needs_no_confirmation(clients, users, live_a):
    manager, engineer = users[roles.OPERATIONS_MANAGER], users[roles.FIELD_ENGINEER]
    work_order = workorder_svc.work_order_create(actor=manager, kind="repair", merchant=live_a)
    start = timezone.now() - timedelta(minutes=10)
    workorder_svc.work_order_assign(actor=manager, work_order=work_order, engineer=engineer, window_start=start,
                                    window_end=start + timedelta(hours=2))
    response = clients[roles.FIELD_ENGINEER].post(reverse("ops:workorder-start", kwargs={"pk": work_order.pk}))
    assert response.status_code == 302
    work_order.refresh_from_db()
    assert work_order.status == W.IN_PROGRESS


# --- 4. an invalid audit search lists nothing and says why once -------------------------------------

@pytest.mark.parametrize("search,message", [
    ({"merchant": "abc"}, "Enter a whole number."),
    ({"date_from": "2026-03-02", "date_to": "2026-03-01"}, "“From” must not be after “To”."),
])
def test_an_invalid_audit_search_shows_the_error_once_and_lists_no_events(clients, users, search, message):
    client = clients["auditor"]
    assert AuditEvent.objects.exists()
    everything = client.get(reverse("audit:event-list")).content.decode()
    assert 'class="audit-event"' in everything
    response = client.get(reverse("audit:event-list"), search)
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count(escape(message)) == 1
    assert 'id="audit-search-invalid"' in body and 'class="audit-event"' not in body
    export = client.get(reverse("audit:event-export"), search)
    assert export.status_code == 302 and export["Location"].startswith(reverse("audit:event-list"))
    assert not AuditEvent.objects.filter(action="audit.exported").exists()
