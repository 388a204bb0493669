"""Terminal lifecycle: stock → allocated → surveyed → shipped → delivered → installed → tested → active, with
suspension, repair, return to stock, retirement and deletion; parameter changes with four eyes. Every move of
``TERMINAL_MOVES`` is tested both ways, every service refuses the statuses it does not start from, refusals say
why, the admin password never shows, and the terminal page keeps a constant number of queries."""

import itertools
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.hashers import check_password
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from acquirer import roles
from acquirer.exceptions import DomainError, NotPermitted, TransitionNotAllowed
from acquirer.models import AuditEvent
from acquirer.workflow import advance
from merchants.models import Merchant
from terminals.models import Installation, ParameterChange, Shipment, SiteSurvey, Terminal, TerminalPhoto
from terminals.policy import FROM
from terminals.selectors.lifecycle import terminal_get, terminal_timeline
from terminals.services import lifecycle as svc
from terminals.services import parameters
from terminals.workflow import TERMINAL_MOVES
from tests.merchants.kyc_data import png_file
from tests.terminals.factories import make_live_merchant, make_model, make_terminal

T = Terminal.Status
STATUSES = list(T.values)
PLACED = {T.ALLOCATED, T.SURVEYED, T.SHIPPED, T.DELIVERED, T.INSTALLED, T.TESTED, T.ACTIVE, T.SUSPENDED}
PASSWORD = "Adm1n-Secret-7731"
COMM = {"network": "4g", "host": "pos.acquirer.example", "port": 8583, "apn": "cmnet"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def manager(users):
    return users[roles.OPERATIONS_MANAGER]


@pytest.fixture
def engineer(users):
    return users[roles.FIELD_ENGINEER]


@pytest.fixture
def risk(users):
    return users[roles.RISK_ANALYST]


@pytest.fixture
def live_a(merchant_a, manager):
    return make_live_merchant(merchant_a, manager)


def page(client, terminal, area="ops"):
    return client.get(reverse(f"{area}:terminal-detail", kwargs={"pk": terminal.pk}))


def post(client, name, pk, data=None, **kwargs):
    return client.post(reverse(f"ops:{name}", kwargs={"pk": pk}), data or {}, **kwargs)


def install_form(**changes) -> dict:
    data = {"installed_on": timezone.localdate().isoformat(), "tid": "29A00001", "settlement_method": "",
            "comm_network": "4g", "comm_host": "pos.acquirer.example", "comm_port": "8583", "comm_apn": "cmnet",
            "install_address": "上海市黄浦区中山东一路1号 收银台", "admin_password": PASSWORD,
            "admin_password_again": PASSWORD}
    data.update(changes)
    return data


def golive_form(**changes) -> dict:
    data = {"sign_in_ok": "yes", "sale_amount": "0.01", "sale_ok": "yes", "sale_reference": "REF000123",
            "void_ok": "yes", "notes": ""}
    data.update(changes)
    return data




def events(terminal, action=None):
    qs = AuditEvent.objects.filter(target_type="terminals.terminal", target_id=str(terminal.pk))
    return qs.filter(action=action) if action else qs


def installed(terminal, engineer, **changes):
    values = {"installed_on": timezone.localdate(), "tid": "29A00001", "settlement_method": None,
              "comm_settings": dict(COMM), "admin_password": PASSWORD,
              "install_address": "上海市黄浦区中山东一路1号", "photos": ()}
    values.update(changes)
    return svc.terminal_install(actor=engineer, terminal=terminal, **values)


def to_active(terminal, merchant, users, *, tid="29A00001"):
    """Drive a stock terminal to active through the services."""
    manager, engineer = users[roles.OPERATIONS_MANAGER], users[roles.FIELD_ENGINEER]
    svc.terminal_allocate(actor=manager, terminal=terminal, merchant=merchant)
    svc.terminal_survey_record(actor=engineer, terminal=terminal, surveyed_on=timezone.localdate(), power_ok=True,
                               network_type="4g", signal_bars=4, counter_position="front counter", feasible=True,
                               notes="")
    svc.terminal_ship(actor=manager, terminal=terminal, carrier="SF Express", tracking_number="SF1234567890")
    svc.terminal_deliver(actor=engineer, terminal=terminal, arrival_ok=True, arrival_notes="")
    installed(terminal, engineer, tid=tid)
    svc.terminal_test_record(actor=engineer, terminal=terminal, sign_in_ok=True, sale_amount=Decimal("0.01"),
                             sale_ok=True, sale_reference="REF1", void_ok=True, notes="")
    svc.terminal_activate(actor=users[roles.RISK_ANALYST], terminal=terminal)
    terminal.refresh_from_db()
    return terminal


# --- the whole path through the pages ---------------------------------------------------------

@pytest.mark.django_db
def test_terminal_goes_from_stock_to_active_for_merchant_a_through_the_pages(clients, users, live_a):
    ops, field, risk_client = (clients[roles.OPERATIONS_MANAGER], clients[roles.FIELD_ENGINEER],
                               clients[roles.RISK_ANALYST])
    terminal = make_terminal(model=make_model("PAX", "A920Flow", communications=["4g", "wifi"]))
    body = page(ops, terminal).content.decode()
    assert 'data-move="allocate"' in body and 'data-move="install"' not in body

    steps = [
        (ops, "terminal-allocate", {"merchant": live_a.pk}, {}, T.ALLOCATED, "terminal.allocated"),
        (field, "terminal-survey", {"surveyed_on": timezone.localdate().isoformat(), "power_ok": "yes",
                                    "network_type": "4g", "signal_bars": "4", "counter_position": "收银台左侧",
                                    "feasible": "yes", "notes": "", "photos": png_file("site.png")}, {},
         T.SURVEYED, "terminal.surveyed"),
        (ops, "terminal-ship", {"carrier": "SF Express", "tracking_number": "SF1234567890"}, {}, T.SHIPPED,
         "terminal.shipped"),
        (field, "terminal-deliver", {"arrival_ok": "yes", "arrival_notes": "box intact",
                                     "photos": png_file("box.png")}, {}, T.DELIVERED, "terminal.delivered"),
        (field, "terminal-install", {**install_form(), "photos": png_file("installed.png")}, {}, T.INSTALLED,
         "terminal.installed"),
        (field, "terminal-test", golive_form(), {}, T.TESTED, "terminal.tested"),
        (risk_client, "terminal-activate", {}, {}, T.ACTIVE, "terminal.activated"),
    ]
    for client, name, data, extra, status, action in steps:
        response = post(client, name, terminal.pk, data, **extra)
        assert response.status_code == 302, (name, response.content.decode()[:3000])
        terminal.refresh_from_db()
        assert terminal.status == status, name
        shown = client.get(response["Location"]).content.decode()
        assert f'data-status="{status}"' in shown
        assert f'data-action="{action}"' in shown, name  # on the page's timeline
        assert events(terminal, action).count() == 1, action  # and in the audit trail

    assert terminal.merchant == live_a and terminal.custodian == Terminal.Custodian.MERCHANT
    assert terminal.tid == "29A00001" and terminal.mid == live_a.mid and terminal.settlement_method == "auto"
    assert terminal.comm_settings == COMM
    assert terminal.deposit_state == Terminal.Deposit.DUE  # the contract asks for a deposit
    assert terminal.rent_start == timezone.localdate()
    assert terminal.next_maintenance_due == timezone.localdate() + timedelta(
        days=django_settings.ACQUIRER_MAINTENANCE_INTERVAL_DAYS)
    assert SiteSurvey.objects.get(terminal=terminal).feasible
    assert Shipment.objects.get(terminal=terminal).arrival_ok is True
    assert Installation.objects.get(terminal=terminal).engineer == users[roles.FIELD_ENGINEER]
    assert TerminalPhoto.objects.filter(terminal=terminal, merchant=live_a).count() == 3
    final = page(ops, terminal).content.decode()
    for action in ("allocated", "surveyed", "shipped", "delivered", "installed", "tested", "activated"):
        assert f'data-action="terminal.{action}"' in final
    assert final.index('data-action="terminal.activated"') < final.index('data-action="terminal.allocated"')
    assert "site.png" in final and "SF1234567890" in final
    audited = list(events(terminal).order_by("id").values_list("action", flat=True))
    assert audited == ["terminal.allocated", "terminal.surveyed", "terminal.shipped", "terminal.delivered",
                       "terminal.installed", "terminal.tested", "terminal.activated"]
    assert 'data-move="suspend"' in page(risk_client, terminal).content.decode()


@pytest.mark.django_db
def test_page_offers_only_the_moves_the_role_and_status_allow(clients, users, live_a):
    terminal = make_terminal(status=T.ACTIVE, merchant=live_a)
    moves = {role: set(_moves(page(clients[role], terminal).content.decode())) for role in roles.ROLES
             if role != roles.ONBOARDING_REVIEWER}
    assert moves[roles.OPERATIONS_MANAGER] == {"suspend", "parameter_request", "repair", "return"}
    assert moves[roles.RISK_ANALYST] == {"suspend"}
    assert moves[roles.FIELD_ENGINEER] == {"parameter_request"}
    assert moves[roles.CUSTOMER_SERVICE] == moves[roles.COMPLIANCE_OFFICER] == set()
    stock = make_terminal()
    assert set(_moves(page(clients[roles.OPERATIONS_MANAGER], stock).content.decode())) == {
        "allocate", "retire", "delete"}
    assert page(clients[roles.ONBOARDING_REVIEWER], terminal).status_code == 200  # may view terminals


def _moves(body: str) -> list[str]:
    import re

    return re.findall(r'data-move="([a-z_]+)"', body)


# --- the move table, both ways ----------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize(("current", "target"), list(itertools.product(STATUSES, STATUSES)))
def test_terminal_move_table_allows_exactly_its_moves(merchant_a, current, target):
    terminal = make_terminal(status=current, merchant=merchant_a)
    allowed = target in TERMINAL_MOVES[current]
    if allowed:
        advance(terminal, to=target, moves=TERMINAL_MOVES, actor=None, action="terminal.allocated")
        terminal.refresh_from_db()
        assert terminal.status == target
        assert events(terminal, "terminal.allocated").get().after == {"status": target}
    else:
        with pytest.raises(TransitionNotAllowed):
            advance(terminal, to=target, moves=TERMINAL_MOVES, actor=None, action="terminal.allocated")
        terminal.refresh_from_db()
        assert terminal.status == current
        assert not events(terminal).exists()


def _call(action, terminal, users, merchant):
    """Each service with valid arguments."""
    manager, engineer = users[roles.OPERATIONS_MANAGER], users[roles.FIELD_ENGINEER]
    today = timezone.localdate()
    calls = {
        "allocate": lambda: svc.terminal_allocate(actor=manager, terminal=terminal, merchant=merchant),
        "survey": lambda: svc.terminal_survey_record(
            actor=engineer, terminal=terminal, surveyed_on=today, power_ok=True, network_type="4g", signal_bars=3,
            counter_position="front", feasible=True, notes=""),
        "ship": lambda: svc.terminal_ship(actor=manager, terminal=terminal, carrier="SF", tracking_number="SF0001"),
        "deliver": lambda: svc.terminal_deliver(actor=engineer, terminal=terminal, arrival_ok=True, arrival_notes=""),
        "install": lambda: installed(terminal, engineer, tid="29B00001"),
        "test": lambda: svc.terminal_test_record(actor=engineer, terminal=terminal, sign_in_ok=True,
                                                 sale_amount=Decimal("0.01"), sale_ok=True, sale_reference="R1",
                                                 void_ok=True, notes=""),
        "activate": lambda: svc.terminal_activate(actor=manager, terminal=terminal),
        "suspend": lambda: svc.terminal_suspend(actor=manager, terminal=terminal, reason="risk", note="chargebacks"),
        "reactivate": lambda: svc.terminal_reactivate(actor=manager, terminal=terminal),
        "repair": lambda: svc.terminal_send_to_repair(actor=manager, terminal=terminal, note="screen broken"),
        "return": lambda: svc.terminal_return_to_stock(actor=manager, terminal=terminal, note="retrieved"),
        "retire": lambda: svc.terminal_retire(actor=manager, terminal=terminal, note="scrapped"),
        "delete": lambda: svc.terminal_delete(actor=manager, terminal=terminal),
    }
    return calls[action]()


REFUSALS = [(action, status) for action in FROM for status in STATUSES if status not in FROM[action]]


@pytest.mark.django_db
@pytest.mark.parametrize(("action", "status"), REFUSALS)
def test_each_service_refuses_statuses_it_does_not_start_from(users, live_a, action, status):
    terminal = make_terminal(status=status, merchant=live_a)
    before = events(terminal).count()
    with pytest.raises(TransitionNotAllowed) as refused:
        _call(action, terminal, users, live_a)
    assert terminal.serial_number in str(refused.value) or "active terminal" in str(refused.value) \
        or "untested" in str(refused.value)
    terminal.refresh_from_db()
    assert terminal.status == status and events(terminal).count() == before


SIMPLE_MOVES = [("suspend", T.ACTIVE, T.SUSPENDED), ("reactivate", T.SUSPENDED, T.ACTIVE),
                *[("repair", s, T.UNDER_REPAIR) for s in (T.ACTIVE, T.SUSPENDED)],
                *[("return", s, T.IN_STOCK) for s in sorted(FROM["return"])],
                *[("retire", s, T.RETIRED) for s in sorted(FROM["retire"])]]


@pytest.mark.django_db
@pytest.mark.parametrize(("action", "status", "target"), SIMPLE_MOVES)
def test_each_service_moves_from_each_status_it_starts_from(users, live_a, action, status, target):
    terminal = make_terminal(status=status, merchant=live_a)
    _call(action, terminal, users, live_a)
    terminal.refresh_from_db()
    assert terminal.status == target
    assert events(terminal).count() == 1


# --- guards and their messages ----------------------------------------------------------------

@pytest.mark.django_db
def test_activating_an_untested_terminal_is_refused_with_a_clear_message(clients, users, live_a):
    terminal = make_terminal(status=T.INSTALLED, merchant=live_a)
    response = post(clients[roles.RISK_ANALYST], "terminal-activate", terminal.pk)
    assert response.status_code == 200
    assert "Activating an untested terminal is refused" in response.content.decode()
    terminal.refresh_from_db()
    assert terminal.status == T.INSTALLED
    tested_without_record = make_terminal(status=T.TESTED, merchant=live_a)
    with pytest.raises(TransitionNotAllowed, match="untested"):
        svc.terminal_activate(actor=users[roles.RISK_ANALYST], terminal=tested_without_record)


@pytest.mark.django_db
def test_a_failed_test_keeps_the_terminal_installed_and_a_later_failure_takes_back_tested(users, live_a, engineer):
    terminal = make_terminal(status=T.INSTALLED, merchant=live_a)
    with pytest.raises(DomainError, match="Describe what failed"):
        svc.terminal_test_record(actor=engineer, terminal=terminal, sign_in_ok=True, sale_amount=Decimal("1.00"),
                                 sale_ok=False, sale_reference="", void_ok=False, notes="")
    test = svc.terminal_test_record(actor=engineer, terminal=terminal, sign_in_ok=True, sale_amount=Decimal("1.00"),
                                    sale_ok=False, sale_reference="", void_ok=False, notes="host declined 96")
    terminal.refresh_from_db()
    assert not test.passed and terminal.status == T.INSTALLED
    assert events(terminal, "terminal.test_failed").get().data["passed"] is False
    svc.terminal_test_record(actor=engineer, terminal=terminal, sign_in_ok=True, sale_amount=Decimal("0.01"),
                             sale_ok=True, sale_reference="R9", void_ok=True, notes="")
    terminal.refresh_from_db()
    assert terminal.status == T.TESTED
    svc.terminal_test_record(actor=engineer, terminal=terminal, sign_in_ok=False, sale_amount=Decimal("0.01"),
                             sale_ok=False, sale_reference="", void_ok=False, notes="no sign-in after update")
    terminal.refresh_from_db()
    assert terminal.status == T.INSTALLED
    with pytest.raises(TransitionNotAllowed, match="untested"):
        svc.terminal_activate(actor=users[roles.RISK_ANALYST], terminal=terminal)
    with pytest.raises(DomainError, match="more than zero"):
        svc.terminal_test_record(actor=engineer, terminal=terminal, sign_in_ok=True, sale_amount=Decimal("0"),
                                 sale_ok=True, sale_reference="R", void_ok=True, notes="")
    with pytest.raises(DomainError, match="test sale amount"):
        svc.terminal_test_record(actor=engineer, terminal=terminal, sign_in_ok=True, sale_amount=0.01,
                                 sale_ok=True, sale_reference="R", void_ok=True, notes="")


@pytest.mark.django_db
def test_editing_the_parameters_of_an_active_terminal_is_refused(clients, users, live_a):
    terminal = make_terminal(status=T.ACTIVE, merchant=live_a, comm_settings=dict(COMM))
    data = {"tid": "29C00001", "settlement_method": "manual", "comm_network": "4g", "comm_host": "h.example",
            "comm_port": "8583", "comm_apn": "", "install_address": "上海市黄浦区南京东路100号"}
    response = post(clients[roles.OPERATIONS_MANAGER], "terminal-parameters", terminal.pk, data)
    assert "cannot be edited directly: use a parameter-change request" in response.content.decode()
    terminal.refresh_from_db()
    assert terminal.tid != "29C00001" and terminal.settlement_method == "auto"


@pytest.mark.django_db
def test_parameters_are_edited_directly_before_go_live_and_a_tested_terminal_needs_a_new_test(users, live_a,
                                                                                              engineer):
    terminal = make_terminal(status=T.TESTED, merchant=live_a, comm_settings=dict(COMM))
    parameters.terminal_parameters_edit(actor=engineer, terminal=terminal, changes={"tid": "29D00001"})
    terminal.refresh_from_db()
    assert terminal.tid == "29D00001" and terminal.status == T.INSTALLED
    edited = events(terminal, "terminal.parameters_edited").get()
    assert edited.after == {"tid": "29D00001"} and edited.before["tid"] != "29D00001"
    with pytest.raises(DomainError, match="Nothing to change"):
        parameters.terminal_parameters_edit(actor=engineer, terminal=terminal, changes={"tid": "29D00001"})
    stock = make_terminal()
    with pytest.raises(TransitionNotAllowed, match="set at installation"):
        parameters.terminal_parameters_edit(actor=engineer, terminal=stock, changes={"tid": "29D00002"})


@pytest.mark.django_db
def test_deleting_an_active_terminal_is_refused_and_an_unused_stock_terminal_can_be_deleted(clients, users,
                                                                                            live_a, manager):
    active = make_terminal(status=T.ACTIVE, merchant=live_a)
    response = post(clients[roles.OPERATIONS_MANAGER], "terminal-delete", active.pk, {"confirm": "on"})
    assert "An active terminal cannot be deleted" in response.content.decode()
    assert Terminal.objects.filter(pk=active.pk).exists()
    unconfirmed = make_terminal()
    response = post(clients[roles.OPERATIONS_MANAGER], "terminal-delete", unconfirmed.pk)
    assert "Tick the box to confirm the deletion." in response.content.decode()
    assert Terminal.objects.filter(pk=unconfirmed.pk).exists()
    response = post(clients[roles.OPERATIONS_MANAGER], "terminal-delete", unconfirmed.pk, {"confirm": "on"})
    assert response.status_code == 302
    assert not Terminal.objects.filter(pk=unconfirmed.pk).exists()
    assert AuditEvent.objects.get(action="terminal.deleted", target_id=str(unconfirmed.pk)).before["serial_number"]
    returned = make_terminal(status=T.SHIPPED, merchant=live_a)
    Shipment.objects.create(terminal=returned, merchant=live_a, carrier="SF", tracking_number="SF9", shipped_by=manager)
    svc.terminal_return_to_stock(actor=manager, terminal=returned, note="lost, found again")
    with pytest.raises(TransitionNotAllowed, match="never placed"):
        svc.terminal_delete(actor=manager, terminal=returned)


@pytest.mark.django_db
def test_allocating_to_an_unapproved_merchant_or_one_without_a_contract_is_refused(clients, users, merchant_b,
                                                                                  manager):
    terminal = make_terminal()
    ops = clients[roles.OPERATIONS_MANAGER]
    response = post(ops, "terminal-allocate", terminal.pk, {"merchant": merchant_b.pk})  # a draft merchant
    assert "Allocating to an unapproved merchant is refused" in response.content.decode()
    with pytest.raises(DomainError, match="Allocating to an unapproved merchant is refused"):
        svc.terminal_allocate(actor=manager, terminal=terminal, merchant=merchant_b)
    Merchant.objects.filter(pk=merchant_b.pk).update(status=Merchant.Status.APPROVED, address="杭州市西湖区1号")
    response = post(ops, "terminal-allocate", terminal.pk, {"merchant": merchant_b.pk})
    assert "Allocating to a merchant without a countersigned contract is refused" in response.content.decode()
    terminal.refresh_from_db()
    assert terminal.status == T.IN_STOCK and terminal.merchant is None
    assert not events(terminal).exists()


@pytest.mark.django_db
def test_a_live_terminal_cannot_be_re_allocated_and_its_serial_number_cannot_change(users, live_a, manager):
    terminal = make_terminal(status=T.ACTIVE, merchant=live_a)
    with pytest.raises(TransitionNotAllowed, match="active terminal cannot be re-allocated"):
        svc.terminal_allocate(actor=manager, terminal=terminal, merchant=live_a)
    with pytest.raises(TransitionNotAllowed, match="serial number of an active terminal cannot change"):
        svc.terminal_serial_correct(actor=manager, terminal=terminal, serial_number="SNX0001", reason="typo")
    stock = make_terminal()
    svc.terminal_serial_correct(actor=manager, terminal=stock, serial_number="sn-fixed-01", reason="typo in intake")
    stock.refresh_from_db()
    assert stock.serial_number == "SN-FIXED-01"


@pytest.mark.django_db
def test_roles_without_the_permission_cannot_make_moves(clients, users, live_a):
    terminal = make_terminal()
    with pytest.raises(NotPermitted):
        svc.terminal_allocate(actor=users[roles.FIELD_ENGINEER], terminal=terminal, merchant=live_a)
    assert post(clients[roles.FIELD_ENGINEER], "terminal-allocate", terminal.pk, {"merchant": live_a.pk}
                ).status_code == 403
    assert post(clients[roles.CUSTOMER_SERVICE], "terminal-retire", terminal.pk, {"note": "x"}).status_code == 403
    with pytest.raises(NotPermitted):
        svc.terminal_suspend(actor=None, terminal=make_terminal(status=T.ACTIVE, merchant=live_a), reason="risk",
                             note="no actor")


@pytest.mark.django_db
def test_the_system_suspends_for_unpaid_rent(live_a):
    terminal = make_terminal(status=T.ACTIVE, merchant=live_a)
    svc.terminal_suspend(actor=None, terminal=terminal, reason=Terminal.SuspendReason.UNPAID_RENT,
                         note="rent of 2024-01 unpaid for 30 days")
    terminal.refresh_from_db()
    assert terminal.status == T.SUSPENDED and terminal.suspend_reason == "unpaid_rent"
    assert events(terminal, "terminal.suspended").get().actor is None


@pytest.mark.django_db
def test_infeasible_survey_sends_the_terminal_back_to_stock_with_the_reason_audited(users, live_a, engineer, manager):
    terminal = make_terminal()
    svc.terminal_allocate(actor=manager, terminal=terminal, merchant=live_a)
    with pytest.raises(DomainError, match="Say why"):
        svc.terminal_survey_record(actor=engineer, terminal=terminal, surveyed_on=timezone.localdate(),
                                   power_ok=False, network_type="none", signal_bars=None, counter_position="",
                                   feasible=False, notes="")
    with pytest.raises(DomainError, match="without power"):
        svc.terminal_survey_record(actor=engineer, terminal=terminal, surveyed_on=timezone.localdate(),
                                   power_ok=False, network_type="4g", signal_bars=1, counter_position="",
                                   feasible=True, notes="")
    survey = svc.terminal_survey_record(actor=engineer, terminal=terminal, surveyed_on=timezone.localdate(),
                                        power_ok=False, network_type="none", signal_bars=None, counter_position="",
                                        feasible=False, notes="no socket near the counter", photos=[png_file()])
    terminal.refresh_from_db()
    assert terminal.status == T.IN_STOCK and terminal.merchant is None and terminal.install_address == ""
    assert terminal.deposit_state == Terminal.Deposit.NONE
    event = events(terminal, "terminal.survey_infeasible").get()
    assert event.data["reason"] == "no socket near the counter" and event.merchant_id == live_a.pk
    assert survey.photos.count() == 1


@pytest.mark.django_db
def test_a_damaged_delivery_returns_the_terminal_to_stock(users, live_a, engineer):
    terminal = make_terminal(status=T.SHIPPED, merchant=live_a, custodian=Terminal.Custodian.COURIER)
    shipment = Shipment.objects.create(terminal=terminal, merchant=live_a, carrier="SF", tracking_number="SF77",
                                       shipped_by=users[roles.OPERATIONS_MANAGER])
    with pytest.raises(DomainError, match="Describe the damage"):
        svc.terminal_deliver(actor=engineer, terminal=terminal, arrival_ok=False, arrival_notes="")
    svc.terminal_deliver(actor=engineer, terminal=terminal, arrival_ok=False, arrival_notes="screen cracked")
    terminal.refresh_from_db()
    shipment.refresh_from_db()
    assert terminal.status == T.IN_STOCK and terminal.custodian == Terminal.Custodian.WAREHOUSE
    assert terminal.merchant is None and shipment.arrival_ok is False and shipment.delivered_at
    assert events(terminal, "terminal.returned_damaged").get().data["arrival_notes"] == "screen cracked"


@pytest.mark.django_db
def test_installation_checks_tid_format_and_uniqueness_next_to_the_field(clients, users, live_a, engineer):
    make_terminal(status=T.ACTIVE, merchant=live_a, tid="29E00001")
    terminal = make_terminal(status=T.DELIVERED, merchant=live_a, install_address=live_a.address)
    with pytest.raises(DomainError, match="already used by terminal") as refused:
        installed(terminal, engineer, tid="29E00001")
    assert refused.value.field == "tid"
    with pytest.raises(DomainError, match="exactly 8 characters"):
        installed(terminal, engineer, tid="29e0001")
    with pytest.raises(DomainError, match="supports only"):
        installed(terminal, engineer, comm_settings={"network": "dialup", "host": "h", "port": 1})
    response = post(clients[roles.FIELD_ENGINEER], "terminal-install", terminal.pk, install_form(tid="29E00001"))
    body = response.content.decode()
    assert response.status_code == 200 and escape("TID 29E00001 is already used by terminal") in body
    assert 'id="id_install_tid"' in body and "is-invalid" in body
    response = post(clients[roles.FIELD_ENGINEER], "terminal-install", terminal.pk,
                    install_form(admin_password_again="different"))
    assert "The two passwords differ." in response.content.decode()
    Merchant.objects.filter(pk=live_a.pk).update(mid=None)
    with pytest.raises(DomainError, match="no merchant number"):
        installed(terminal, engineer)
    terminal.refresh_from_db()
    assert terminal.status == T.DELIVERED and terminal.tid is None


@pytest.mark.django_db
def test_the_admin_password_is_never_on_the_page_nor_in_the_audit_trail(clients, users, live_a):
    terminal = make_terminal(status=T.DELIVERED, merchant=live_a, install_address=live_a.address)
    response = post(clients[roles.FIELD_ENGINEER], "terminal-install", terminal.pk, install_form())
    assert response.status_code == 302
    terminal.refresh_from_db()
    assert check_password(PASSWORD, terminal.admin_password_hash)
    for role in (roles.OPERATIONS_MANAGER, roles.FIELD_ENGINEER):
        body = page(clients[role], terminal).content.decode()
        assert PASSWORD not in body and terminal.admin_password_hash not in body
        assert "set (stored only as a hash)" in body
    body = page(clients["auditor"], terminal, "audit").content.decode()
    assert PASSWORD not in body and terminal.admin_password_hash not in body
    trail = json.dumps(list(AuditEvent.objects.values("before", "after", "data")), ensure_ascii=False)
    assert PASSWORD not in trail and terminal.admin_password_hash not in trail
    assert events(terminal, "terminal.installed").get().data["admin_password_set"] is True
    svc.terminal_return_to_stock(actor=users[roles.OPERATIONS_MANAGER], terminal=terminal, note="retrieved")
    terminal.refresh_from_db()
    assert terminal.admin_password_hash == "" and terminal.tid is None and terminal.merchant is None
    assert terminal.comm_settings == {} and terminal.mid == "" and terminal.custodian == Terminal.Custodian.WAREHOUSE


# --- repair, reactivation ---------------------------------------------------------------------

@pytest.mark.django_db
def test_repair_releases_the_tid_and_a_repaired_terminal_gets_it_back_unless_taken_over(users, live_a, manager):
    terminal = to_active(make_terminal(), live_a, users, tid="29F00001")
    svc.terminal_send_to_repair(actor=manager, terminal=terminal, note="card reader fails")
    terminal.refresh_from_db()
    assert terminal.status == T.UNDER_REPAIR and terminal.tid is None and terminal.custodian == "repair"
    svc.terminal_reactivate(actor=manager, terminal=terminal)
    terminal.refresh_from_db()
    assert terminal.status == T.ACTIVE and terminal.tid == "29F00001"
    svc.terminal_send_to_repair(actor=manager, terminal=terminal, note="again")
    make_terminal(status=T.ACTIVE, merchant=live_a, tid="29F00001")  # a replacement took the TID over
    with pytest.raises(DomainError, match="taken over"):
        svc.terminal_reactivate(actor=manager, terminal=terminal)
    svc.terminal_retire(actor=manager, terminal=terminal, note="beyond repair")
    terminal.refresh_from_db()
    assert terminal.status == T.RETIRED and terminal.merchant is None


# --- parameter changes: four eyes -------------------------------------------------------------

@pytest.mark.django_db
def test_parameter_change_needs_approval_by_another_person(clients, users, live_a, manager, engineer):
    terminal = to_active(make_terminal(), live_a, users)
    data = {"tid": "29G00001", "settlement_method": "auto", "comm_network": "wifi", "comm_host": "pos2.example",
            "comm_port": "9000", "comm_apn": "", "install_address": terminal.install_address,
            "reason": "merchant moved to Wi-Fi"}
    response = post(clients[roles.FIELD_ENGINEER], "parameter-change-request", terminal.pk, data)
    assert response.status_code == 302
    change = ParameterChange.objects.get(terminal=terminal)
    assert change.status == ParameterChange.Status.PENDING
    assert change.before == {"tid": "29A00001", "comm_settings": COMM}
    assert change.after == {"tid": "29G00001", "comm_settings": {"network": "wifi", "host": "pos2.example",
                                                                 "port": 9000}}
    terminal.refresh_from_db()
    assert terminal.tid == "29A00001"  # nothing applied yet
    with pytest.raises(DomainError, match="already waiting"):
        parameters.parameter_change_request(actor=engineer, terminal=terminal, changes={"tid": "29G00002"},
                                            reason="again!")
    assert post(clients[roles.FIELD_ENGINEER], "parameter-change-approve", change.pk).status_code == 403

    own = make_terminal(status=T.ACTIVE, merchant=live_a, comm_settings=dict(COMM))
    mine = parameters.parameter_change_request(actor=manager, terminal=own, changes={"settlement_method": "manual"},
                                        reason="merchant asked in writing")
    body = page(clients[roles.OPERATIONS_MANAGER], own).content.decode()
    assert "another person must approve it" in body
    response = post(clients[roles.OPERATIONS_MANAGER], "parameter-change-approve", mine.pk)
    assert "Four eyes" in response.content.decode()
    mine.refresh_from_db()
    assert mine.status == ParameterChange.Status.PENDING

    response = post(clients[roles.OPERATIONS_MANAGER], "parameter-change-approve", change.pk, {"note": "ok"})
    assert response.status_code == 302
    change.refresh_from_db()
    terminal.refresh_from_db()
    assert change.status == ParameterChange.Status.APPROVED and change.decided_by == manager
    assert terminal.tid == "29G00001" and terminal.comm_settings["network"] == "wifi"
    applied = events(terminal, "terminal.parameters_changed").get()
    assert applied.before["tid"] == "29A00001" and applied.after["tid"] == "29G00001"
    assert AuditEvent.objects.filter(action="parameter_change.approved", data__terminal=terminal.pk).exists()
    body = page(clients[roles.OPERATIONS_MANAGER], terminal).content.decode()
    assert 'data-action="parameter_change.approved"' in body and 'data-action="terminal.parameters_changed"' in body

    response = post(clients[roles.OPERATIONS_MANAGER], "parameter-change-reject", mine.pk, {"note": ""})
    assert "Please give a note of at least 3 characters." in response.content.decode()
    post(clients[roles.OPERATIONS_MANAGER], "parameter-change-reject", mine.pk, {"note": "not in the contract"})
    mine.refresh_from_db()
    own.refresh_from_db()
    assert mine.status == ParameterChange.Status.REJECTED and own.settlement_method == "auto"
    with pytest.raises(TransitionNotAllowed, match="already"):
        parameters.parameter_change_approve(actor=users[roles.OPERATIONS_MANAGER], change=change)


@pytest.mark.django_db
def test_a_stale_parameter_change_is_refused(users, live_a, engineer, manager):
    terminal = make_terminal(status=T.ACTIVE, merchant=live_a, comm_settings=dict(COMM))
    change = parameters.parameter_change_request(actor=engineer, terminal=terminal, changes={"tid": "29H00001"},
                                          reason="re-keying")
    Terminal.objects.filter(pk=terminal.pk).update(tid="29H00009")
    with pytest.raises(DomainError, match="changed since this request"):
        parameters.parameter_change_approve(actor=manager, change=change)
    with pytest.raises(TransitionNotAllowed, match="active or suspended"):
        parameters.parameter_change_request(actor=engineer, terminal=make_terminal(), changes={"tid": "29H00002"},
                                     reason="not live")


# --- who sees what ----------------------------------------------------------------------------

@pytest.mark.django_db
def test_merchant_users_get_403_on_ops_and_audit_pages_and_merchant_b_never_reads_a_terminal(clients, users, live_a):
    terminal = make_terminal(status=T.ACTIVE, merchant=live_a)
    for name in ("merchant_a", "merchant_b"):
        assert page(clients[name], terminal).status_code == 403
        assert page(clients[name], terminal, "audit").status_code == 403
        assert post(clients[name], "terminal-suspend", terminal.pk, {"reason": "risk", "note": "x"}
                    ).status_code == 403
    assert terminal_get(actor=users["merchant_a"], pk=terminal.pk) == terminal
    with pytest.raises(Http404):
        terminal_get(actor=users["merchant_b"], pk=terminal.pk)
    assert terminal_timeline(actor=users["merchant_b"], terminal=terminal)["events"] == []


@pytest.mark.django_db
def test_auditor_reads_the_page_without_forms_and_downloads_photos_audited(clients, users, live_a, engineer,
                                                                          manager):
    terminal = make_terminal()
    svc.terminal_allocate(actor=manager, terminal=terminal, merchant=live_a)
    svc.terminal_survey_record(actor=engineer, terminal=terminal, surveyed_on=timezone.localdate(), power_ok=True,
                               network_type="wifi", signal_bars=5, counter_position="bar", feasible=True, notes="",
                               photos=[png_file("counter.png")])
    photo = TerminalPhoto.objects.get(terminal=terminal)
    body = page(clients["auditor"], terminal, "audit").content.decode()
    assert "terminal-move" not in body and "counter.png" in body
    assert reverse("audit:terminal-photo", kwargs={"pk": photo.pk}) in body
    assert clients["auditor"].post(reverse("audit:terminal-detail", kwargs={"pk": terminal.pk})).status_code == 405
    response = clients[roles.CUSTOMER_SERVICE].get(reverse("ops:terminal-photo", kwargs={"pk": photo.pk}))
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert clients["merchant_a"].get(reverse("ops:terminal-photo", kwargs={"pk": photo.pk})).status_code == 403
    assert events(terminal, "terminal.photo_downloaded").get().data["photo"] == photo.pk
    assert not photo.stored_name.startswith("/") and photo.stored_name.startswith("terminals/")


@pytest.mark.django_db
def test_terminal_page_keeps_a_constant_number_of_queries_as_the_timeline_grows(clients, users, live_a, manager,
                                                                                engineer,
                                                                                django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    terminal = to_active(make_terminal(), live_a, users)
    ops = clients[roles.OPERATIONS_MANAGER]

    def grow(start, n):
        for i in range(start, start + n):
            svc.terminal_suspend(actor=manager, terminal=terminal, reason="fault", note=f"fault {i}")
            svc.terminal_reactivate(actor=manager, terminal=terminal)
            change = parameters.parameter_change_request(actor=engineer, terminal=terminal,
                                                  changes={"install_address": f"上海市黄浦区中山东一路{i + 2}号"},
                                                  reason="address corrected")
            parameters.parameter_change_approve(actor=manager, change=change)

    grow(0, 1)
    with CaptureQueriesContext(connection) as few:
        assert page(ops, terminal).status_code == 200
    grow(1, 6)
    assert events(terminal).count() > 25
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = page(ops, terminal).content.decode()
    assert body.count('class="timeline-event"') > 40


# --- demo -------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_demo_reaches_every_state_through_the_services_and_is_idempotent(users, merchant_a, merchant_b, manager):
    from terminals.demo import lifecycle as demo_lifecycle

    make_live_merchant(merchant_a, manager)
    make_live_merchant(merchant_b, manager)
    staff = {"ops": manager, "engineer": users[roles.FIELD_ENGINEER], "risk": users[roles.RISK_ANALYST]}
    demo_lifecycle.seed(staff=staff, merchant_a=merchant_a, merchant_b=merchant_b)
    counts = (Terminal.objects.count(), AuditEvent.objects.count(), ParameterChange.objects.count())
    demo_lifecycle.seed(staff=staff, merchant_a=merchant_a, merchant_b=merchant_b)
    assert (Terminal.objects.count(), AuditEvent.objects.count(), ParameterChange.objects.count()) == counts
    demo = Terminal.objects.filter(serial_number__startswith="DEMOLC-")
    assert set(demo.values_list("status", flat=True)) == set(STATUSES)
    for merchant in (merchant_a, merchant_b):
        assert demo.filter(merchant=merchant, status=T.ACTIVE).count() >= 2
        assert demo.filter(merchant=merchant, status=T.SUSPENDED).exists()
        assert demo.filter(merchant=merchant, status=T.UNDER_REPAIR).exists()
        assert AuditEvent.objects.filter(action="terminal.retired", data__merchant=merchant.pk).exists()
    for terminal in demo.exclude(status=T.IN_STOCK):
        assert events(terminal).exists(), terminal  # every move went through a service
    assert ParameterChange.objects.filter(status="pending").count() == 1
    assert ParameterChange.objects.filter(status="approved").count() == 1


def test_installation_coordinates_feed_the_location_flag(users, live_a, engineer):
    """Coordinates taken at installation are where later activity is compared: used in Beijing, a terminal
    installed in Shanghai is flagged for risk monitoring."""
    from datetime import datetime, timedelta

    from terminals.models import HealthFlag
    from terminals.services.health import terminal_report_activity

    terminal = make_terminal(status=T.DELIVERED, merchant=live_a)
    installed(terminal, engineer, latitude=Decimal("31.240000"), longitude=Decimal("121.490000"))
    terminal.refresh_from_db()
    assert terminal.install_latitude == Decimal("31.240000")
    at = timezone.now() - timedelta(minutes=5)
    assert terminal_report_activity(terminal=terminal, at=at, latitude=Decimal("31.241"),
                                    longitude=Decimal("121.491")) is None
    flag = terminal_report_activity(terminal=terminal, at=datetime.now(tz=at.tzinfo), latitude=Decimal("39.9087"),
                                    longitude=Decimal("116.3975"))
    assert flag is not None and flag.kind == HealthFlag.Kind.LOCATION
    with pytest.raises(DomainError):
        installed(make_terminal(status=T.DELIVERED, merchant=live_a), engineer, tid="29A00002",
                  latitude=Decimal("31.24"))
