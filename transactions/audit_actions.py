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
    "settlement.built": _("%(actor)s built the settlement of %(day)s: %(batches)s batches"),
    "settlement.batch_built": _("Settlement batch %(target)s was built: payout on %(payout_date)s"),
    "settlement.payout_file_created": _("%(actor)s created the payout file %(target)s"),
    "settlement.payout_file_downloaded": _("%(actor)s downloaded the payout file %(target)s"),
    "settlement.statement_downloaded": _("%(actor)s downloaded the statement of %(target)s for %(period)s"),
    "transactions.exported": _("%(actor)s exported transactions"),
}
SETTLEMENT_LABELS = {
    "day": _("transaction date"),
    "batches": _("batches"),
    "transactions": _("transactions"),
    "payout_minor": _("payout (fen)"),
    "net_minor": _("net (fen)"),
    "negative": _("batches with a negative net"),
    "left_unsettled": _("transactions left unsettled"),
    "settlement_date": _("transaction date"),
    "payout_date": _("payout date"),
    "rows": _("payouts"),
    "total_minor": _("total (fen)"),
    "currency": _("currency"),
    "period": _("period"),
    "format": _("format"),
    "filters": _("filters"),
}
SETTLEMENT_FOR_MERCHANTS = {"settlement.batch_built", "settlement.statement_downloaded"}

# reconciliation -------------------------------------------------------------------------------------------------
RECON_ACTIONS = {
    "recon_breaks.exported": _("%(actor)s exported reconciliation breaks"),
    "recon_run.started": _("%(actor)s started the reconciliation %(target)s"),
    "recon_run.finished": _("The reconciliation %(target)s finished"),
    "recon_run.failed": _("The reconciliation %(target)s failed"),
    "recon_run.superseded": _("The reconciliation %(target)s was superseded by a later run"),
    "recon_run.payouts_confirmed": _("The reconciliation %(target)s confirmed payouts as paid by the bank"),
    "recon_exception.taken": _("%(actor)s took the reconciliation break %(target)s"),
    "recon_exception.assigned": _("%(actor)s assigned the reconciliation break %(target)s"),
    "recon_exception.proposed": _("%(actor)s proposed how to resolve the reconciliation break %(target)s"),
    "recon_exception.resolved": _("%(actor)s resolved the reconciliation break %(target)s"),
    "recon_exception.approved": _("%(actor)s approved the resolution of the reconciliation break %(target)s"),
    "recon_exception.rejected": _("%(actor)s rejected the proposed resolution of the reconciliation break "
                                  "%(target)s"),
    "recon_exception.superseded": _("Open reconciliation breaks of %(target)s were superseded by a later run"),
}
RECON_LABELS = {
    "side": _("sources"),
    "business_date": _("business date"),
    "chunks": _("chunks"),
    "input_hash": _("input fingerprint"),
    "superseded_by": _("superseded by"),
    "totals": _("totals"),
    "assigned_to": _("assigned to"),
    "resolution": _("resolution"),
    "resolution_minor": _("adjustment amount"),
    "note": _("note"),
    "reason": _("reason"),
    "difference_minor": _("difference"),
    "batches": _("settlement batches"),
    "exceptions": _("breaks"),
    "message": _("message"),
}
RECON_FOR_MERCHANTS = set()

