"""Demo terminals in every lifecycle state, reached through the lifecycle services (so the timelines and the
audit trail are real): stock of four models, and for merchants A and B active terminals (at least two each),
suspended, under repair, retired and every step of the way to go-live; one pending and one approved
parameter change.

Called by ``seed_demo`` after the catalog demo; idempotent: a terminal is received (and moved) only when its
serial number is not registered yet.
"""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from terminals.models import Terminal, TerminalModel
from terminals.services import lifecycle as svc
from terminals.services import parameters
from terminals.services.intake import terminal_model_create, terminal_receive

# brand, model, form factor, communications, capabilities, minimum firmware, demo firmware
MODELS = {
    "a920": ("PAX", "A920", "smart", ["4g", "wifi"], ["chip", "magstripe", "contactless", "qr", "printer"], "9.2.0",
             "9.2.1"),
    "me31": ("Newland", "ME31", "countertop", ["ethernet", "wifi", "dialup"], ["chip", "magstripe", "contactless",
                                                                              "printer"], "1.4.0", "1.4.2"),
    "k9": ("Centerm", "K9", "mobile", ["4g", "wifi"], ["chip", "magstripe", "contactless", "qr", "printer"], "3.0.0",
           "3.0.1"),
    "mpos": ("Newland", "ME30S", "mpos", ["wifi"], ["chip", "magstripe", "contactless"], "1.0.5", "1.0.8"),
}
NETWORK = {"a920": "4g", "me31": "ethernet", "k9": "4g", "mpos": "wifi"}

# serial, model, merchant ("a", "b" or None), final state, TID
PLAN = [
    ("DEMOLC-S01", "a920", None, "in_stock", None),
    ("DEMOLC-S02", "me31", None, "in_stock", None),
    ("DEMOLC-S03", "k9", None, "in_stock", None),
    ("DEMOLC-S04", "mpos", None, "in_stock", None),
    ("DEMOLC-S05", "me31", None, "scrapped_from_stock", None),
    ("DEMOLC-A01", "a920", "a", "active", "DA000001"),
    ("DEMOLC-A02", "me31", "a", "active", "DA000002"),
    ("DEMOLC-A03", "k9", "a", "active", "DA000003"),
    ("DEMOLC-A04", "a920", "a", "suspended", "DA000004"),
    ("DEMOLC-A05", "k9", "a", "under_repair", "DA000005"),
    ("DEMOLC-A06", "a920", "a", "retired", "DA000006"),
    ("DEMOLC-A07", "a920", "a", "allocated", None),
    ("DEMOLC-A08", "me31", "a", "surveyed", None),
    ("DEMOLC-A09", "k9", "a", "shipped", None),
    ("DEMOLC-A10", "a920", "a", "delivered", None),
    ("DEMOLC-A11", "me31", "a", "installed", "DA000011"),
    ("DEMOLC-A12", "k9", "a", "tested", "DA000012"),
    ("DEMOLC-A13", "a920", "a", "infeasible", None),
    ("DEMOLC-A14", "k9", "a", "damaged", None),
    ("DEMOLC-B01", "a920", "b", "active", "DB000001"),
    ("DEMOLC-B02", "mpos", "b", "active", "DB000002"),
    ("DEMOLC-B03", "k9", "b", "active", "DB000003"),
    ("DEMOLC-B04", "a920", "b", "suspended", "DB000004"),
    ("DEMOLC-B05", "me31", "b", "under_repair", "DB000005"),
    ("DEMOLC-B06", "k9", "b", "retired", "DB000006"),
    ("DEMOLC-B07", "a920", "b", "allocated", None),
    ("DEMOLC-B08", "mpos", "b", "installed", "DB000008"),
]
# how far each state goes on the way to go-live
STEPS = ["allocated", "surveyed", "shipped", "delivered", "installed", "tested", "active"]
REACHES = {"allocated": 1, "surveyed": 2, "shipped": 3, "delivered": 4, "installed": 5, "tested": 6, "active": 7,
           "suspended": 7, "under_repair": 7, "retired": 7, "infeasible": 1, "damaged": 3}


def _catalog(actor) -> dict[str, TerminalModel]:
    models = {}
    for key, (brand, name, form_factor, comms, caps, minimum, _firmware) in MODELS.items():
        model = TerminalModel.objects.filter(brand__iexact=brand, name__iexact=name).first()
        if model is None:
            model = terminal_model_create(actor=actor, brand=brand, name=name, form_factor=form_factor,
                                          communications=comms, capabilities=caps, min_firmware=minimum)
        models[key] = model
    return models


def _comm(model_key: str, model: TerminalModel) -> dict:
    network = NETWORK[model_key] if NETWORK[model_key] in model.communications else model.communications[0]
    comm = {"network": network, "host": "pos.acquirer.example", "port": 8583}
    if network == "4g":
        comm["apn"] = "cmnet"
    return comm


