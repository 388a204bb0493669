"""Reads of the terminal page: the terminal, its lifecycle records, work orders, tickets, photos and its
audit timeline, always through ``acquirer.access.scope`` (another merchant's terminal is a 404)."""

from django.db.models import Q

from acquirer.access import get_scoped, scope
from acquirer.models import AuditEvent
from merchants.models import Merchant
from terminals.models import (
    HealthFlag,
    Installation,
    ParameterChange,
    Shipment,
    SiteSurvey,
    Terminal,
    TerminalPhoto,
    TerminalTest,
    Ticket,
    WorkOrder,
)
from terminals.policy import ALLOCATABLE_MERCHANTS, may_read

# Page sections: key -> (model, related rows to load with it)
RECORDS = {
    "surveys": (SiteSurvey, ("engineer",)),
    "shipments": (Shipment, ("shipped_by",)),
    "installations": (Installation, ("engineer", "swap_of")),
    "tests": (TerminalTest, ("tested_by",)),
    "parameter_changes": (ParameterChange, ("requested_by", "decided_by")),
    "photos": (TerminalPhoto, ("uploaded_by",)),
    "work_orders": (WorkOrder, ("engineer",)),
    "tickets": (Ticket, ("assignee",)),
    "health_flags": (HealthFlag, ()),
}


def terminal_get(*, actor, pk: int) -> Terminal:
    return get_scoped(Terminal.objects.select_related("model", "merchant", "custodian_user"), actor, pk=pk)


def terminal_photo_get(*, actor, pk: int) -> TerminalPhoto:
    return get_scoped(TerminalPhoto.objects.select_related("terminal"), actor, pk=pk)


def parameter_change_get(*, actor, pk: int) -> ParameterChange:
    return get_scoped(ParameterChange.objects.select_related("terminal", "requested_by"), actor, pk=pk)


def allocatable_merchants(*, actor):
    """Merchants a terminal may be offered to (the service still checks the contract)."""
    return scope(Merchant.objects.filter(status__in=ALLOCATABLE_MERCHANTS), actor).order_by("legal_name", "pk")


def terminal_events(*, actor, terminal: Terminal):
    """Audit events about the terminal (target) or naming it in their data, newest first."""
    mentions = Q(data__terminal=terminal.pk) | Q(data__terminal=str(terminal.pk))
    return (scope(AuditEvent.objects.all(), actor)
            .filter(Q(target_type=Terminal._meta.label_lower, target_id=str(terminal.pk)) | mentions)
            .order_by("-at", "-id"))


def terminal_timeline(*, actor, terminal: Terminal) -> dict:
    """The terminal's full history (audit events, newest first) and its records for the page: one query
    per section, whatever the number of rows."""
    timeline = {"events": list(terminal_events(actor=actor, terminal=terminal))}
    for key, (model, related) in RECORDS.items():
        if not may_read(actor, model):
            timeline[key] = None  # not shown to this role
            continue
        qs = scope(model.objects.select_related(*related), actor).filter(terminal_id=terminal.pk)
        if model is HealthFlag:
            qs = qs.filter(cleared_at__isnull=True)
        timeline[key] = list(qs)
    return timeline


def pending_changes(timeline: dict) -> list[ParameterChange]:
    return [c for c in timeline.get("parameter_changes") or [] if c.status == ParameterChange.Status.PENDING]
