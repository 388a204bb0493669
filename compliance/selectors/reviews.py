"""Reading access reviews (always through ``acquirer.access.scope``)."""

from django.db.models import Count, Q
from django.utils import timezone

from acquirer.access import get_scoped, scope
from acquirer.calendar import add_working_days
from compliance.models import AccessReview, AccessReviewItem

REVIEW_ORDER = ("-started_on", "-id")
DUE_WORKING_DAYS = 20


def half_year(day) -> tuple:
    """The half-year ``day`` falls in: its name ("2026-H2") and first day."""
    return (f"{day.year}-H1", day.replace(month=1, day=1)) if day.month <= 6 else (
        f"{day.year}-H2", day.replace(month=7, day=1))


def current_period(today=None) -> str:
    return half_year(today or timezone.localdate())[0]


def review_list(*, actor):
    return scope(AccessReview.objects.all(), actor).annotate(
        items_count=Count("items"), pending_count=Count("items", filter=Q(items__decision="pending")),
        revoked_count=Count("items", filter=Q(items__decision="revoked")))


def review_get(*, actor, pk: int) -> AccessReview:
    return get_scoped(AccessReview.objects.select_related("completed_by", "created_by"), actor, pk=pk)


def review_items(*, actor, review: AccessReview):
    return scope(AccessReviewItem.objects.filter(review=review), actor).select_related(
        "user", "decided_by").order_by("user__username", "id")


def review_item_get(*, actor, pk: int) -> AccessReviewItem:
    return get_scoped(AccessReviewItem.objects.select_related("review", "user"), actor, pk=pk)


def review_current_exists(*, actor, today=None) -> bool:
    return scope(AccessReview.objects.filter(period=current_period(today)), actor).exists()


def access_review_overdue_count(*, actor, today=None) -> int:
    """Open campaigns past their due date, plus one when this half-year has no campaign 20 working days into it
    (two queries)."""
    today = today or timezone.localdate()
    period, start = half_year(today)
    reviews = scope(AccessReview.objects.all(), actor)
    overdue = reviews.filter(status=AccessReview.Status.OPEN, due_on__lt=today).count()
    if today > add_working_days(start, DUE_WORKING_DAYS) and not reviews.filter(period=period).exists():
        overdue += 1
    return overdue
