"""Reads of the merchant's home page (``portal:home``): sales today, this month and per day over the last 30 days,
the next payout and the risk holds in force. Each figure is one aggregate query over a bounded date window of the
merchant's own rows (``acquirer.access.scope``), whatever the data."""

from datetime import date, timedelta

from django.db.models import Count, Min, Sum
from django.utils import timezone

from acquirer.access import scope
from acquirer.lists import start_of_local_day
from transactions.models import SettlementBatch, SettlementHold, Transaction

CHART_DAYS = 30
SALE_TYPES = ("sale", "completion")
UPCOMING = (SettlementBatch.Status.OPEN, SettlementBatch.Status.IN_PAYOUT)
IN_FORCE = (SettlementHold.Status.ACTIVE, SettlementHold.Status.RELEASE_REQUESTED)


def merchant_sales(*, actor, merchant_id: int, today: date | None = None) -> dict:
    """Approved sales (sales and completions) of the merchant: ``today`` and ``month`` as ``{"count", "minor"}``
    and ``days``, the last :data:`CHART_DAYS` days (every day, zero included) as ``{"day", "count", "minor"}``.
    One GROUP BY per local date over at most 31 days (the merchant's index, two partitions at most)."""
    today = today or timezone.localdate()
    month_start = today.replace(day=1)
    first = min(month_start, today - timedelta(days=CHART_DAYS - 1))
    rows = (scope(Transaction.objects.all(), actor)
            .filter(merchant_id=merchant_id, local_date__gte=first, local_date__lte=today, status="approved",
                    type__in=SALE_TYPES,
                    at__gte=start_of_local_day(first) - timedelta(days=1),
                    at__lt=start_of_local_day(today + timedelta(days=2)))
            .values("local_date").annotate(count=Count("id"), minor=Sum("amount_minor")).order_by("local_date"))
    found = {row["local_date"]: row for row in rows}

    def figure(day: date) -> dict:
        row = found.get(day, {})
        return {"day": day, "count": row.get("count") or 0, "minor": row.get("minor") or 0}

    days = [figure(today - timedelta(days=n)) for n in range(CHART_DAYS - 1, -1, -1)]
    month = [figure(month_start + timedelta(days=n)) for n in range((today - month_start).days + 1)]
    return {"today": figure(today), "days": days,
            "month": {"count": sum(d["count"] for d in month), "minor": sum(d["minor"] for d in month)}}


def next_payout(*, actor, today: date | None = None) -> dict | None:
    """The next payout of the merchant: the earliest payout date on or after ``today`` of its batches still to be
    paid, with the sum of their payouts and their count (one query); None when nothing is due."""
    today = today or timezone.localdate()
    row = (scope(SettlementBatch.objects.all(), actor)
           .filter(status__in=UPCOMING, payout_date__gte=today)
           .values("payout_date").annotate(minor=Sum("payout_minor"), batches=Count("id"))
           .order_by("payout_date").first())
    return row


def holds_in_force(*, actor) -> dict:
    """The merchant's risk holds still in force (active or waiting for release): how many, how much they have
    kept back so far, and the earliest review date (one aggregate query)."""
    return (scope(SettlementHold.objects.all(), actor).filter(status__in=IN_FORCE)
            .aggregate(count=Count("id"), held_minor=Sum("held_minor"), review_date=Min("review_date")))
