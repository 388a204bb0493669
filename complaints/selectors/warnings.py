"""The complaints app's early-warning figure (``acquirer.registry.WarningCount``, read by the compliance page): a
bounded count through ``acquirer.access.scope``, in one query, of exactly the rows the linked list shows."""

from acquirer.lists import bounded_count
from complaints.selectors.complaints import BREACHED_THIS_MONTH, complaint_list


def complaint_breaches_this_month_count(actor):
    """Complaints, whatever their status now, whose first-response or resolution target was breached this month
    (the breach stamps of the SLA job): the complaint list's ``?sla=breached_month``."""
    return bounded_count(complaint_list(actor=actor, filters={"sla": BREACHED_THIS_MONTH}))
