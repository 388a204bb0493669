"""What each staff role may do with merchants (applied by migrations and ``acquirer.roles.sync``)."""

from acquirer import roles

# Permissions, named once (services, policy and views ask these, never string literals).
VIEW = "merchants.view_merchant"
VIEW_DOCUMENT = "merchants.view_merchantdocument"
VIEW_CONTRACT = "merchants.view_contract"
VIEW_SETTLEMENT = "merchants.view_settlementaccount"
VIEW_INSPECTION = "merchants.view_inspection"
VIEW_BLACKLIST = "merchants.view_blacklistentry"
REVIEW = "merchants.review_merchant"
APPROVE_HIGH_RISK = "merchants.approve_high_risk_merchant"
OVERRIDE_RISK = "merchants.override_risk"
MANAGE_BLACKLIST = "merchants.manage_blacklist"
VIEW_SECRETS = "merchants.view_kyc_secrets"
MANAGE_CONTRACTS = "merchants.manage_contracts"
APPROVE_SETTLEMENT = "merchants.approve_settlement_account"
INSPECT = "merchants.inspect_merchant"
EXPORT = "merchants.export_merchants"
SUSPEND = "merchants.suspend_merchant"
REACTIVATE = "merchants.reactivate_merchant"
TERMINATE = "merchants.terminate_merchant"

READ = ["view_merchant", "view_merchantmembership", "view_merchantdocument", "view_contract", "view_contractfee",
        "view_settlementaccount", "view_inspection", "view_blacklistentry"]

ROLE_GRANTS = {
    roles.ONBOARDING_REVIEWER: [*READ, "review_merchant", "approve_settlement_account"],
    roles.FIELD_ENGINEER: ["view_merchant", "view_inspection", "inspect_merchant"],
    roles.RISK_ANALYST: [*READ, "manage_blacklist", "override_risk", "suspend_merchant", "view_kyc_secrets"],
    roles.CUSTOMER_SERVICE: ["view_merchant", "view_merchantdocument", "view_contract", "view_contractfee"],
    roles.CUSTOMER_SERVICE_LEAD: ["view_merchant", "view_merchantdocument", "view_contract", "view_contractfee"],
    roles.COMPLIANCE_OFFICER: [*READ, "export_merchants", "inspect_merchant", "view_kyc_secrets"],
    roles.OPERATIONS_MANAGER: [*READ, "review_merchant", "approve_high_risk_merchant", "override_risk",
                               "manage_blacklist", "view_kyc_secrets", "manage_contracts",
                               "approve_settlement_account", "inspect_merchant", "export_merchants",
                               "suspend_merchant", "reactivate_merchant", "terminate_merchant"],
}
