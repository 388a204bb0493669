"""Reading regulator inspections and their documents (always through ``acquirer.access.scope``)."""

from datetime import timedelta

from django.utils import timezone

from acquirer.access import get_scoped, scope
from acquirer.lists import bounded_count
from compliance.models import Inspection, InspectionDocument

LIST_ORDER = ("-starts_on", "-id")
REPORT_DUE_DAYS = 14


def inspection_list(*, actor, filters: dict | None = None):
    """Inspections, newest first, filtered by status or ``report_due`` (a report due within 14 days or late)."""
    filters = filters or {}
    qs = scope(Inspection.objects.all(), actor)
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("report_due"):
        qs = qs.filter(**_report_due_lookup())
    return qs.order_by(*LIST_ORDER)


def _report_due_lookup() -> dict:
    limit = timezone.localdate() + timedelta(days=REPORT_DUE_DAYS)
    return {"status__in": (Inspection.Status.ON_SITE, Inspection.Status.AWAITING_REPORT),
            "report_due_on__isnull": False, "report_due_on__lte": limit}


def inspection_get(*, actor, pk: int) -> Inspection:
    return get_scoped(Inspection.objects.select_related("created_by"), actor, pk=pk)


def inspection_documents(*, actor, inspection):
    return (scope(InspectionDocument.objects.select_related("provided_by"), actor).filter(inspection=inspection)
            .order_by("requested_on", "id"))


def inspection_document_get(*, actor, pk: int) -> InspectionDocument:
    return get_scoped(InspectionDocument.objects.select_related("inspection"), actor, pk=pk)


def inspection_reports_due_count(*, actor):
    """Inspections whose rectification report is due within 14 days or late and not yet submitted."""
    return bounded_count(scope(Inspection.objects.filter(**_report_due_lookup()), actor))


def inspection_choices(*, actor):
    return scope(Inspection.objects.exclude(status=Inspection.Status.CLOSED), actor).order_by(*LIST_ORDER)
