"""The terminals app's early-warning figure (``acquirer.registry.WarningCount``, read by the compliance page): a
bounded count through ``acquirer.access.scope``, in one query, of exactly the rows the linked list shows."""

from acquirer.lists import bounded_count
from terminals.selectors.money import HEALTH_ORDER, health_flag_list

FLAG_OPEN_DAYS = 7  # the health list's ``?open_days=7``


def health_flags_open_count(actor):
    """Health flags still open more than 7 days after they were raised."""
    return bounded_count(health_flag_list(actor=actor, open_days=FLAG_OPEN_DAYS), order=HEALTH_ORDER)
