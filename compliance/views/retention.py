"""Pages of the compliance retention subdomain (filled by its builder)."""

ops_patterns: list = []
audit_patterns: list = []
