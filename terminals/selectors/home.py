"""Reads of the merchant's home page (``portal:home``): the merchant's terminals by status and its open fault
tickets, each one aggregate query over the merchant's own rows (``acquirer.access.scope``), whatever the data."""

from django.db.models import Count, Q

from acquirer.access import scope
from terminals.models import Terminal, Ticket

UNRESOLVED = (Ticket.Status.OPEN, Ticket.Status.DIAGNOSING, Ticket.Status.DISPATCHED)


def terminals_by_status(*, actor) -> list[tuple[str, int]]:
    """``(status, count)`` of the terminals ``actor`` may see, in the order of the status choices (one GROUP BY)."""
    counts = dict(scope(Terminal.objects.all(), actor).order_by().values_list("status").annotate(n=Count("id")))
    return [(value, counts[value]) for value in Terminal.Status.values if counts.get(value)]


def ticket_figures(*, actor) -> dict:
    """The fault tickets ``actor`` may see that are still being worked on (``open``) and those resolved and
    waiting for the merchant's confirmation (``to_confirm``): one aggregate query."""
    return scope(Ticket.objects.all(), actor).filter(status__in=[*UNRESOLVED, Ticket.Status.RESOLVED]).aggregate(
        open=Count("id", filter=Q(status__in=UNRESOLVED)),
        to_confirm=Count("id", filter=Q(status=Ticket.Status.RESOLVED)))
