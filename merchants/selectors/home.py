"""Figures of the merchants app's panel on the ops home page (``merchants.plugin.OPS_HOME_PANELS``): the onboarding
funnel of the last 90 days and the median days from submission to activation, one aggregate query each, through
``acquirer.access.scope``."""

from datetime import timedelta

from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    Subquery,
)
from django.utils import timezone

from acquirer.access import scope
from acquirer.models import AuditEvent
from merchants.models import Merchant

WINDOW_DAYS = 90
M = Merchant.Status
# the stages of the funnel, in the order an application moves through them
FUNNEL = (M.DRAFT, M.SUBMITTED, M.UNDER_REVIEW, M.INFO_REQUESTED, M.APPROVED, M.ACTIVE, M.REJECTED)


class Median(Aggregate):
    """PostgreSQL's ``percentile_cont(0.5) WITHIN GROUP (ORDER BY …)``: the median of a number."""

    function = "percentile_cont"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def onboarding_funnel(*, actor, days: int = WINDOW_DAYS) -> list[tuple[str, int]]:
    """``(status, count)`` per stage of :data:`FUNNEL`, of the applications started in the last ``days`` days, by
    where they stand now (one grouped query; stages without applications count 0)."""
    since = timezone.now() - timedelta(days=days)
    counts = dict(scope(Merchant.objects.filter(created_at__gte=since, status__in=FUNNEL), actor)
                  .order_by().values_list("status").annotate(n=Count("id")))
    return [(status, counts.get(status, 0)) for status in FUNNEL]


def days_to_activation(*, actor, days: int = WINDOW_DAYS) -> dict:
    """The median days from the first submission of the application to going live, over the merchants activated in
    the last ``days`` days (``median`` None when none was), and how many those are (``activated``).

    The merchant row keeps neither moment reliably (``submitted_at`` is the latest resubmission, and
    ``status_changed_at`` moves again on suspension and reactivation), so both come from the append-only audit
    trail: the ``merchant.activated`` event (a reactivation is ``merchant.reactivated``) and the merchant's first
    ``merchant.submitted`` event. One query."""
    since = timezone.now() - timedelta(days=days)
    first_submitted = (AuditEvent.objects.filter(action="merchant.submitted", merchant_id=OuterRef("merchant_id"))
                       .order_by("at", "id").values("at")[:1])
    activations = (scope(AuditEvent.objects.filter(action="merchant.activated", at__gte=since), actor)
                   .annotate(submitted=Subquery(first_submitted)))
    waited = Func(ExpressionWrapper(F("at") - F("submitted"), output_field=DurationField()),
                  template="EXTRACT(EPOCH FROM %(expressions)s) / 86400.0", output_field=FloatField())
    return activations.aggregate(median=Median(waited, filter=Q(submitted__isnull=False)), activated=Count("id"))
