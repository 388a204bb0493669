"""Pages (issue #14); this module's patterns are collected by ``complaints/urls.py``."""

ops_patterns: list = []
portal_patterns: list = []
audit_patterns: list = []
