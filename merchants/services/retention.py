"""Disposal of a merchant's onboarding file once its retention period is over (``compliance`` asks
``acquirer.retention.require_deletable`` first; this service only deletes). What goes: the KYC documents (the
encrypted files and their rows). What stays: the merchant row itself (transactions, contracts and the audit trail
point at it) — the file is emptied, not the merchant forgotten."""

from django.db import transaction
from django.utils.translation import gettext as _

from acquirer import audit, files
from acquirer.exceptions import DomainError
from acquirer.models import User
from merchants.models import Merchant, MerchantDocument
from merchants.selectors.retention import merchant_relationship_ended_on


def merchant_file_dispose(actor: User, merchant: Merchant) -> int:
    """Delete the KYC documents of a merchant whose relationship has ended; returns how many. Audited."""
    with transaction.atomic():
        merchant = Merchant.objects.select_for_update().get(pk=merchant.pk)
        if merchant_relationship_ended_on(merchant) is None:
            raise DomainError(_("The relationship with this merchant has not ended: its file is kept."))
        documents = list(MerchantDocument.objects.filter(merchant=merchant).values_list("pk", "stored_name"))
        MerchantDocument.objects.filter(pk__in=[pk for pk, _name in documents]).delete()
        audit.record("merchant.file_disposed", actor=actor, target=merchant, data={"documents": len(documents)})
        stored = [name for _pk, name in documents if name]
        transaction.on_commit(lambda: [files.delete_stored(name) for name in stored])
    return len(documents)
