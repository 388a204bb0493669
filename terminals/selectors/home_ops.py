"""Figures of the terminals app's panel on the ops home page (``terminals.plugin.OPS_HOME_PANELS``), through
``acquirer.access.scope``."""

from django.db.models import Count

from acquirer.access import scope
from terminals.models import Terminal


def terminals_by_status(*, actor) -> list[tuple[str, int]]:
    """``(status, count)`` for every terminal status, in the lifecycle's order, zeros included: one grouped query
    (served by the index on status)."""
    counts = dict(scope(Terminal.objects.all(), actor).order_by().values_list("status").annotate(n=Count("id")))
    return [(status, counts.get(status, 0)) for status in Terminal.Status.values]
