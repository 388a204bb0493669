"""Reads of the catalog, intake batches, the terminal registry, the dashboard and the merchant's own terminals,
always through ``acquirer.access.scope``. Every list is a fixed number of queries, whatever its size."""

import re

from django.db.models import Count, Q, Sum

from acquirer.access import get_scoped, scope
from merchants.models import Merchant
from merchants.selectors.contracts import contract_in_force
from terminals.models import DepositMovement, IntakeBatch, RentCharge, Terminal, TerminalModel, Ticket

OPEN_TICKET = [Ticket.Status.OPEN, Ticket.Status.DIAGNOSING, Ticket.Status.DISPATCHED]
TERMINAL_ORDER = ("serial_number", "id")
INTAKE_BATCH_ORDER = ("-received_at", "-id")
BELOW_MINIMUM_LIMIT = 200
_PART = re.compile(r"\d+|[a-z]+")


# --- firmware versions ------------------------------------------------------------------------

def firmware_key(version: str) -> tuple:
    """Order of firmware versions: "1.10.0" > "1.9.2" > "1.9"; a leading "v" is ignored."""
    text = (version or "").strip().lower()
    text = text[1:] if text.startswith("v") else text
    parts = [(1, int(part), "") if part.isdigit() else (0, 0, part) for part in _PART.findall(text)]
    while parts and parts[-1] == (1, 0, ""):
        parts.pop()  # "1.2" == "1.2.0"
    return tuple(parts)


def firmware_below(version: str, minimum: str) -> bool:
    """True when ``version`` is older than the model's minimum (unknown versions count as below)."""
    if not minimum:
        return False
    if not version:
        return True
    return firmware_key(version) < firmware_key(minimum)


# --- catalog and intake -----------------------------------------------------------------------

def terminal_model_list(*, actor):
    """The catalog with the number of terminals of each model."""
    return scope(TerminalModel.objects.annotate(terminal_count=Count("terminals")), actor).order_by("brand", "name")


def terminal_model_choices(*, actor):
    """The catalog for a drop-down (no counts)."""
    return scope(TerminalModel.objects.all(), actor).order_by("brand", "name")


def terminal_model_get(*, actor, pk: int) -> TerminalModel:
    return get_scoped(TerminalModel.objects.all(), actor, pk=pk)


def intake_batch_list(*, actor):
    return scope(IntakeBatch.objects.select_related("received_by"), actor).order_by(*INTAKE_BATCH_ORDER)


def intake_batch_get(*, actor, pk: int) -> IntakeBatch:
    return get_scoped(IntakeBatch.objects.select_related("received_by"), actor, pk=pk)


# --- search by identifier ------------------------------------------------------------------------

def single(queryset):
    """The one row of ``queryset``, or None when it has none or several (two rows read at most)."""
    rows = list(queryset[:2])
    return rows[0] if len(rows) == 1 else None


def terminal_search(term: str) -> Q:
    """Terminals whose serial number or TID starts with ``term``. Both are stored in capitals, so a prefix
    ``LIKE 'TERM%'`` is served by their ``varchar_pattern_ops`` indexes (a substring search reads every row)."""
    term = term.strip().upper()
    return Q(serial_number__startswith=term) | Q(tid__startswith=term)


def merchants_named(term: str):
    """Ids of the merchants whose name contains ``term`` or whose MID is ``term``: a sub-query, so a list can
    filter on its own merchant column instead of joining merchants into the whole list."""
    term = term.strip()
    return Merchant.objects.filter(Q(legal_name__icontains=term) | Q(trading_name__icontains=term)
                                   | Q(mid=term)).values("pk")


def terminal_by_identifier(*, actor, term: str) -> Terminal | None:
    """The terminal the actor may see whose serial number or TID is exactly ``term`` (None unless exactly one)."""
    term = (term or "").strip().upper()
    if not term:
        return None
    return single(scope(Terminal.objects.all(), actor).filter(Q(serial_number=term) | Q(tid=term)))


