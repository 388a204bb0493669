from transactions.views import ingest, ledger, recon, settlement

SUBDOMAINS = [ledger, ingest, settlement, recon]

ops_patterns = [p for module in SUBDOMAINS for p in module.ops_patterns]
portal_patterns = [p for module in SUBDOMAINS for p in module.portal_patterns]
audit_patterns = [p for module in SUBDOMAINS for p in module.audit_patterns]
