"""Complaint reports: what a period's complaints add up to. Every figure is one aggregate query (GROUP BY or filtered
aggregates) over the actor's scope, so a page costs the same number of queries whatever the data.

The period is a range of local dates (Asia/Shanghai), both ends included. Which complaints count:

* volume, medians, reopen rate and satisfaction: the complaints **received** in the period;
* SLA attainment: the complaints whose first-response (resolution) target fell **due** in the period, up to now;
  a target is met when its breach stamp (``*_breached_at``, set by the SLA job) is empty;
* the monthly trend: the last 12 calendar months up to the period's end, each month's received, resolved and
  breached (the first breach of either clock) complaints."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Aggregate, Avg, Count, DurationField, ExpressionWrapper, F, FloatField, Func, Q, Value
from django.db.models.functions import Least, TruncMonth
from django.utils import timezone

from acquirer.access import get_scoped, scope
from acquirer.lists import start_of_local_day
from complaints.models import Complaint, RegulatorReport
from complaints.models.common import Channel, in_language

TOP_MERCHANTS = 10
BREACHED_SHOWN = 50
TREND_MONTHS = 12


class Median(Aggregate):
    """PostgreSQL's ``percentile_cont(0.5) WITHIN GROUP (ORDER BY …)``: the median of a number."""

    function = "percentile_cont"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def _hours(start: str, end: str):
    """``end - start`` in hours, as a number PostgreSQL can take the median of."""
    interval = ExpressionWrapper(F(end) - F(start), output_field=DurationField())
    return Func(interval, template="EXTRACT(EPOCH FROM %(expressions)s) / 3600.0", output_field=FloatField())


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    @property
    def start(self) -> datetime:
        return start_of_local_day(self.first)

    @property
    def end(self) -> datetime:
        return start_of_local_day(self.last + timedelta(days=1))

    @classmethod
    def this_month(cls, today: date | None = None) -> "Period":
        today = today or timezone.localdate()
        return cls(today.replace(day=1), today)

    @classmethod
    def month(cls, first: date) -> "Period":
        first = first.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return cls(first, following - timedelta(days=1))


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _complaints(actor, filters: dict | None = None):
    """The actor's complaints, narrowed by the report's filters (``category``: a main category or its
    subcategory, by id; ``channel``: a channel code)."""
    rows = scope(Complaint.objects.all(), actor)
    filters = filters or {}
    if filters.get("category"):
        category = filters["category"]
        rows = rows.filter(Q(category_id=category) | Q(subcategory_id=category))
    if filters.get("channel"):
        rows = rows.filter(channel=filters["channel"])
    return rows


def _received(actor, period: Period, filters: dict | None = None):
    return _complaints(actor, filters).filter(received_at__gte=period.start, received_at__lt=period.end)


def volume_by_category(*, actor, period: Period, filters: dict | None = None) -> list[dict]:
    rows = (_received(actor, period, filters).values("category_id", "category__name_zh", "category__name_en")
            .annotate(count=Count("id")).order_by("-count", "category_id"))
    return [{"id": row["category_id"], "name": in_language(row["category__name_zh"], row["category__name_en"]),
             "count": row["count"]} for row in rows]


def volume_by_channel(*, actor, period: Period, filters: dict | None = None) -> list[dict]:
    labels = dict(Channel.choices)
    rows = _received(actor, period, filters).values("channel").annotate(count=Count("id")).order_by("-count", "channel")
    return [{"code": row["channel"], "name": str(labels.get(row["channel"], row["channel"])), "count": row["count"]}
            for row in rows]


def volume_by_merchant(*, actor, period: Period, filters: dict | None = None,
                       limit: int = TOP_MERCHANTS) -> list[dict]:
    rows = (_received(actor, period, filters).filter(merchant__isnull=False)
            .values("merchant_id", "merchant__legal_name").annotate(count=Count("id"))
            .order_by("-count", "merchant_id")[:limit])
    return [{"id": row["merchant_id"], "name": row["merchant__legal_name"], "count": row["count"]} for row in rows]


def sla_attainment(*, actor, period: Period, filters: dict | None = None, now: datetime | None = None) -> dict:
    """Targets due in the period (up to ``now``) and how many were met."""
    until = min(period.end, now or timezone.now())
    first_due = Q(first_response_due__gte=period.start, first_response_due__lt=until)
    resolution_due = Q(resolution_due__gte=period.start, resolution_due__lt=until)
    counted = _complaints(actor, filters).filter(first_due | resolution_due).exclude(status=Complaint.Status.REJECTED)
    # (aggregate names differ from the fields: an aggregate named like a field would shadow it in the filters)
    totals = counted.aggregate(
        n_first_due=Count("id", filter=first_due),
        n_first_met=Count("id", filter=first_due & Q(first_response_breached_at__isnull=True)),
        n_resolution_due=Count("id", filter=resolution_due),
        n_resolution_met=Count("id", filter=resolution_due & Q(resolution_breached_at__isnull=True)),
    )
    figures = {key[2:]: value for key, value in totals.items()}
    figures["first_share"] = _share(figures["first_met"], figures["first_due"])
    figures["resolution_share"] = _share(figures["resolution_met"], figures["resolution_due"])
    figures["first_missed"] = figures["first_due"] - figures["first_met"]
    figures["resolution_missed"] = figures["resolution_due"] - figures["resolution_met"]
    return figures


