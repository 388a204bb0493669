"""Gate matrix samples of the rent, deposit and health URLs: merchant A's active terminal with a rent charge
and an open health flag."""

from datetime import date
from decimal import Decimal

from django.utils import timezone

from terminals.models import HealthFlag, RentCharge, Terminal
from tests.terminals.factories import make_terminal


def build(ctx) -> None:
    terminal = make_terminal(status=Terminal.Status.ACTIVE, merchant=ctx["merchant_a"],
                             rent_start=date(2024, 1, 1))
    month = timezone.localdate().replace(day=1)
    ctx["money_terminal_a"] = terminal
    ctx["rent_charge_a"] = RentCharge.objects.create(terminal=terminal, merchant=ctx["merchant_a"], month=month,
                                                     amount=Decimal("30.00"), due_on=month.replace(day=10))
    ctx["health_flag_a"] = HealthFlag.objects.create(terminal=terminal, merchant=ctx["merchant_a"],
                                                     kind=HealthFlag.Kind.STALE, details={"days_silent": 9})


def samples(ctx) -> dict:
    return {
        "ops:rent-paid": {"pk": ctx["rent_charge_a"].pk},
        "ops:rent-waive": {"pk": ctx["rent_charge_a"].pk},
        "ops:rent-credit": {"pk": ctx["rent_charge_a"].pk},
        "ops:deposit-take": {"pk": ctx["money_terminal_a"].pk},
        "ops:deposit-refund": {"pk": ctx["money_terminal_a"].pk},
        "ops:health-clear": {"pk": ctx["health_flag_a"].pk},
    }
