"""Pages of the compliance library subdomain (filled by its builder)."""

ops_patterns: list = []
audit_patterns: list = []
