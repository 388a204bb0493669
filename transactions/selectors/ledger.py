"""Reads of the ledger: the transaction search (ops, portal, audit), one transaction, and a merchant's daily sales.

Every read goes through ``acquirer.access.scope``. The search is a keyset list on (``at``, ``id``) descending and
stays fast at tens of millions of rows because every filter it offers is either led by an index or bounded by a
date range on ``local_date`` (the partition key, so only the months it covers are read):

* RRN — the (``rrn``) index; no date range is needed (a look-up of one transaction);
* merchant — (``merchant_id``, ``at``, ``id``); terminal (TID) — (``terminal_id``, ``at``, ``id``);
* last four — (``last4``, ``at``, ``id``), migration ``0004_ledger_search_last4``;
* no leading filter — (``at``, ``id``), read newest first;
* channel, type, status and amount range narrow the rows that one of those scans reads, inside the date range.

Without an RRN the date range defaults to the last :data:`DEFAULT_DAYS` days, and a range is at most
:data:`MAX_DAYS` long (the form says so). There is never a full count: the page says "more than 1,000"."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from acquirer.access import get_scoped, scope
from acquirer.lists import start_of_local_day
from transactions.models import Transaction

TRANSACTION_ORDER = ("-at", "-id")
DEFAULT_DAYS = 31  # the date range of a search that names none (and no RRN)
MAX_DAYS = 92  # the longest date range a search may ask for (three months: at most four partitions)
SALES_DAYS = 30  # the portal chart
# What the list shows (``acquirer.lists.shown``): the columns of a row, nothing else.
ROW_FIELDS = ("local_date", "local_time", "mid", "tid", "type", "channel", "bin", "last4", "amount_minor",
              "fee_minor", "net_minor", "currency", "rrn", "status", "merchant_id")
SETTLED_TYPES = ("sale", "completion", "refund")


def yuan_to_minor(value: Decimal | None) -> int | None:
    """12.34 (yuan) -> 1234 (fen), rounded half up at the fen."""
    if value is None:
        return None
    return int((Decimal(value) * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def default_range(today: date | None = None) -> tuple[date, date]:
    """The last :data:`DEFAULT_DAYS` days, today included."""
    today = today or timezone.localdate()
    return today - timedelta(days=DEFAULT_DAYS - 1), today


@dataclass(frozen=True)
class Search:
    """A search after its defaults: the date range it reads (None for an RRN look-up across dates)."""

    first: date | None
    last: date | None


def search_range(filters: dict) -> Search:
    """The date range a search reads: the one asked for (cut to :data:`MAX_DAYS`), else the last
    :data:`DEFAULT_DAYS` days, unless an RRN is given without dates."""
    first, last = filters.get("date_from"), filters.get("date_to")
    if not first and not last:
        if filters.get("rrn"):
            return Search(None, None)
        first, last = default_range()
    elif not first:
        first = last - timedelta(days=DEFAULT_DAYS - 1)
    elif not last:
        last = min(first + timedelta(days=DEFAULT_DAYS - 1), timezone.localdate())
    if last < first:
        first, last = last, first
    if (last - first).days >= MAX_DAYS:
        first = last - timedelta(days=MAX_DAYS - 1)
    return Search(first, last)


def transaction_list(*, actor, filters: dict) -> QuerySet:
    """The transactions ``actor`` may see that match ``filters`` (the keys of the search form, all optional):
    ``merchant_id`` (int), ``terminal_ids`` (ints: a TID resolved by the caller with :func:`terminal_ids_for`),
    ``date_from``/``date_to`` (local dates), ``amount_min``/``amount_max`` (yuan, Decimal), ``channel``, ``type``,
    ``status``, ``rrn``, ``last4``. Order: newest first (:data:`TRANSACTION_ORDER`)."""
    rows = scope(Transaction.objects.all(), actor)
    window = search_range(filters)
    if window.first is not None:
        # local_date prunes the partitions; the instants bound the index range on ``at``
        rows = rows.filter(local_date__gte=window.first, local_date__lte=window.last,
                           at__gte=start_of_local_day(window.first) - timedelta(days=1),
                           at__lt=start_of_local_day(window.last + timedelta(days=1)) + timedelta(days=1))
    if filters.get("merchant_id"):
        rows = rows.filter(merchant_id=filters["merchant_id"])
    if filters.get("terminal_ids") is not None:
        rows = rows.filter(terminal_id__in=filters["terminal_ids"])
    for name in ("channel", "type", "status", "rrn", "last4"):
        if filters.get(name):
            rows = rows.filter(**{name: filters[name]})
    if filters.get("amount_min") is not None:
        rows = rows.filter(amount_minor__gte=yuan_to_minor(filters["amount_min"]))
    if filters.get("amount_max") is not None:
        rows = rows.filter(amount_minor__lte=yuan_to_minor(filters["amount_max"]))
    return rows.order_by(*TRANSACTION_ORDER)


def terminal_ids_for(*, actor, tid: str) -> list[int]:
    """The ids of the terminals with TID ``tid`` that ``actor`` may see (one query; usually one id)."""
    from terminals.models import Terminal

    return list(scope(Terminal.objects.filter(tid=tid), actor).values_list("pk", flat=True)[:10])


def merchant_id_for(*, actor, mid: str) -> int | None:
    """The id of the merchant with MID ``mid`` that ``actor`` may see (0 when there is none: matches nothing)."""
    from merchants.models import Merchant

    found = scope(Merchant.objects.filter(mid=mid), actor).values_list("pk", flat=True).first()
    return found or 0


def transaction_get(*, actor, local_date: date, pk: int) -> Transaction:
    """One transaction (its partition named by ``local_date``); another merchant's is a 404, like a missing one."""
    return get_scoped(Transaction.objects.select_related("merchant", "terminal"), actor, local_date=local_date,
                      pk=pk)


