from terminals.views import firmware, lifecycle, money, registry, tickets, workorders

SUBDOMAINS = [registry, lifecycle, workorders, tickets, firmware, money]

ops_patterns = [p for module in SUBDOMAINS for p in module.ops_patterns]
portal_patterns = [p for module in SUBDOMAINS for p in module.portal_patterns]
audit_patterns = [p for module in SUBDOMAINS for p in module.audit_patterns]
