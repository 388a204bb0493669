"""Reads of KYC documents and on-site inspections, always through ``acquirer.access.scope``."""

from django.db.models import F, Max, Prefetch, Q

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


def inspection_plan(*, actor):
    """Merchants with an inspection due (and live merchants not yet planned), overdue first."""
    qs = scope(Merchant.objects.filter(
        Q(next_inspection_due__isnull=False) | Q(status__in=[Merchant.Status.ACTIVE, Merchant.Status.SUSPENDED])
    ).exclude(status=Merchant.Status.TERMINATED), actor)
    return (qs.annotate(last_inspected_on=Max("inspections__performed_on"))
            .order_by(F("next_inspection_due").asc(nulls_last=True), "legal_name", "id"))
