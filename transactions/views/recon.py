"""Pages of the recon subdomain (filled by issue #12)."""

ops_patterns = []
portal_patterns = []
audit_patterns = []
