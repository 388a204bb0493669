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
VIEW_RISK = "transactions.view_riskcase"
MANAGE_RULES = "transactions.manage_risk_rule"
HANDLE_CASE = "transactions.handle_risk_case"
REPORT_CASE = "transactions.report_risk_case"
VIEW_HOLD = "transactions.view_settlementhold"
PLACE_HOLD = "transactions.place_hold"
RELEASE_HOLD = "transactions.release_hold"

READ = ["view_transaction", "view_ingestfile", "view_clearingrecord", "view_bankstatementline", "view_binrange",
        "view_clearingaccount", "view_settlementbatch", "view_payoutfile", "view_reconrun", "view_reconchunk",
        "view_reconsummary", "view_reconexception"]
RISK_READ = ["view_riskrule", "view_riskruleversion", "view_riskalert", "view_riskcase", "view_riskevidence",
             "view_settlementhold"]

ROLE_GRANTS = {
    roles.FIELD_ENGINEER: ["view_transaction"],
    roles.RISK_ANALYST: [*READ, *RISK_READ, "handle_recon_exception", "manage_risk_rule", "handle_risk_case",
                         "report_risk_case", "place_hold", "release_hold"],
    roles.CUSTOMER_SERVICE: ["view_transaction", "view_settlementbatch"],
    roles.CUSTOMER_SERVICE_LEAD: ["view_transaction", "view_settlementbatch"],
    roles.COMPLIANCE_OFFICER: [*READ, *RISK_READ, "report_risk_case"],
    roles.OPERATIONS_MANAGER: [*READ, "ingest_file", "manage_settlement", "run_reconciliation",
                               "handle_recon_exception", "approve_recon_exception", *RISK_READ, "handle_risk_case",
                               "place_hold", "release_hold"],
}