def daily_sales(*, actor, merchant_id: int, last: date | None = None, days: int = SALES_DAYS) -> list[dict]:
    """Per local date of the ``days`` days up to ``last`` (default today): the approved sales (sales and
    completions) and refunds of the merchant, in minor units, one dict per day (days without sales included).
    One GROUP BY over at most ``days`` days of one merchant (the merchant's index, two partitions at most)."""
    last = last or timezone.localdate()
    first = last - timedelta(days=days - 1)
    rows = (scope(Transaction.objects.all(), actor)
            .filter(merchant_id=merchant_id, local_date__gte=first, local_date__lte=last, status="approved",
                    type__in=SETTLED_TYPES,
                    at__gte=start_of_local_day(first) - timedelta(days=1),
                    at__lt=start_of_local_day(last + timedelta(days=2)))
            .values("local_date")
            .annotate(sales=Sum("amount_minor", filter=Q(type__in=("sale", "completion"))),
                      refunds=Sum("amount_minor", filter=Q(type="refund")), count=Count("id"))
            .order_by("local_date"))
    found = {row["local_date"]: row for row in rows}
    days_out = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        row = found.get(day, {})
        days_out.append({"day": day, "sales_minor": row.get("sales") or 0, "refunds_minor": row.get("refunds") or 0,
                         "count": row.get("count") or 0})
    return days_out


def resolve_filters(*, actor, cleaned: dict) -> dict:
    """The search form's cleaned data as :func:`transaction_list` filters: the MID and the TID typed in become the
    merchant's and the terminals' ids (one small query each, only when given)."""
    filters = {key: value for key, value in cleaned.items() if value not in (None, "") and key not in ("mid", "tid")}
    if cleaned.get("mid"):
        filters["merchant_id"] = merchant_id_for(actor=actor, mid=cleaned["mid"])
    if cleaned.get("tid"):
        filters["terminal_ids"] = terminal_ids_for(actor=actor, tid=cleaned["tid"])
    return filters
