"""Pages of the compliance findings subdomain (filled by its builder)."""

ops_patterns: list = []
audit_patterns: list = []
