"""Reads of reconciliation runs and breaks, always through ``acquirer.access.scope``: staff and auditors see every
run and break; a merchant user only the breaks of its own merchant (another merchant's break is a 404)."""

from datetime import date, timedelta

from django.contrib.auth.models import Permission
from django.db.models import Count, Q, Sum
from django.utils import timezone

from acquirer.access import get_scoped, scope
from acquirer.lists import bounded_count
from acquirer.models import User
from merchants.models import Merchant
from transactions import roles
from transactions.models import ReconException, ReconRun, ReconSummary
from transactions.workflow import UNRESOLVED

RUN_ORDER = ("-id",)
EXCEPTION_ORDER = ("-created_at", "-id")
EXCEPTION_FIELDS = ("category", "status", "business_date", "mid", "tid", "rrn", "reference", "ours_minor",
                    "theirs_minor", "difference_minor", "currency", "created_at", "run_id", "merchant__legal_name",
                    "assigned_to__username")
AGES = {"1": 1, "3": 3, "7": 7, "30": 30}  # "older than n days"


def recon_run_list(*, actor, filters: dict | None = None):
    """Runs, newest first, filtered by side, status or business date."""
    filters = filters or {}
    qs = scope(ReconRun.objects.select_related("started_by", "superseded_by"), actor)
    if filters.get("side"):
        qs = qs.filter(side=filters["side"])
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("business_date"):
        qs = qs.filter(business_date=filters["business_date"])
    return qs.order_by(*RUN_ORDER)


def recon_run_get(*, actor, pk: int) -> ReconRun:
    return get_scoped(ReconRun.objects.select_related("started_by", "superseded_by"), actor, pk=pk)


def recon_run_superseding(*, actor, run: ReconRun) -> ReconRun | None:
    """The run that ``run`` superseded, if any (the link back from a re-run)."""
    return scope(ReconRun.objects.filter(superseded_by=run), actor).order_by("-id").first()


def recon_run_merchants(*, actor, run: ReconRun) -> list[dict]:
    """Per merchant and category: counts and sums of the run (chunks added up), merchants named."""
    rows = list(scope(ReconSummary.objects.filter(run=run), actor).values("merchant_id", "category")
                .annotate(n=Sum("count"), ours=Sum("ours_minor"), theirs=Sum("theirs_minor"))
                .order_by("merchant_id", "category"))
    names = dict(Merchant.objects.filter(pk__in={row["merchant_id"] for row in rows if row["merchant_id"]})
                 .values_list("pk", "legal_name"))
    merchants: dict = {}
    for row in rows:
        entry = merchants.setdefault(row["merchant_id"], {"merchant_id": row["merchant_id"],
                                                           "name": names.get(row["merchant_id"], ""),
                                                           "categories": {}})
        entry["categories"][row["category"]] = row
    return list(merchants.values())


def recon_exception_list(*, actor, filters: dict | None = None):
    """Breaks, newest first, filtered by status ("unresolved" for all still to work on), category, merchant,
    run and age ("older than n days")."""
    filters = filters or {}
    qs = scope(ReconException.objects.select_related("merchant", "assigned_to"), actor)
    status = filters.get("status")
    if status == "unresolved":
        qs = qs.filter(status__in=UNRESOLVED)
    elif status:
        qs = qs.filter(status=status)
    if filters.get("category"):
        qs = qs.filter(category=filters["category"])
    if filters.get("merchant"):
        qs = qs.filter(merchant_id=filters["merchant"])
    if filters.get("run"):
        qs = qs.filter(run_id=filters["run"])
    if filters.get("age") in AGES:
        qs = qs.filter(created_at__lt=timezone.now() - timedelta(days=AGES[filters["age"]]))
    return qs.order_by(*EXCEPTION_ORDER)


def recon_exception_get(*, actor, pk: int) -> ReconException:
    """One break (404 when missing or another merchant's)."""
    return get_scoped(ReconException.objects.select_related(
        "run", "merchant", "assigned_to", "proposed_by", "approved_by", "clearing_record", "statement_line",
        "settlement_batch"), actor, pk=pk)


def recon_open_count(*, actor):
    """Breaks still to work on, counted up to a limit (the home card)."""
    return bounded_count(recon_exception_list(actor=actor, filters={"status": "unresolved"}))


def recon_breaks_today(*, actor, today: date | None = None):
    """Breaks found today that are still to work on."""
    today = today or timezone.localdate()
    return recon_exception_list(actor=actor, filters={"status": "unresolved"}).filter(
        created_at__date=today)


def recon_breaks_trend(*, actor, days: int = 30, today: date | None = None) -> list[dict]:
    """Breaks found per day over the last ``days`` days (every day, zero included), by category, from runs that
    were not superseded."""
    today = today or timezone.localdate()
    first = today - timedelta(days=days - 1)
    counts = (scope(ReconException.objects.exclude(status=ReconException.Status.SUPERSEDED), actor)
              .filter(business_date__gte=first, business_date__lte=today)
              .values("business_date").annotate(total=Count("id"), open=Count("id", filter=Q(status__in=UNRESOLVED)))
              .order_by("business_date"))
    by_day = {row["business_date"]: row for row in counts}
    return [{"day": first + timedelta(days=n), "total": by_day.get(first + timedelta(days=n), {}).get("total", 0),
             "open": by_day.get(first + timedelta(days=n), {}).get("open", 0)} for n in range(days)]


def recon_exception_assignee_choices(*, actor):
    """Active staff who handle breaks."""
    app_label, codename = roles.HANDLE_EXCEPTION.split(".")
    perms = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    return (scope(User.objects.filter(kind=User.Kind.STAFF, is_active=True), actor)
            .filter(Q(groups__permissions__in=perms) | Q(user_permissions__in=perms) | Q(is_superuser=True))
            .distinct().order_by("username"))


