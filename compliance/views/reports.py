"""Pages of the compliance reports subdomain (filled by its builder)."""

ops_patterns: list = []
audit_patterns: list = []
