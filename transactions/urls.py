from transactions.views import ingest, ledger, recon, settlement

SUBDOMAINS = [ledger, ingest, settlement, recon]

ops_patterns = [p for module in SUBDOMAINS for p in module.ops_patterns]
portal_patterns = [p for module in SUBDOMAINS for p in module.portal_patterns]
audit_patterns = [p for module in SUBDOMAINS for p in module.audit_patterns]

# --- risk monitoring (issue #13): rules, cases, holds ------------------------------------------------------------
from transactions.views import (  # noqa: E402 - kept inside this block for the merge
    risk_case_actions,
    risk_cases,
    risk_hold_actions,
    risk_holds,
    risk_rule_actions,
    risk_rules,
)

RISK = [risk_rule_actions, risk_rules, risk_case_actions, risk_cases, risk_holds, risk_hold_actions]
ops_patterns += [p for module in RISK for p in module.ops_patterns]
portal_patterns += [p for module in RISK for p in module.portal_patterns]
audit_patterns += [p for module in RISK for p in module.audit_patterns]
