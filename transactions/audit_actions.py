"""How the transactions app's audit actions read (``acquirer/audit_text.py``), and which a merchant reads.

Each subdomain keeps its own block (ingest, settlement, reconciliation); ``ACTIONS``, ``FOR_MERCHANTS`` and
``LABELS`` merge them."""

from django.utils.translation import gettext_lazy as _

# ingest ---------------------------------------------------------------------------------------------------------
INGEST_ACTIONS = {
    "transactions.partitions_created": _("Ledger partitions were created ahead"),
    "ingest.uploaded": _("%(actor)s uploaded the file %(target)s for ingest"),
    "ingest.completed": _("%(actor)s ingested the file %(target)s: %(rows)s rows, %(new)s new, %(duplicates)s "
                          "duplicates, %(rejected)s rejected"),
    "ingest.refused": _("The file %(target)s was refused: %(reason)s"),
    "ingest.failed": _("The ingest of the file %(target)s failed"),
    "ingest.report_downloaded": _("%(actor)s downloaded the row report of the file %(target)s"),
}
INGEST_LABELS = {
    "kind": _("kind"),
    "file": _("file"),
    "rows": _("rows"),
    "new": _("new"),
    "duplicates": _("duplicates"),
    "rejected": _("rejected"),
    "reason": _("reason"),
    "error": _("error"),
    "size": _("size"),
}

# settlement and statements --------------------------------------------------------------------------------------
SETTLEMENT_ACTIONS = {
}
SETTLEMENT_LABELS = {
}
SETTLEMENT_FOR_MERCHANTS = set()

# reconciliation -------------------------------------------------------------------------------------------------
RECON_ACTIONS = {
}
RECON_LABELS = {
}
RECON_FOR_MERCHANTS = set()

ACTIONS = {**INGEST_ACTIONS, **SETTLEMENT_ACTIONS, **RECON_ACTIONS}
LABELS = {**INGEST_LABELS, **SETTLEMENT_LABELS, **RECON_LABELS}
# What a merchant reads on its activity page.
FOR_MERCHANTS = SETTLEMENT_FOR_MERCHANTS | RECON_FOR_MERCHANTS
