"""Reading regulatory changes, their tasks and required reading (always through ``acquirer.access.scope``)."""

from django.db.models import Count, Q
from django.utils import timezone

from acquirer.access import get_scoped, scope
from acquirer.lists import bounded_count
from acquirer.models import User
from compliance.models import ChangeTask, ReadingAcknowledgement, RegulatoryChange, Requirement

CHANGE_ORDER = ("-effective_on", "-id")
READING_ORDER = ("-id",)


def change_list(*, actor, status: str = ""):
    rows = scope(RegulatoryChange.objects.all(), actor).annotate(
        readers_count=Count("readers", distinct=True),
        read_count=Count("readers", filter=Q(readers__acknowledged_at__isnull=False), distinct=True))
    if status:
        rows = rows.filter(status=status)
    return rows


def change_get(*, actor, pk: int) -> RegulatoryChange:
    return get_scoped(RegulatoryChange.objects.select_related("created_by"), actor, pk=pk)


def change_requirements(*, actor, change: RegulatoryChange):
    return scope(change.affected_requirements.select_related("framework"), actor).order_by(
        "framework__code", "reference")


def change_tasks(*, actor, change: RegulatoryChange):
    return scope(ChangeTask.objects.filter(change=change), actor).select_related("owner", "done_by").order_by(
        "due_on", "id")


def change_task_get(*, actor, pk: int) -> ChangeTask:
    return get_scoped(ChangeTask.objects.select_related("change", "owner"), actor, pk=pk)


def change_readers(*, actor, change: RegulatoryChange) -> tuple[list, list]:
    """Who acknowledged (with when), and who has not yet."""
    rows = list(scope(ReadingAcknowledgement.objects.filter(change=change), actor).select_related("user")
                .order_by("user__username"))
    return ([row for row in rows if row.acknowledged_at is not None],
            [row for row in rows if row.acknowledged_at is None])


def reading_for(*, actor, change: RegulatoryChange) -> ReadingAcknowledgement | None:
    return scope(ReadingAcknowledgement.objects.filter(change=change, user=actor), actor).first()


def my_reading(*, actor, pending_only: bool = False):
    """The changes ``actor`` was asked to read (the "My reading" page)."""
    rows = scope(ReadingAcknowledgement.objects.filter(user=actor), actor).select_related("change")
    if pending_only:
        rows = rows.filter(acknowledged_at__isnull=True)
    return rows


def reading_overdue(*, actor):
    """Reading not acknowledged after the change's "read by" date."""
    return scope(ReadingAcknowledgement.objects.filter(
        acknowledged_at__isnull=True, change__reading_due_on__lt=timezone.localdate()), actor)


def reading_overdue_count(*, actor):
    return bounded_count(reading_overdue(actor=actor))


def requirement_choices(*, actor):
    return scope(Requirement.objects.select_related("framework"), actor).order_by("framework__code", "reference")


def staff_choices(*, actor):
    return scope(User.objects.filter(is_active=True, kind=User.Kind.STAFF), actor).order_by("username")
