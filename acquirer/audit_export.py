"""The audit trail as an export (declared in ``acquirer/plugin.py``): every matching event, no cap, CSV only
(the trail runs to millions of rows, more than a spreadsheet holds). Auditors alone may take it away."""

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.translation import gettext_lazy as _

from acquirer.access import is_auditor
from acquirer.forms import AuditSearchForm
from acquirer.registry import Exporter
from acquirer.selectors import audit_event_list

HEADER = ["id", "at_utc", "actor", "role", "merchant_id", "action", "target_type", "target_id", "target", "before",
          "after", "data", "ip", "source", "hash"]


def search_filters(data) -> dict | None:
    """The search's filled-in fields, JSON-safe (dates as ISO strings); None for a search that cannot be
    understood."""
    cleaned = AuditSearchForm(data or None).filters()
    if cleaned is None:
        return None
    encoder = DjangoJSONEncoder()
    return {name: value if isinstance(value, str | int) else encoder.default(value)
            for name, value in cleaned.items() if value not in (None, "")}


def _events(actor, filters: dict):
    return audit_event_list(actor=actor, filters=AuditSearchForm(filters or None).filters() or {})


def _row(event) -> list:
    return [event.id, event.at.isoformat(), event.actor_label, event.role, event.merchant_id or "", event.action,
            event.target_type, event.target_id, event.target_repr, event.before or "", event.after or "",
            event.data or "", event.ip or "", event.source, event.hash]


AUDIT_TRAIL = Exporter(
    kind="audit.trail", title=_("Audit trail"), filename="audit-trail", allowed=is_auditor, queryset=_events,
    header=lambda: HEADER, row=_row, audit_action="audit.exported", filters=search_filters, formats=("csv",))
