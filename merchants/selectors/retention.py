"""What retention (``acquirer.retention``) needs to know of a merchant's records: when the relationship ended and
which merchant a typed id names. Published for the record types of ``merchants/plugin.py`` and
``transactions/plugin.py``."""

from datetime import date

from django.utils import timezone

from merchants.models import Merchant


def merchant_relationship_ended_on(merchant: Merchant) -> date | None:
    """The day the relationship ended: the day a terminated merchant was terminated, or a rejected application was
    rejected; None while it goes on (nothing of the merchant's may be deleted then)."""
    if merchant.status in (Merchant.Status.TERMINATED, Merchant.Status.REJECTED):
        return timezone.localdate(merchant.status_changed_at)
    return None


def merchant_for_record_id(record_id: str) -> Merchant | None:
    """The merchant a person names by its merchant number (MID) or its id; None when there is none."""
    record_id = (record_id or "").strip()
    if not record_id:
        return None
    found = Merchant.objects.filter(mid=record_id).first()
    if found is None and record_id.isdigit() and len(record_id) < 16:
        found = Merchant.objects.filter(pk=int(record_id)).first()
    return found
