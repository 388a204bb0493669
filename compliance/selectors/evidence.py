"""Reading evidence (always through ``acquirer.access.scope``)."""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from acquirer.access import get_scoped, scope
from acquirer.lists import bounded_count
from compliance.models import Evidence

EXPIRING_DAYS = 30


def evidence_for(*, actor, item=None, finding=None, control=None):
    """The evidence attached to one item, finding or control, newest first, withdrawn last."""
    lookup = {"item": item} if item is not None else {"finding": finding} if finding is not None else {
        "control": control}
    return scope(Evidence.objects.filter(**lookup), actor).select_related("owner", "added_by").order_by(
        "withdrawn_at", "-added_at", "-id")


def evidence_get(*, actor, pk: int) -> Evidence:
    return get_scoped(Evidence.objects.select_related("item__assessment", "finding", "control", "owner"), actor,
                      pk=pk)


def evidence_expiring(*, actor, days: int = EXPIRING_DAYS):
    """Evidence in force that expires within ``days`` (or has expired), soonest first."""
    today = timezone.localdate()
    return scope(Evidence.objects.filter(withdrawn_at__isnull=True, expires_on__isnull=False,
                                         expires_on__lte=today + timedelta(days=days)), actor).order_by(
        "expires_on", "id")


def evidence_expiring_count(*, actor, days: int = EXPIRING_DAYS):
    return bounded_count(evidence_expiring(actor=actor, days=days))


def evidence_in_force(*, actor):
    today = timezone.localdate()
    return scope(Evidence.objects.filter(withdrawn_at__isnull=True).filter(
        Q(expires_on__isnull=True) | Q(expires_on__gte=today)), actor)
