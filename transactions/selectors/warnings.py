"""The transactions app's early-warning figures (``acquirer.registry.WarningCount``, read by the compliance page):
each a bounded count through ``acquirer.access.scope``, in one query, of exactly the rows the linked list shows."""

from acquirer.lists import bounded_count
from transactions.selectors.recon import EXCEPTION_ORDER, recon_exception_list
from transactions.selectors.risk import CASE_ORDER, risk_case_list

RECON_FILTERS = {"status": "unresolved", "age": "3"}  # the breaks list's ``?status=unresolved&age=3``
REPORT_FILTERS = {"report": "due"}  # the risk case list's ``?report=due``


def recon_breaks_old_count(actor):
    """Reconciliation breaks still to work on, found more than 3 days ago."""
    return bounded_count(recon_exception_list(actor=actor, filters=RECON_FILTERS), order=EXCEPTION_ORDER)


def risk_reports_due_count(actor):
    """Major risk events not yet reported to the regulator, past or within 3 days of their deadline."""
    return bounded_count(risk_case_list(actor=actor, filters=REPORT_FILTERS), order=CASE_ORDER)
