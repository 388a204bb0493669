"""Reads of rent charges, deposits and health flags, always through ``acquirer.access.scope``."""

from datetime import timedelta

from django.db.models import Count, Q, Sum
from django.utils import timezone

from acquirer.access import get_scoped, scope
from terminals.models import DepositMovement, HealthFlag, RentCharge, Terminal
from terminals.selectors.registry import merchants_named

RENT_ORDER = ("-month", "-id")
HEALTH_ORDER = ("-raised_at", "-id")


def rent_charge_list(*, actor, filters: dict | None = None):
    """Rent charges, newest month first; ``filters``: month (first day), status, merchant (name, MID or id)."""
    filters = filters or {}
    qs = scope(RentCharge.objects.select_related("terminal__model", "merchant"), actor)
    if filters.get("month"):
        qs = qs.filter(month=filters["month"])
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    term = (filters.get("merchant") or "").strip()
    if term:
        match = Q(merchant_id__in=merchants_named(term))
        if term.isdigit() and len(term) <= 9:
            match |= Q(merchant_id=int(term))
        qs = qs.filter(match)
    return qs.order_by(*RENT_ORDER)


def rent_totals(charges, count) -> list[dict] | None:
    """Count and Decimal sum per status and currency of a charge list (one query); None when the list has
    more rows than its bounded ``count`` could count (the sums would read the whole table: filter first)."""
    if not count.exact:
        return None
    rows = (charges.order_by().values("status", "currency")
            .annotate(count=Count("id"), total=Sum("amount")).order_by("status", "currency"))
    labels = dict(RentCharge.Status.choices)
    return [{**row, "label": labels.get(row["status"], row["status"])} for row in rows]


def rent_charge_get(*, actor, pk: int) -> RentCharge:
    return get_scoped(RentCharge.objects.select_related("terminal", "merchant"), actor, pk=pk)


def terminal_money_get(*, actor, pk: int) -> Terminal:
    return get_scoped(Terminal.objects.select_related("model", "merchant"), actor, pk=pk)


def deposit_movement_list(*, actor, terminal: Terminal):
    return (scope(DepositMovement.objects.select_related("merchant", "recorded_by"), actor)
            .filter(terminal_id=terminal.pk).order_by("-recorded_at", "-id"))


def terminal_rent_list(*, actor, terminal: Terminal):
    return scope(RentCharge.objects.all(), actor).filter(terminal_id=terminal.pk).order_by("-month")


def health_flag_list(*, actor, kind: str = "", open_days: int | None = None):
    """Open health flags, newest first, with their terminal, model and merchant (one query); ``open_days`` keeps
    those raised more than that many days ago."""
    qs = scope(HealthFlag.objects.select_related("terminal__model", "merchant"), actor).filter(
        cleared_at__isnull=True)
    if kind:
        qs = qs.filter(kind=kind)
    if open_days:
        qs = qs.filter(raised_at__lt=timezone.now() - timedelta(days=open_days))
    return qs.order_by(*HEALTH_ORDER)


def health_flag_get(*, actor, pk: int) -> HealthFlag:
    return get_scoped(HealthFlag.objects.select_related("terminal"), actor, pk=pk)


def health_flag_list_count(*, actor) -> dict[str, int]:
    """Open flags per kind (one query)."""
    rows = (scope(HealthFlag.objects.filter(cleared_at__isnull=True), actor).order_by()
            .values("kind").annotate(count=Count("id")))
    counts = dict.fromkeys(HealthFlag.Kind.values, 0)
    counts.update({row["kind"]: row["count"] for row in rows})
    return counts
