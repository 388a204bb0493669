"""Reads of field work orders and their photos, always through ``acquirer.access.scope``."""

from datetime import date, timedelta

from django.db.models import Prefetch, Q
from django.utils import timezone

from acquirer.access import get_scoped, scope
from acquirer.lists import COUNT_LIMIT, Count, bounded_counts, page_count, start_of_local_day
from merchants.models import Merchant
from terminals import roles
from terminals.models import Terminal, TerminalPhoto, Ticket, WorkOrder
from terminals.selectors.registry import merchants_named, single, terminal_search
from terminals.selectors.tickets import staff_with

W = WorkOrder.Status
ACTIVE_JOBS = (W.ASSIGNED, W.IN_PROGRESS)
NEWEST_ORDER = ("-created_at", "-id")
WINDOW_ORDER = ("window_start", "id")


def work_order_order(filters: dict | None) -> tuple[str, ...]:
    """A day's work orders by their window (every one of them has a window), the whole board newest first."""
    return WINDOW_ORDER if (filters or {}).get("day") else NEWEST_ORDER


# the columns the board shows (``acquirer.lists.shown``)
ROW_FIELDS = ("number", "kind", "status", "address", "window_start", "window_end", "merchant__legal_name",
              "merchant__trading_name", "merchant__mid", "terminal__serial_number", "terminal__tid",
              "engineer__username", "ticket__number")


def _work_orders(actor):
    return scope(WorkOrder.objects.select_related("merchant", "terminal", "terminal__model", "engineer", "ticket",
                                                  "created_by"), actor)


def work_order_list(*, actor, filters: dict | None = None):
    """The board: work orders filtered by status, kind, engineer ("none" = unassigned), the window's
    day and a search term (start of the number, merchant name or MID, start of the terminal's serial or
    TID), in :func:`work_order_order`."""
    filters = filters or {}
    qs = _work_orders(actor)
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    engineer = filters.get("engineer")
    if engineer == "none":
        qs = qs.filter(engineer__isnull=True)
    elif engineer:
        qs = qs.filter(engineer_id=getattr(engineer, "pk", engineer))
    if filters.get("day"):
        day = filters["day"]
        qs = qs.filter(window_start__gte=start_of_local_day(day),
                       window_start__lt=start_of_local_day(day + timedelta(days=1)))
    if filters.get("merchant"):
        qs = qs.filter(merchant_id=getattr(filters["merchant"], "pk", filters["merchant"]))
    if filters.get("terminal"):
        qs = qs.filter(terminal_id=getattr(filters["terminal"], "pk", filters["terminal"]))
    term = (filters.get("q") or "").strip()
    if term:
        qs = qs.filter(Q(number__startswith=term.upper()) | Q(merchant_id__in=merchants_named(term))
                       | Q(terminal_id__in=Terminal.objects.filter(terminal_search(term)).values("pk")))
    return qs.order_by(*work_order_order(filters))


def work_order_by_number(*, actor, number: str) -> WorkOrder | None:
    """The work order the actor may see numbered exactly ``number``, or None."""
    number = (number or "").strip().upper()
    return single(scope(WorkOrder.objects.filter(number=number), actor)) if number else None


TAB_COUNT_LIMIT = 1000  # a tab's badge: "1000+" says enough


def work_order_status_counts(*, actor) -> dict[str, Count]:
    """Number of work orders per status, every status present: one bounded count per status (on the status
    index), all in one statement, so a status with more than ``TAB_COUNT_LIMIT`` work orders reads "1000+"
    instead of counting them all."""
    work_orders = scope(WorkOrder.objects.all(), actor)
    return bounded_counts({status: work_orders.filter(status=status) for status in W.values}, TAB_COUNT_LIMIT)


def work_order_board_count(rows, page, filters: dict, tabs: dict) -> Count:
    """How many work orders the board lists: with no filter but the status, what the status tabs
    (:func:`work_order_status_counts`) counted already, no second count; otherwise the list's own bounded
    count."""
    if set(filters) <= {"status"}:
        if filters.get("status") in tabs:
            return tabs[filters["status"]]
        if not filters:
            total = sum(count.value for count in tabs.values())
            exact = all(count.exact for count in tabs.values())
            return Count(min(total, COUNT_LIMIT), exact and total <= COUNT_LIMIT)
    return page_count(rows, page, work_order_order(filters))


def work_order_get(*, actor, pk: int) -> WorkOrder:
    photos = Prefetch("photos", queryset=TerminalPhoto.objects.select_related("uploaded_by").order_by("id"))
    return get_scoped(_work_orders(actor).prefetch_related(photos), actor, pk=pk)


def work_orders_today(*, actor, today: date | None = None):
    """The engineer's jobs of today: assigned or in progress, with a window touching today (or started
    earlier and still in progress), in window order."""
    today = today or timezone.localdate()
    touching_today = Q(window_start__date__lte=today, window_end__date__gte=today)
    still_running = Q(status=W.IN_PROGRESS, window_start__date__lte=today)
    return (_work_orders(actor).filter(engineer_id=actor.pk, status__in=ACTIVE_JOBS)
            .filter(touching_today | still_running).order_by("window_start", "id"))


def work_order_photo_get(*, actor, pk: int) -> TerminalPhoto:
    return get_scoped(TerminalPhoto.objects.select_related("work_order").filter(work_order__isnull=False), actor,
                      pk=pk)


def engineer_list(*, actor):
    """Active staff who do field work (for assignment and the board's filter)."""
    return staff_with(actor=actor, permission=roles.FIELD_WORK)


def merchant_search(*, actor, term: str, limit: int = 20):
    """Merchants a work order can be created for, by id, MID or name."""
    term = (term or "").strip()
    qs = scope(Merchant.objects.all(), actor).exclude(status__in=[Merchant.Status.DRAFT, Merchant.Status.REJECTED])
    if not term:
        return qs.none()
    match = Q(legal_name__icontains=term) | Q(trading_name__icontains=term) | Q(mid=term)
    if term.isdigit() and len(term) < 10:
        match |= Q(pk=int(term))
    return qs.filter(match).order_by("legal_name", "id")[:limit]


def merchant_pick(*, actor, pk: int) -> Merchant:
    return get_scoped(Merchant.objects.all(), actor, pk=pk)


def merchant_terminals(*, actor, merchant: Merchant):
    """The merchant's terminals (choices of a work order)."""
    return scope(Terminal.objects.select_related("model"), actor).filter(merchant_id=merchant.pk).order_by(
        "serial_number")


def merchant_tickets(*, actor, merchant: Merchant):
    """The merchant's tickets not yet closed (choices of a work order)."""
    return (scope(Ticket.objects.select_related("terminal"), actor)
            .filter(merchant_id=merchant.pk).exclude(status=Ticket.Status.CLOSED).order_by("-raised_at", "-id"))
