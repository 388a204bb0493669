"""Pages of the compliance changes subdomain (filled by its builder)."""

ops_patterns: list = []
audit_patterns: list = []