def period_summary(*, actor, period: Period, filters: dict | None = None) -> dict:
    """Received, medians (hours, plain elapsed time), reopen rate and satisfaction of the period's complaints."""
    answered = Q(first_response_at__isnull=False)
    resolved = Q(resolved_at__isnull=False)
    rated = Q(rating__isnull=False)
    figures = _received(actor, period, filters).aggregate(
        received=Count("id"),
        resolved=Count("id", filter=resolved),
        reopened=Count("id", filter=resolved & Q(reopen_count__gt=0)),
        rejected=Count("id", filter=Q(status=Complaint.Status.REJECTED)),
        median_first_hours=Median(_hours("received_at", "first_response_at"), filter=answered),
        median_resolution_hours=Median(_hours("received_at", "resolved_at"), filter=resolved),
        rating_count=Count("id", filter=rated),
        rating_average=Avg("rating", filter=rated),
        **{f"rating_{n}": Count("id", filter=Q(rating=n)) for n in range(1, 6)},
    )
    for key in ("median_first_hours", "median_resolution_hours", "rating_average"):
        if figures[key] is not None:
            figures[key] = round(float(figures[key]), 1)
    figures["reopen_share"] = _share(figures["reopened"], figures["resolved"])
    figures["ratings"] = [(n, figures[f"rating_{n}"]) for n in range(1, 6)]
    return figures


def _months_back(last: date, count: int) -> list[date]:
    month = last.replace(day=1)
    months = []
    for _index in range(count):
        months.append(month)
        month = (month - timedelta(days=1)).replace(day=1)
    return months[::-1]


def monthly_trend(*, actor, until: date, filters: dict | None = None, months: int = TREND_MONTHS) -> list[dict]:
    """Received, resolved and breached complaints per calendar month, the last ``months`` months up to ``until``
    (one query: three GROUP BYs joined with UNION ALL)."""
    firsts = _months_back(until, months)
    start = start_of_local_day(firsts[0])
    end = start_of_local_day((until.replace(day=1) + timedelta(days=32)).replace(day=1))
    zone = timezone.get_current_timezone()
    base = _complaints(actor, filters)

    def part(expression, kind: str):
        return (base.annotate(moment=expression).filter(moment__gte=start, moment__lt=end)
                .annotate(month=TruncMonth("moment", tzinfo=zone)).values("month")
                .annotate(kind=Value(kind), count=Count("id")).values_list("month", "kind", "count"))

    breached = Least(F("first_response_breached_at"), F("resolution_breached_at"))
    rows = part(F("received_at"), "received").union(
        part(F("resolved_at"), "resolved"), part(breached, "breached"), all=True)
    table = {month: {"month": month, "received": 0, "resolved": 0, "breached": 0} for month in firsts}
    for month, kind, count in rows:
        key = timezone.localtime(month).date() if isinstance(month, datetime) else month
        if key in table:
            table[key][kind] = count
    return list(table.values())


def breached_complaints(*, actor, period: Period, filters: dict | None = None,
                        limit: int = BREACHED_SHOWN) -> list[Complaint]:
    """Complaints that missed a target in the period (either breach stamp in it), latest first."""
    in_period = (Q(first_response_breached_at__gte=period.start, first_response_breached_at__lt=period.end)
                 | Q(resolution_breached_at__gte=period.start, resolution_breached_at__lt=period.end))
    return list(_complaints(actor, filters).filter(in_period).select_related("category", "merchant", "assignee")
                .order_by("-received_at", "-id")[:limit])


@dataclass
class Report:
    period: Period
    by_category: list = field(default_factory=list)
    by_channel: list = field(default_factory=list)
    by_merchant: list = field(default_factory=list)
    sla: dict = field(default_factory=dict)
    summary: dict = field(default_factory=dict)
    trend: list = field(default_factory=list)
    breached: list = field(default_factory=list)


def complaint_report(*, actor, period: Period | None = None, filters: dict | None = None) -> Report:
    """Every figure of the reports page (a constant number of queries)."""
    period = period or Period.this_month()
    scope_of = {"actor": actor, "filters": filters}
    return Report(period=period, by_category=volume_by_category(period=period, **scope_of),
                  by_channel=volume_by_channel(period=period, **scope_of),
                  by_merchant=volume_by_merchant(period=period, **scope_of),
                  sla=sla_attainment(period=period, **scope_of), summary=period_summary(period=period, **scope_of),
                  trend=monthly_trend(until=period.last, **scope_of),
                  breached=breached_complaints(period=period, **scope_of))


# --- the regulator statistics ---------------------------------------------------------------------------------------

REGULATOR_REPORT_ORDER = ("-month", "-version", "-id")


def regulator_report_list(*, actor):
    """Every generated version, newest month first (staff with the report permission and auditors; the views
    gate who comes here)."""

    return scope(RegulatorReport.objects.select_related("generated_by"), actor).order_by(*REGULATOR_REPORT_ORDER)


def regulator_report_get(*, actor, pk: int) -> RegulatorReport:
    return get_scoped(RegulatorReport.objects.all(), actor, pk=pk)
