"""Demo firmware, money and health data, built through the real services (so the audit trail is real too):
firmware versions for every catalog model, one running upgrade campaign with mixed outcomes, deposits of
merchant A's and B's active terminals, rent for this month and the previous one (some paid), one stale-check
run and one location flag.

Called by ``seed_demo`` after the terminals exist; idempotent: every step looks before it writes, and the rent
job charges a terminal once per month whatever happens. With no terminal at all it creates nothing.
"""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from merchants.selectors.contracts import contract_in_force
from terminals.models import (
    CampaignTarget,
    DepositMovement,
    FirmwareCampaign,
    FirmwareVersion,
    HealthFlag,
    RentCharge,
    Terminal,
    TerminalModel,
)
from terminals.selectors.firmware import CAMPAIGNABLE, version_key
from terminals.services.firmware import campaign_create, campaign_record_outcome, campaign_start, firmware_version_add
from terminals.services.health import terminal_report_activity, terminals_flag_stale
from terminals.services.money import deposit_take, month_start, rent_charge_month, rent_mark_paid

CAMPAIGN_NAME = "2025 春季固件升级 / Spring firmware upgrade"
# Where a demo terminal was installed (the Bund, Shanghai) and where it was later used (Beijing).
SHANGHAI = (Decimal("31.240000"), Decimal("121.490000"))
BEIJING = (Decimal("39.908700"), Decimal("116.397500"))


def _plain(version: str) -> list[int]:
    parts = list(version_key(version)) or [1]
    return parts + [0] * (3 - len(parts))


def _next_minor(version: str) -> str:
    parts = _plain(version)
    return f"{parts[0]}.{parts[1] + 1}.0"


def _versions(actor) -> dict[int, FirmwareVersion]:
    """The minimum and one newer version per catalog model; returns the newest per model id."""
    today = timezone.localdate()
    newest = {}
    for model in TerminalModel.objects.order_by("pk"):
        base = ".".join(str(part) for part in _plain(model.min_firmware))
        for version, days, notes in ((base, 400, "基线版本 / Baseline release"),
                                     (_next_minor(base), 30, "安全补丁与非接性能优化 / Security fixes, faster "
                                                             "contactless")):
            firmware = FirmwareVersion.objects.filter(model=model, version=version).first()
            if firmware is None:
                firmware = firmware_version_add(actor=actor, model=model, version=version,
                                                released_on=today - timedelta(days=days), release_notes=notes)
            if model.pk not in newest or version_key(firmware.version) > version_key(newest[model.pk].version):
                newest[model.pk] = firmware
    return newest


def _campaign(actor, newest: dict[int, FirmwareVersion]) -> None:
    if FirmwareCampaign.objects.filter(name=CAMPAIGN_NAME).exists():
        return
    for firmware in newest.values():
        target = version_key(firmware.version)
        terminals = [t for t in Terminal.objects.filter(model_id=firmware.model_id, status__in=CAMPAIGNABLE)
                     .order_by("-merchant_id", "serial_number") if version_key(t.firmware_version) < target][:5]
        if len(terminals) < 2:
            continue
        now = timezone.now()
        campaign = campaign_create(actor=actor, name=CAMPAIGN_NAME, firmware=firmware,
                                   window_start=now - timedelta(days=1), window_end=now + timedelta(days=6),
                                   terminals=terminals)
        campaign_start(actor=actor, campaign=campaign)
        targets = list(CampaignTarget.objects.filter(campaign=campaign).select_related("campaign", "terminal")
                       .order_by("id"))
        campaign_record_outcome(actor=actor, target=targets[0], outcome="succeeded", detail="OTA 12 min")
        campaign_record_outcome(actor=actor, target=targets[1], outcome="failed",
                                detail="下载中断，信号弱 / download interrupted, weak signal")
        return


def _deposits(actor, merchants) -> None:
    for terminal in (Terminal.objects.select_related("merchant")
                     .filter(merchant__in=merchants, status=Terminal.Status.ACTIVE)
                     .exclude(deposit_state=Terminal.Deposit.HELD).order_by("pk")):
        if DepositMovement.objects.filter(terminal=terminal).exists():
            continue
        contract = contract_in_force(terminal.merchant)
        if contract is None or contract.deposit <= 0:
            continue
        deposit_take(actor=actor, terminal=terminal, amount=contract.deposit, reference=f"DEP-{terminal.pk:06d}")


def _rent(actor, merchants) -> None:
    """Last month's rent charged and paid, this month's charged and still due (so nothing is suspended)."""
    this_month = month_start()
    previous = month_start(this_month - timedelta(days=1))
    rent_charge_month(month=previous, today=previous)  # as the job ran that month: no overdue check yet
    for charge in RentCharge.objects.filter(merchant__in=merchants, month=previous, status=RentCharge.Status.DUE):
        rent_mark_paid(actor=actor, charge=charge, reference=f"RENT-{charge.month:%Y%m}-{charge.terminal_id}")
    rent_charge_month(month=this_month)


def _location_flag(merchant_a) -> None:
    if HealthFlag.objects.filter(kind=HealthFlag.Kind.LOCATION).exists():
        return
    terminal = (Terminal.objects.filter(merchant=merchant_a, status=Terminal.Status.ACTIVE)
                .order_by("install_latitude", "pk").first())
    if terminal is None:
        return
    if terminal.install_latitude is None:
        # No service records install coordinates yet: the demo geocodes the installation address here.
        Terminal.objects.filter(pk=terminal.pk).update(install_latitude=SHANGHAI[0], install_longitude=SHANGHAI[1])
    terminal_report_activity(terminal=terminal, at=timezone.now() - timedelta(hours=3), latitude=BEIJING[0],
                             longitude=BEIJING[1], kind="transaction")


def seed(*, staff: dict, merchant_a, merchant_b) -> None:
    if not Terminal.objects.exists():
        return
    actor = staff["ops"]
    _campaign(actor, _versions(actor))
    _deposits(actor, [merchant_a, merchant_b])
    _rent(actor, [merchant_a, merchant_b])
    terminals_flag_stale()
    _location_flag(merchant_a)
