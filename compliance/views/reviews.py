"""Pages of the compliance reviews subdomain (filled by its builder)."""

ops_patterns: list = []
audit_patterns: list = []