def _walk(terminal, *, model_key, merchant, final, tid, n, staff) -> None:
    ops, engineer, risk = staff["ops"], staff["engineer"], staff["risk"]
    today = timezone.localdate()
    installed_on = today - timedelta(days=30 + 7 * n)
    reach = REACHES[final]
    svc.terminal_allocate(actor=ops, terminal=terminal, merchant=merchant)
    if final == "infeasible":
        svc.terminal_survey_record(actor=engineer, terminal=terminal, surveyed_on=today - timedelta(days=2),
                                   power_ok=False, network_type="none", signal_bars=None,
                                   counter_position="地下一层收银台 / basement counter", feasible=False,
                                   notes="地下室无信号且无电源 / no signal and no socket in the basement")
        return
    if reach >= 2:
        svc.terminal_survey_record(actor=engineer, terminal=terminal, surveyed_on=installed_on - timedelta(days=5),
                                   power_ok=True, network_type=NETWORK[model_key], signal_bars=4,
                                   counter_position="收银台右侧 / right of the till", feasible=True, notes="")
    if reach >= 3:
        svc.terminal_ship(actor=ops, terminal=terminal, carrier="顺丰速运 SF Express",
                          tracking_number=f"SF{1300000000 + n * 7919}")
    if final == "damaged":
        svc.terminal_deliver(actor=engineer, terminal=terminal, arrival_ok=False,
                             arrival_notes="外壳破裂，退回仓库 / casing cracked, returned to the warehouse")
        return
    if reach >= 4:
        svc.terminal_deliver(actor=engineer, terminal=terminal, arrival_ok=True, arrival_notes="包装完好 / box intact")
    if reach >= 5:
        svc.terminal_install(actor=engineer, terminal=terminal, installed_on=installed_on, tid=tid,
                             settlement_method=None, comm_settings=_comm(model_key, terminal.model),
                             admin_password=f"Demo-{tid}-pw", install_address=merchant.address)
    if final == "installed":
        svc.terminal_test_record(actor=engineer, terminal=terminal, sign_in_ok=True, sale_amount=Decimal("0.01"),
                                 sale_ok=False, sale_reference="", void_ok=False,
                                 notes="测试交易被拒（返回码 96）/ test sale declined (code 96)")
        return
    if reach >= 6:
        svc.terminal_test_record(actor=engineer, terminal=terminal, sign_in_ok=True, sale_amount=Decimal("0.01"),
                                 sale_ok=True, sale_reference=f"T{n:05d}01", void_ok=True, notes="")
    if reach >= 7:
        svc.terminal_activate(actor=risk, terminal=terminal)
    if final == "suspended":
        svc.terminal_suspend(actor=risk, terminal=terminal,
                             reason=Terminal.SuspendReason.MERCHANT_REQUEST,
                             note="商户装修暂停营业 / shop closed for renovation")
    elif final in ("under_repair", "retired"):
        svc.terminal_send_to_repair(actor=ops, terminal=terminal, note="读卡器故障 / card reader fault")
        if final == "retired":
            svc.terminal_retire(actor=ops, terminal=terminal, note="主板损坏无法维修 / main board beyond repair")


def _parameter_changes(staff) -> None:
    ops, engineer = staff["ops"], staff["engineer"]
    approved = Terminal.objects.filter(serial_number="DEMOLC-A02", status=Terminal.Status.ACTIVE).first()
    if approved is not None and not approved.parameter_changes.exists():
        change = parameters.parameter_change_request(
            actor=engineer, terminal=approved, changes={"comm_settings": {**approved.comm_settings, "port": 9443}},
            reason="收单主机端口变更 / host port changed to TLS")
        parameters.parameter_change_approve(actor=ops, change=change, note="已核对 / checked")
    pending = Terminal.objects.filter(serial_number="DEMOLC-A01", status=Terminal.Status.ACTIVE).first()
    if pending is not None and not pending.parameter_changes.exists():
        parameters.parameter_change_request(
            actor=engineer, terminal=pending,
            changes={"install_address": f"{pending.install_address}（二号收银台 / till 2）"[:300]},
            reason="商户将终端移至二号收银台 / merchant moved the terminal to till 2")


def seed(*, staff: dict, merchant_a, merchant_b) -> None:
    models = _catalog(staff["ops"])
    merchants = {"a": merchant_a, "b": merchant_b}
    for n, (serial, model_key, owner, final, tid) in enumerate(PLAN, start=1):
        if Terminal.objects.filter(serial_number=serial).exists():
            continue
        firmware = MODELS[model_key][6]
        terminal = terminal_receive(actor=staff["ops"], model=models[model_key], serial_number=serial,
                                    firmware_version=firmware, key_check_value=f"{0xC0FFEE - n:06X}",
                                    key_injected_on=timezone.localdate() - timedelta(days=200))
        if final == "scrapped_from_stock":
            svc.terminal_retire(actor=staff["ops"], terminal=terminal, note="运输中受潮 / water damage in transit")
        elif owner is not None:
            merchant = merchants[owner]
            merchant.refresh_from_db()
            _walk(terminal, model_key=model_key, merchant=merchant, final=final, tid=tid, n=n, staff=staff)
    _parameter_changes(staff)
