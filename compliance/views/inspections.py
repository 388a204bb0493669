"""Pages of the compliance inspections subdomain (filled by its builder)."""

ops_patterns: list = []
audit_patterns: list = []
