"""Views of this terminals subdomain; the URL lists below are collected by terminals/urls.py."""

ops_patterns = []
portal_patterns = []
audit_patterns = []
