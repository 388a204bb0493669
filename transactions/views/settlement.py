"""Pages of the settlement subdomain (filled by issue #12)."""

ops_patterns = []
portal_patterns = []
audit_patterns = []
