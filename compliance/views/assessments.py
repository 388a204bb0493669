"""Pages of the compliance assessments subdomain (filled by its builder)."""

ops_patterns: list = []
audit_patterns: list = []
