"""What each staff role may do with transactions (applied by migrations and ``acquirer.roles.sync``)."""

from acquirer import roles

# Permissions, named once (services, policy and templates ask these, never string literals).
VIEW_TRANSACTION = "transactions.view_transaction"
VIEW_INGEST = "transactions.view_ingestfile"
INGEST = "transactions.ingest_file"
VIEW_SETTLEMENT = "transactions.view_settlementbatch"
MANAGE_SETTLEMENT = "transactions.manage_settlement"
VIEW_RECON = "transactions.view_reconrun"
RUN_RECON = "transactions.run_reconciliation"
VIEW_EXCEPTION = "transactions.view_reconexception"
HANDLE_EXCEPTION = "transactions.handle_recon_exception"
APPROVE_EXCEPTION = "transactions.approve_recon_exception"

READ = ["view_transaction", "view_ingestfile", "view_clearingrecord", "view_bankstatementline", "view_binrange",
        "view_clearingaccount", "view_settlementbatch", "view_payoutfile", "view_reconrun", "view_reconchunk",
        "view_reconsummary", "view_reconexception"]

ROLE_GRANTS = {
    roles.FIELD_ENGINEER: ["view_transaction"],
    roles.RISK_ANALYST: [*READ, "handle_recon_exception"],
    roles.CUSTOMER_SERVICE: ["view_transaction", "view_settlementbatch"],
    roles.COMPLIANCE_OFFICER: [*READ],
    roles.OPERATIONS_MANAGER: [*READ, "ingest_file", "manage_settlement", "run_reconciliation",
                               "handle_recon_exception", "approve_recon_exception"],
}
