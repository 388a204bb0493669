"""Reads of KYC documents and on-site inspections, always through ``acquirer.access.scope``."""

from django.db.models import Max, Prefetch
from django.utils import timezone

from acquirer.access import get_scoped, scope
from merchants.models import Inspection, InspectionPhoto, Merchant, MerchantDocument


def document_list(*, actor, merchant: Merchant):
    """The merchant's documents, current ones first within each kind, newest first."""
    qs = scope(MerchantDocument.objects.select_related("uploaded_by", "decided_by"), actor)
    return qs.filter(merchant_id=merchant.pk).order_by("kind", "superseded", "-uploaded_at", "-id")


def document_get(*, actor, pk: int) -> MerchantDocument:
    return get_scoped(MerchantDocument.objects.select_related("merchant"), actor, pk=pk)


def inspection_list(*, actor, merchant: Merchant | None = None):
    """Inspection records (newest first) with inspector and photos; one merchant's or all."""
    qs = scope(Inspection.objects.select_related("merchant", "inspector")
               .prefetch_related(Prefetch("photos", queryset=InspectionPhoto.objects.order_by("id"))), actor)
    if merchant is not None:
        qs = qs.filter(merchant_id=merchant.pk)
    return qs.order_by("-performed_on", "-id")


def inspection_photo_get(*, actor, pk: int) -> InspectionPhoto:
    return get_scoped(InspectionPhoto.objects.select_related("inspection__merchant"), actor, pk=pk)


PLAN_ORDER = ("next_inspection_due", "id")  # served by the index merchant_inspection_due_idx
LIVE = [Merchant.Status.ACTIVE, Merchant.Status.SUSPENDED]


def inspection_plan(*, actor, overdue: bool = False):
    """Merchants with an inspection due, overdue first (terminated ones are no longer inspected); ``overdue``
    keeps only those whose inspection is past due."""
    qs = scope(Merchant.objects.filter(next_inspection_due__isnull=False), actor)
    if overdue:
        qs = qs.filter(next_inspection_due__lt=timezone.localdate())
    return qs.exclude(status=Merchant.Status.TERMINATED).order_by(*PLAN_ORDER)


def inspection_unplanned(*, actor):
    """Live merchants with no inspection planned (activation plans one, so these are exceptions to fix)."""
    return scope(Merchant.objects.filter(next_inspection_due__isnull=True, status__in=LIVE), actor).order_by("id")


def last_inspection_dates(*, actor, merchant_ids: list[int]) -> dict:
    """The latest inspection date of each listed merchant: one grouped query over a page's merchants."""
    rows = (scope(Inspection.objects.filter(merchant_id__in=merchant_ids), actor)
            .order_by().values("merchant_id").annotate(last=Max("performed_on")).values_list("merchant_id", "last"))
    return dict(rows)
