"""Reads of the ingest subdomain: the ingested files (ops and auditors; a merchant sees none) and the accounts a
bank statement may be for."""

from acquirer.access import get_scoped, scope
from merchants.models import SettlementAccount
from transactions.models import ClearingAccount, IngestFile

INGEST_FILE_ORDER = ("-created_at", "-id")


def ingest_file_list(*, actor, filters: dict | None = None):
    filters = filters or {}
    rows = scope(IngestFile.objects.select_related("uploaded_by"), actor)
    if filters.get("kind"):
        rows = rows.filter(kind=filters["kind"])
    if filters.get("status"):
        rows = rows.filter(status=filters["status"])
    return rows.order_by(*INGEST_FILE_ORDER)


def ingest_file_get(*, actor, pk: int) -> IngestFile:
    return get_scoped(IngestFile.objects.select_related("uploaded_by"), actor, pk=pk)


def registered_account(*, number_hash: str) -> dict | None:
    """The registered account with this keyed hash: a merchant's settlement account in use or one of our clearing
    accounts in use (``{"merchant_id": …, "clearing_account_id": …, "masked": …}``), else None. Used by the ingest
    (a system read, not an actor's)."""
    account = (SettlementAccount.objects.filter(account_number_hash=number_hash, status=SettlementAccount.Status.ACTIVE)
               .values("merchant_id", "account_number_masked").first())
    if account:
        return {"merchant_id": account["merchant_id"], "clearing_account_id": None,
                "masked": account["account_number_masked"]}
    clearing = (ClearingAccount.objects.filter(account_number_hash=number_hash, active=True)
                .values("id", "account_number_masked").first())
    if clearing:
        return {"merchant_id": None, "clearing_account_id": clearing["id"], "masked": clearing["account_number_masked"]}
    return None
