"""The complaints app's URL patterns per area, collected from its view modules (``complaints/plugin.py``)."""

from complaints.views import complaints, help, reports, settings

ops_patterns = [*complaints.ops_patterns, *help.ops_patterns, *reports.ops_patterns, *settings.ops_patterns]
portal_patterns = [*complaints.portal_patterns, *help.portal_patterns, *reports.portal_patterns,
                   *settings.portal_patterns]
audit_patterns = [*complaints.audit_patterns, *help.audit_patterns, *reports.audit_patterns,
                  *settings.audit_patterns]
