"""Builders for terminal tests. Terminals are put straight into a status here (test set-up only);
the lifecycle services themselves are tested in test_lifecycle.py."""

import itertools
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from merchants.models import Merchant
from terminals.models import Terminal, TerminalModel

_seq = itertools.count(1)
CHANNELS = ("debit", "credit", "unionpay_qr", "contactless", "other_qr")


def make_model(brand: str = "PAX", name: str | None = None, **fields) -> TerminalModel:
    return TerminalModel.objects.create(
        brand=brand, name=name or f"A{next(_seq)}", form_factor=fields.pop("form_factor", "smart"),
        communications=fields.pop("communications", ["4g", "wifi"]),
        capabilities=fields.pop("capabilities", ["chip", "magstripe", "contactless", "qr", "printer"]),
        min_firmware=fields.pop("min_firmware", "1.2.0"), **fields)


def make_terminal(*, status: str = Terminal.Status.IN_STOCK, merchant: Merchant | None = None,
                  model: TerminalModel | None = None, **fields) -> Terminal:
    n = next(_seq)
    placed = status not in (Terminal.Status.IN_STOCK, Terminal.Status.UNDER_REPAIR, Terminal.Status.RETIRED)
    defaults = {"serial_number": f"SN{n:08d}", "firmware_version": "1.2.0"}
    if placed and merchant is not None and status in (Terminal.Status.INSTALLED, Terminal.Status.TESTED,
                                                      Terminal.Status.ACTIVE, Terminal.Status.SUSPENDED):
        defaults.update(tid=f"{n:08d}", mid=merchant.mid or "", settlement_method="auto",
                        install_address=merchant.address or "上海市黄浦区1号",
                        custodian=Terminal.Custodian.MERCHANT)
    defaults.update(fields)
    return Terminal.objects.create(model=model or make_model(), status=status, merchant=merchant, **defaults)


def make_live_merchant(merchant: Merchant, manager, *, status: str = Merchant.Status.ACTIVE,
                       monthly_rent: Decimal = Decimal("30.00"), deposit: Decimal = Decimal("500.00"),
                       start_date=None) -> Merchant:
    """Put a (fixture) merchant in ``status`` with a MID and a countersigned contract in force."""
    from merchants.models import Contract, ContractFee

    mid = merchant.mid or f"89829005812{next(_seq):04d}"
    Merchant.objects.filter(pk=merchant.pk).update(status=status, mid=mid, merchant_type="enterprise",
                                                   address=merchant.address or "上海市黄浦区中山东一路1号",
                                                   region_code="2900", mcc="5812")
    merchant.refresh_from_db()
    today = timezone.localdate()
    contract = Contract.objects.create(
        merchant=merchant, version=1, currency="CNY", created_by=manager, deposit=deposit, monthly_rent=monthly_rent,
        settlement_cycle="T+1", settlement_method="auto", start_date=start_date or today - timedelta(days=60),
        end_date=today + timedelta(days=670), status=Contract.Status.ACTIVE, text="test", text_sha256="0" * 64)
    ContractFee.objects.bulk_create([ContractFee(contract=contract, channel=c, rate_percent=Decimal("0.5"))
                                     for c in CHANNELS])
    return merchant
