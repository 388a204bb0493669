"""Reads of settlement: batches (ops, portal "Payouts", audit), payout files, and what a statement is made of."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Q, QuerySet, Sum

from acquirer.access import get_scoped, scope
from transactions.models import PayoutFile, SettlementBatch, Transaction

BATCH_ORDER = ("-settlement_date", "-id")  # indexes batch_merchant_date and batch_date_id (migration 0004)
PAYOUT_FILE_ORDER = ("-payout_date", "-id")
PAID = (SettlementBatch.Status.IN_PAYOUT, SettlementBatch.Status.PAID)


def batch_list(*, actor, filters: dict | None = None) -> QuerySet:
    """Batches ``actor`` may see; ``filters``: ``merchant_id``, ``date_from``/``date_to`` (transaction date),
    ``payout_date``, ``status``."""
    filters = filters or {}
    rows = scope(SettlementBatch.objects.select_related("merchant"), actor)
    if filters.get("merchant_id") is not None:
        rows = rows.filter(merchant_id=filters["merchant_id"])
    if filters.get("date_from"):
        rows = rows.filter(settlement_date__gte=filters["date_from"])
    if filters.get("date_to"):
        rows = rows.filter(settlement_date__lte=filters["date_to"])
    if filters.get("payout_date"):
        rows = rows.filter(payout_date=filters["payout_date"])
    if filters.get("status"):
        rows = rows.filter(status=filters["status"])
    return rows.order_by(*BATCH_ORDER)


def batches_due(*, actor, on: date) -> QuerySet:
    """Open batches with a payout due on or before ``on`` (what the next payout file takes)."""
    return scope(SettlementBatch.objects.all(), actor).filter(status=SettlementBatch.Status.OPEN,
                                                              payout_minor__gt=0, payout_date__lte=on)


def payout_file_list(*, actor) -> QuerySet:
    """Payout files: staff and auditors only (they list every merchant's payouts); a merchant sees none."""
    if not actor.is_authenticated or actor.kind not in ("staff", "auditor"):
        return PayoutFile.objects.none()
    return PayoutFile.objects.select_related("created_by").order_by(*PAYOUT_FILE_ORDER)


def payout_file_get(*, actor, pk: int) -> PayoutFile:
    return get_scoped(payout_file_list(actor=actor), actor, pk=pk)


@dataclass
class Statement:
    """A merchant's statement for ``first``..``last`` (transaction dates): the batches of the period and their
    totals in minor units, and the hold reasons the merchant may read."""

    merchant: object
    first: date
    last: date
    batches: list = field(default_factory=list)
    totals: dict = field(default_factory=dict)
    hold_reasons: list = field(default_factory=list)


def month_range(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return first, last


def statement_get(*, actor, merchant, first: date, last: date) -> Statement:
    """The statement of ``merchant`` (which ``actor`` may see: the caller got it through a selector)."""
    batches = list(batch_list(actor=actor, filters={"merchant_id": merchant.pk, "date_from": first,
                                                    "date_to": last}).order_by("settlement_date", "id"))
    sums = {"sales": 0, "refunds": 0, "fees": 0, "held": 0, "net": 0, "paid": 0, "to_pay": 0, "carried": 0,
            "transactions": 0}
    for batch in batches:
        sums["sales"] += batch.sales_minor
        sums["refunds"] += batch.refunds_minor
        sums["fees"] += batch.fees_minor
        sums["held"] += batch.held_minor
        sums["net"] += batch.net_minor
        sums["transactions"] += batch.transactions
        if batch.status in PAID:
            sums["paid"] += batch.payout_minor
        elif batch.status == SettlementBatch.Status.OPEN:
            sums["to_pay"] += batch.payout_minor
        if batch.net_minor < 0:
            sums["carried"] += batch.net_minor
    reasons = list(dict.fromkeys(batch.hold_reason for batch in batches if batch.hold_reason))
    return Statement(merchant=merchant, first=first, last=last, batches=batches, totals=sums, hold_reasons=reasons)


def statement_transactions(*, actor, merchant_id: int, first: date, last: date) -> QuerySet:
    """The merchant's ledger rows of the period, oldest first (the statement CSV)."""
    return (scope(Transaction.objects.all(), actor)
            .filter(merchant_id=merchant_id, local_date__gte=first, local_date__lte=last)
            .order_by("at", "id"))


def unsettled_total(*, actor, merchant_id: int, first: date, last: date) -> int:
    """Approved sales and refunds of the period not yet in a batch (today's, say), in minor units."""
    found = (scope(Transaction.objects.all(), actor)
             .filter(Q(type__in=("sale", "completion", "refund")), merchant_id=merchant_id, local_date__gte=first,
                     local_date__lte=last, status="approved", settlement_batch_id__isnull=True)
             .aggregate(total=Sum("net_minor")))
    return found["total"] or 0