# --- registry ---------------------------------------------------------------------------------

def terminal_registry(*, actor, filters: dict | None = None):
    """The terminals the actor may see, filtered: status, model, merchant (name or MID), region code, firmware
    version, custodian, intake batch, and a search by serial number or TID."""
    filters = filters or {}
    qs = scope(Terminal.objects.select_related("model", "merchant", "custodian_user"), actor)
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("model"):
        qs = qs.filter(model_id=getattr(filters["model"], "pk", filters["model"]))
    if filters.get("merchant"):
        qs = qs.filter(merchant_id__in=merchants_named(filters["merchant"]))
    if filters.get("region"):
        region = filters["region"].strip()
        qs = qs.filter(Q(region_code=region) | Q(region_code="", merchant__region_code=region))
    if filters.get("firmware"):
        qs = qs.filter(firmware_version=filters["firmware"].strip())
    if filters.get("custodian"):
        qs = qs.filter(custodian=filters["custodian"])
    if filters.get("batch"):
        qs = qs.filter(intake_batch_id=filters["batch"])
    if filters.get("q"):
        qs = qs.filter(terminal_search(filters["q"]))
    return qs.order_by(*TERMINAL_ORDER)


# --- dashboard --------------------------------------------------------------------------------

def _bars(rows, label, total=None) -> list[dict]:
    """Rows of (key, count) as bars: ``pct`` is the width (0-100) relative to the largest bar."""
    rows = [(key, count) for key, count in rows if count]
    top = max((count for _key, count in rows), default=0)
    return [{"key": key, "label": label(key), "count": count,
             "pct": max(1, round(100 * count / top)) if top else 0} for key, count in rows]


def terminal_dashboard(*, actor, with_tickets: bool = True) -> dict:
    """Counts for the charts (one aggregate query each) and the terminals whose firmware is below their model's
    minimum (two queries: the (model, version) pairs in use, then those terminals)."""
    terminals = scope(Terminal.objects.all(), actor)
    by_status = dict(terminals.order_by().values_list("status").annotate(n=Count("id")))
    status_bars = _bars([(s, by_status.get(s, 0)) for s in Terminal.Status.values],
                        lambda s: Terminal.Status(s).label)
    by_model = (terminals.order_by().values_list("model__brand", "model__name").annotate(n=Count("id"))
                .order_by("-n", "model__brand", "model__name"))
    model_bars = _bars([(f"{brand} {name}", n) for brand, name, n in by_model], str)

    pairs = (terminals.exclude(status=Terminal.Status.RETIRED).exclude(model__min_firmware="").order_by()
             .values_list("model_id", "model__min_firmware", "firmware_version").annotate(n=Count("id")))
    below_pairs = [(model_id, version) for model_id, minimum, version, _n in pairs
                   if firmware_below(version, minimum)]
    below_total = sum(n for model_id, minimum, version, n in pairs if firmware_below(version, minimum))
    below = Terminal.objects.none()
    if below_pairs:
        match = Q()
        for model_id, version in below_pairs:
            match |= Q(model_id=model_id, firmware_version=version)
        below = (terminals.exclude(status=Terminal.Status.RETIRED).filter(match)
                 .select_related("model", "merchant").order_by("model__brand", "model__name", "serial_number"))
    result = {"status_bars": status_bars, "model_bars": model_bars, "terminal_total": sum(by_status.values()),
              "below_minimum": list(below[:BELOW_MINIMUM_LIMIT]) if below_pairs else [],
              "below_minimum_total": below_total, "category_bars": [], "severity_bars": [], "open_tickets": 0}
    if with_tickets:
        tickets = scope(Ticket.objects.filter(status__in=OPEN_TICKET), actor).order_by()
        by_category = dict(tickets.values_list("category").annotate(n=Count("id")))
        by_severity = dict(tickets.values_list("severity").annotate(n=Count("id")))
        result.update(
            category_bars=_bars([(c, by_category.get(c, 0)) for c in Ticket.Category.values],
                                lambda c: Ticket.Category(c).label),
            severity_bars=_bars([(s, by_severity.get(s, 0)) for s in Ticket.Severity.values],
                                lambda s: Ticket.Severity(s).label),
            open_tickets=sum(by_category.values()))
    return result


