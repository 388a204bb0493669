"""Pages of the compliance warnings subdomain (filled by its builder)."""

ops_patterns: list = []
audit_patterns: list = []