# risk cases and settlement holds (issue #13, helper B) -----------------------------------------------------------
RISK_CASE_ACTIONS = {
    "risk_case.taken": _("%(actor)s took the risk case %(target)s"),
    "risk_case.assigned": _("%(actor)s assigned the risk case %(target)s"),
    "risk_case.note_added": _("%(actor)s added a note to the risk case %(target)s"),
    "risk_case.file_attached": _("%(actor)s attached the file %(file)s to the risk case %(target)s"),
    "risk_case.transaction_linked": _("%(actor)s linked the transaction %(transaction)s to the risk case %(target)s"),
    "risk_case.decided": _("%(actor)s decided the risk case %(target)s: %(outcome)s"),
    "risk_case.closed": _("%(actor)s closed the risk case %(target)s"),
    "risk_case.reported": _("%(actor)s marked the report of the risk case %(target)s as filed"),
    "risk_case.terminal_suspended": _("%(actor)s suspended the terminal %(terminal)s from the risk case %(target)s"),
    "risk_case.merchant_suspended": _("%(actor)s suspended the merchant from the risk case %(target)s"),
    "risk_case.reminded": _("The report of the risk case %(target)s is due on %(report_due)s: reminder sent"),
    "risk_case.overdue": _("The report of the risk case %(target)s is overdue (due on %(report_due)s)"),
    "risk_case.report_downloaded": _("%(actor)s downloaded the suspicious-transaction report of %(target)s"),
    "risk_case.evidence_downloaded": _("%(actor)s downloaded the evidence file %(file)s of the risk case %(target)s"),
    "settlement_hold.placed": _("%(actor)s held the settlement of %(target)s"),
    "settlement_hold.release_requested": _("%(actor)s asked to release the settlement hold %(target)s"),
    "settlement_hold.released": _("%(actor)s released the settlement hold %(target)s"),
    "settlement_hold.release_rejected": _("%(actor)s rejected the release of the settlement hold %(target)s"),
}
RISK_CASE_LABELS = {
    "merchant": _("merchant"),
    "rule": _("rule"),
    "severity": _("severity"),
    "outcome": _("outcome"),
    "major": _("major risk event"),
    "report_due": _("report due"),
    "reported_at": _("reported"),
    "overdue": _("overdue"),
    "working_days_left": _("working days left"),
    "evidence": _("evidence"),
    "transaction": _("transaction"),
    "sha256": _("SHA-256"),
    "terminal": _("terminal"),
    "amount_minor": _("amount held (fen)"),
    "held_minor": _("kept back (fen)"),
    "released_minor": _("released (fen)"),
    "to_pay_minor": _("to be paid back (fen)"),
    "merchant_reason": _("reason the merchant sees"),
    "review_date": _("review date"),
    "case": _("case"),
    "hold": _("hold"),
    "requested_by": _("requested by"),
    "release_reason": _("reason for the release"),
}
RISK_CASE_FOR_MERCHANTS = set()

# risk rules engine (issue #13, helper A) --------------------------------------------------------------------------
RISK_RULE_ACTIONS = {
    "risk_rule.created": _("%(actor)s created the risk rule %(target)s"),
    "risk_rule.changed": _("%(actor)s changed the risk rule %(target)s (a new version)"),
    "risk_rule.enabled": _("%(actor)s enabled the risk rule %(target)s"),
    "risk_rule.disabled": _("%(actor)s disabled the risk rule %(target)s"),
    "risk_case.opened": _("Risk case %(target)s was opened by the rule %(rule)s for %(merchant)s"),
}
RISK_RULE_LABELS = {
    "version": _("version"),
    "enabled": _("enabled"),
    "severity": _("severity"),
    "params": _("parameters"),
    "scope_mccs": _("MCCs"),
    "scope_risk_levels": _("risk ratings"),
    "scope_merchant": _("only this merchant"),
    "rule": _("rule"),
    "merchant": _("merchant"),
    "alerts": _("alerts"),
}
# end of the risk rules engine block -------------------------------------------------------------------------------

ACTIONS = {**INGEST_ACTIONS, **SETTLEMENT_ACTIONS, **RECON_ACTIONS, **RISK_CASE_ACTIONS, **RISK_RULE_ACTIONS}
LABELS = {**INGEST_LABELS, **SETTLEMENT_LABELS, **RECON_LABELS, **RISK_CASE_LABELS, **RISK_RULE_LABELS}
# What a merchant reads on its activity page.
FOR_MERCHANTS = SETTLEMENT_FOR_MERCHANTS | RECON_FOR_MERCHANTS | RISK_CASE_FOR_MERCHANTS
