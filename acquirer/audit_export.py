"""The audit trail as an export (declared in ``acquirer/plugin.py``): every matching event, no cap, CSV only
(the trail runs to millions of rows, more than a spreadsheet holds), written by PostgreSQL's COPY. Auditors alone
may take it away."""

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from acquirer import exports
from acquirer.access import is_auditor
from acquirer.forms import AuditSearchForm
from acquirer.registry import Exporter
from acquirer.selectors import audit_event_list


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


def columns() -> list[tuple[str, object]]:
    """The trail's columns as SQL expressions: the instant in UTC (ISO 8601), the recorded values as their JSON
    text (the raw record, not a sentence), the IP address without a mask. What the application writes itself
    (action, kind of object, origin, hash) needs no formula guard; names and ids people gave are guarded."""
    return [
        ("id", F("id")), ("at_utc", exports.iso_utc("at")), ("actor", F("actor_label")),
        ("role", F("role")), ("merchant_id", F("merchant_id")), ("action", exports.own_text("action")),
        ("target_type", exports.own_text("target_type")), ("target_id", F("target_id")),
        ("target", F("target_repr")), ("before", exports.json_text("before")), ("after", exports.json_text("after")),
        ("data", exports.json_text("data")), ("ip", exports.ip_text("ip")), ("source", exports.own_text("source")),
        ("hash", exports.own_text("hash")),
    ]


AUDIT_TRAIL = Exporter(
    kind="audit.trail", title=_("Audit trail"), filename="audit-trail", allowed=is_auditor, queryset=_events,
    columns=columns, audit_action="audit.exported", filters=search_filters, formats=("csv",))
