"""Reads of maintenance tickets, always through ``acquirer.access.scope``: staff and auditors see every
ticket, a merchant user only its own merchant's (another merchant's ticket is a 404)."""

from django.contrib.auth.models import Permission
from django.db.models import Prefetch, Q

from acquirer.access import get_scoped, scope
from acquirer.models import User
from terminals import roles
from terminals.models import SparePartUse, Terminal, TerminalPhoto, Ticket, WorkOrder
from terminals.selectors.registry import single, terminal_search
from terminals.workflow import OPEN_TICKET_STATUSES as OPEN_STATUSES
from terminals.workflow import TICKET_PLACED as PLACED

BREACH_FILTERS = {
    "any": Q(response_breached_at__isnull=False) | Q(resolution_breached_at__isnull=False),
    "response": Q(response_breached_at__isnull=False),
    "resolution": Q(resolution_breached_at__isnull=False),
    "escalated": Q(escalated_at__isnull=False),
}
LIST_RELATED = ("merchant", "terminal", "terminal__model", "assignee")
# the columns the ticket queue shows (``acquirer.lists.shown``): the clocks' times, the row's labels
ROW_FIELDS = ("number", "status", "category", "severity", "escalated_at", "reopen_count", "raised_at",
              "response_due", "responded_at", "resolution_due", "resolved_at", "merchant__legal_name",
              "terminal__serial_number", "terminal__tid", "assignee__username")
QUEUE_ORDER = ("resolution_due", "id")
NEWEST_ORDER = ("-raised_at", "-id")


def ticket_order(filters: dict | None) -> tuple[str, ...]:
    """The open queue by resolution due time (most urgent first), anything else newest first."""
    return QUEUE_ORDER if (filters or {}).get("status") == "unresolved" else NEWEST_ORDER


def ticket_list(*, actor, filters: dict | None = None):
    """Tickets the actor may see, filtered by status, severity, category, breach, merchant or a search
    term (the start of a ticket number, serial number or TID), in :func:`ticket_order`."""
    filters = filters or {}
    qs = scope(Ticket.objects.select_related(*LIST_RELATED), actor)
    if filters.get("status") == "unresolved":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("severity"):
        qs = qs.filter(severity=filters["severity"])
    if filters.get("category"):
        qs = qs.filter(category=filters["category"])
    if filters.get("breached") in BREACH_FILTERS:
        qs = qs.filter(BREACH_FILTERS[filters["breached"]])
    if filters.get("merchant"):
        qs = qs.filter(merchant_id=filters["merchant"])
    if filters.get("q"):
        term = filters["q"].strip().upper()
        qs = qs.filter(Q(number__startswith=term)
                       | Q(terminal_id__in=Terminal.objects.filter(terminal_search(term)).values("pk")))
    return qs.order_by(*ticket_order(filters))


def ticket_by_number(*, actor, number: str) -> Ticket | None:
    """The ticket the actor may see numbered exactly ``number``, or None."""
    number = (number or "").strip().upper()
    return single(scope(Ticket.objects.filter(number=number), actor)) if number else None


def ticket_get(*, actor, pk: int) -> Ticket:
    """One ticket with its parts, photos and work orders (404 when missing or another merchant's)."""
    qs = Ticket.objects.select_related(*LIST_RELATED, "raised_by").prefetch_related(
        Prefetch("parts", queryset=SparePartUse.objects.select_related("recorded_by").order_by("id")),
        Prefetch("photos", queryset=TerminalPhoto.objects.order_by("id")),
        Prefetch("work_orders", queryset=WorkOrder.objects.select_related("engineer").order_by("-created_at")),
    )
    return get_scoped(qs, actor, pk=pk)


def ticket_photo_get(*, actor, pk: int) -> TerminalPhoto:
    """A photo attached to a ticket (404 when missing, not a ticket photo, or another merchant's)."""
    return get_scoped(TerminalPhoto.objects.select_related("ticket").filter(ticket__isnull=False), actor, pk=pk)


def ticket_terminal_choices(*, actor):
    """Terminals a fault can be reported on (installed at a merchant); a merchant user sees its own."""
    return (scope(Terminal.objects.select_related("model", "merchant"), actor)
            .filter(status__in=PLACED, merchant__isnull=False).order_by("serial_number"))


def ticket_terminal_search(*, actor, query: str, limit: int = 20):
    """Placed terminals whose serial number or TID starts with ``query`` (the phone-call form)."""
    query = (query or "").strip()
    if len(query) < 3:
        return Terminal.objects.none()
    return ticket_terminal_choices(actor=actor).filter(terminal_search(query))[:limit]


def ticket_terminal_lookup(*, actor, query: str) -> Terminal | None:
    """The placed terminal with exactly this serial number or TID, or None."""
    query = (query or "").strip()
    if not query:
        return None
    return ticket_terminal_choices(actor=actor).filter(Q(serial_number=query) | Q(tid=query.upper())).first()


def staff_with(*, actor, permission: str):
    """Active staff holding ``permission`` ("app.codename", e.g. ``roles.FIELD_WORK``) through a role, directly
    or as superusers."""
    app_label, codename = permission.split(".")
    perms = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    return (scope(User.objects.filter(kind=User.Kind.STAFF, is_active=True), actor)
            .filter(Q(groups__permissions__in=perms) | Q(user_permissions__in=perms) | Q(is_superuser=True))
            .distinct().order_by("username"))


def ticket_assignee_choices(*, actor):
    """Staff who handle tickets."""
    return staff_with(actor=actor, permission=roles.HANDLE_TICKET)


def ticket_engineer_choices(*, actor):
    """Staff who do field work (engineers dispatched or swapping terminals)."""
    return staff_with(actor=actor, permission=roles.FIELD_WORK)


def ticket_replacement_choices(*, actor, ticket: Ticket):
    """Stock terminals that may replace the ticket's terminal (free, or held for the same merchant)."""
    return (scope(Terminal.objects.select_related("model"), actor)
            .filter(status=Terminal.Status.IN_STOCK)
            .filter(Q(merchant__isnull=True) | Q(merchant_id=ticket.merchant_id))
            .exclude(pk=ticket.terminal_id).order_by("model__brand", "model__name", "serial_number"))
