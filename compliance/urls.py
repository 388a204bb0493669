"""The compliance app's URL patterns per area, collected from its view modules (``compliance/plugin.py``)."""

from compliance.views import (
    assessments,
    changes,
    findings,
    inspections,
    library,
    more,
    reports,
    retention,
    reviews,
    warnings,
)

_MODULES = (library, assessments, findings, inspections, changes, reviews, retention, warnings, reports, more)
ops_patterns = [pattern for module in _MODULES for pattern in module.ops_patterns]
audit_patterns = [pattern for module in _MODULES for pattern in module.audit_patterns]
