"""The merchants app's early-warning figures (``acquirer.registry.WarningCount``, read by the compliance page):
each a bounded count through ``acquirer.access.scope``, in one query, of exactly the rows the linked list shows
(the inspection plan with ``?overdue=1``, the register with ``?attention=<key>``)."""

from datetime import date, timedelta

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from acquirer.lists import bounded_count
from merchants.models import Inspection, Merchant, MerchantDocument
from merchants.selectors.documents import LIVE, inspection_plan

EXPIRING_DAYS = 30  # the same window as the reminder job merchants.document_expiry


def _kyc_expiring() -> Q:
    """Merchants with a current accepted KYC document expired or expiring within 30 days."""
    limit = timezone.localdate() + timedelta(days=EXPIRING_DAYS)
    documents = MerchantDocument.objects.filter(merchant_id=OuterRef("pk"), decision=MerchantDocument.Decision.ACCEPTED,
                                                superseded=False, expires_on__isnull=False, expires_on__lte=limit)
    return Q(Exists(documents)) & ~Q(status=Merchant.Status.TERMINATED)


def _high_risk_uninspected() -> Q:
    """Live high-risk merchants (by their effective rating) with no on-site inspection since 1 January."""
    since = date(timezone.localdate().year, 1, 1)
    inspected = Inspection.objects.filter(merchant_id=OuterRef("pk"), performed_on__gte=since)
    high = Q(risk_override=Merchant.Risk.HIGH) | Q(risk_override="", risk_level=Merchant.Risk.HIGH)
    return high & Q(status__in=LIVE) & ~Q(Exists(inspected))


# ``?attention=<key>`` on the merchant register: (label, condition())
ATTENTION = {
    "kyc-expiring": (_("KYC documents expired or expiring within 30 days"), _kyc_expiring),
    "high-risk-uninspected": (_("High-risk merchants without an on-site inspection this year"),
                              _high_risk_uninspected),
}


def inspections_overdue_count(actor):
    """Merchants whose on-site inspection (planned from their risk rating) is past due: the plan's ``?overdue=1``."""
    return bounded_count(inspection_plan(actor=actor, overdue=True))


def kyc_expiring_count(actor):
    from merchants.selectors.merchants import merchant_list

    return bounded_count(merchant_list(actor=actor, attention="kyc-expiring"))


def high_risk_uninspected_count(actor):
    from merchants.selectors.merchants import merchant_list

    return bounded_count(merchant_list(actor=actor, attention="high-risk-uninspected"))