# --- the merchant's own terminals (portal) ----------------------------------------------------

def portal_terminal_list(*, actor, filters: dict | None = None):
    """The actor's merchant's terminals, filtered by status and a search by serial number or TID."""
    filters = filters or {}
    qs = scope(Terminal.objects.select_related("model"), actor)
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("q"):
        qs = qs.filter(terminal_search(filters["q"]))
    return qs.order_by(*TERMINAL_ORDER)


def portal_terminal_money(*, actor, terminals: list) -> list:
    """Give each terminal of a page its latest rent charge, unpaid rent and open tickets: one grouped query per
    kind over the page's ids, whatever the page's size. Only rows of the terminal's current merchant count
    (a terminal that changed hands keeps its previous merchant's rows out of sight)."""
    ids = [terminal.pk for terminal in terminals]
    charges = scope(RentCharge.objects.filter(terminal_id__in=ids), actor).order_by()
    latest = {(row["terminal_id"], row["merchant_id"]): row for row in
              charges.order_by("terminal_id", "merchant_id", "-month").distinct("terminal_id", "merchant_id")
              .values("terminal_id", "merchant_id", "month", "amount", "currency", "status")} if ids else {}
    due = {(row["terminal_id"], row["merchant_id"]): row for row in
           charges.filter(status=RentCharge.Status.DUE).values("terminal_id", "merchant_id")
           .annotate(count=Count("id"), total=Sum("amount"))} if ids else {}
    tickets = {(row["terminal_id"], row["merchant_id"]): row["count"] for row in
               scope(Ticket.objects.filter(terminal_id__in=ids, status__in=OPEN_TICKET), actor).order_by()
               .values("terminal_id", "merchant_id").annotate(count=Count("id"))} if ids else {}
    for terminal in terminals:
        key = (terminal.pk, terminal.merchant_id)
        last, unpaid = latest.get(key, {}), due.get(key, {})
        terminal.last_rent_month, terminal.last_rent_amount = last.get("month"), last.get("amount")
        terminal.last_rent_currency, terminal.last_rent_status = last.get("currency"), last.get("status")
        terminal.rent_due_count, terminal.rent_due_total = unpaid.get("count", 0), unpaid.get("total")
        terminal.open_ticket_count = tickets.get(key, 0)
    return terminals


def portal_terminal_get(*, actor, pk: int) -> Terminal:
    """One of the actor's merchant's terminals (another merchant's: 404)."""
    return get_scoped(Terminal.objects.select_related("model", "merchant"), actor, pk=pk)


def terminal_deposit_movements(*, actor, terminal: Terminal):
    return (scope(DepositMovement.objects.all(), actor)
            .filter(terminal_id=terminal.pk, merchant_id=terminal.merchant_id).order_by("-recorded_at", "-id"))


def terminal_rent_charges(*, actor, terminal: Terminal):
    return (scope(RentCharge.objects.all(), actor)
            .filter(terminal_id=terminal.pk, merchant_id=terminal.merchant_id).order_by("-month"))


def terminal_tickets(*, actor, terminal: Terminal):
    return (scope(Ticket.objects.all(), actor)
            .filter(terminal_id=terminal.pk, merchant_id=terminal.merchant_id).order_by("-raised_at", "-id"))


def merchant_rent_terms(*, merchant: Merchant | None) -> dict:
    """Rent and deposit of the merchant's contract in force (the portal list shows them per terminal)."""
    contract = contract_in_force(merchant) if merchant is not None else None
    if contract is None:
        return {"contract": None, "monthly_rent": None, "deposit": None, "currency": ""}
    return {"contract": contract, "monthly_rent": contract.monthly_rent, "deposit": contract.deposit,
            "currency": contract.currency}
