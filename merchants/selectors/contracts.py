"""Reads of contracts and settlement accounts: what a person sees goes through ``acquirer.access.scope``;
the lookups the services (and terminals) need about a merchant they already hold are not scoped."""

from datetime import date

from django.db.models import Prefetch, QuerySet

from acquirer.access import get_scoped, scope
from acquirer.models import User
from merchants.models import Contract, ContractFee, Merchant, SettlementAccount

# A draft (and a draft withdrawn before it was offered) is internal: the merchant never saw its text.
HIDDEN_FROM_MERCHANTS = {"text": ""}


def _contracts(actor):
    qs = scope(Contract.objects.select_related("merchant", "created_by", "accepted_by", "countersigned_by"), actor)
    if actor.is_authenticated and actor.kind == User.Kind.MERCHANT:
        qs = qs.exclude(**HIDDEN_FROM_MERCHANTS)
    return qs


def contract_list(*, actor, merchant: Merchant):
    """Every version of the merchant's contracts, newest first."""
    return _contracts(actor).filter(merchant_id=merchant.pk).order_by("-version")


def contract_get(*, actor, pk: int) -> Contract:
    """One contract with its fee schedule (404 when missing, another merchant's or a merchant's draft)."""
    fees = Prefetch("fees", queryset=ContractFee.objects.order_by("id"))
    return get_scoped(_contracts(actor).prefetch_related(fees), actor, pk=pk)


def settlement_account_list(*, actor, merchant: Merchant):
    return (scope(SettlementAccount.objects.select_related("requested_by", "verified_by", "approved_by"), actor)
            .filter(merchant_id=merchant.pk).order_by("-requested_at", "-id"))


def settlement_account_get(*, actor, pk: int) -> SettlementAccount:
    return get_scoped(SettlementAccount.objects.select_related("merchant", "requested_by", "verified_by",
                                                               "approved_by"), actor, pk=pk)


def settlement_queue(*, actor):
    """Accounts waiting for verification or for the second approval, oldest first."""
    return (scope(SettlementAccount.objects.select_related("merchant", "requested_by", "verified_by"), actor)
            .filter(status__in=[SettlementAccount.Status.PENDING, SettlementAccount.Status.VERIFIED])
            .order_by("requested_at", "id"))


def contract_in_force(merchant: Merchant) -> Contract | None:
    """The countersigned contract of the merchant, if any."""
    return (Contract.objects.filter(merchant_id=merchant.pk, status=Contract.Status.ACTIVE)
            .order_by("-version").first())


def contracts_for_period(merchant_ids, start: date, end: date) -> dict:
    """Per merchant, the countersigned contract whose term (start and end dates included) overlaps
    ``start``..``end`` (the highest version), in one query: merchant id -> the fields rent needs (``id``,
    ``merchant_id``, ``version``, ``monthly_rent``, ``currency``, ``start_date``, ``end_date``) as a named tuple,
    not a model instance: a batch job reads one per merchant of each batch (merchants without one are absent).
    ``merchant_ids`` may be a queryset of ``merchant_id`` values (a subquery: a batch's thousand ids are not sent
    back to the database one parameter each)."""
    if not isinstance(merchant_ids, QuerySet):
        merchant_ids = set(merchant_ids)
    found = (Contract.objects.filter(merchant_id__in=merchant_ids, status=Contract.Status.ACTIVE,
                                     start_date__lte=end, end_date__gte=start)
             .order_by("merchant_id", "-version").distinct("merchant_id")
             .values_list("id", "merchant_id", "version", "monthly_rent", "currency", "start_date", "end_date",
                          named=True))
    return {contract.merchant_id: contract for contract in found}


def settlement_account_active(merchant: Merchant) -> SettlementAccount | None:
    """The approved account the merchant is settled to, if any."""
    return SettlementAccount.objects.filter(merchant_id=merchant.pk, status=SettlementAccount.Status.ACTIVE).first()
