"""Who may do what with reconciliation runs and their breaks, as data (``acquirer/policy.py``): each action's
permission, the statuses it starts from, its extra rule and how it is called. The services guard every action with
``policy.require`` and the pages ask the same actions for their buttons (``available_actions``)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acquirer.policy import Action
from transactions import roles
from transactions.models import ReconException

E = ReconException.Status


def _second_person(actor, exception) -> str | None:
    """Four eyes: the person deciding on a proposal is not the person who made it."""
    if exception.proposed_by_id is not None and exception.proposed_by_id == actor.pk:
        return _("Four eyes: a proposal must be decided by someone other than the person who made it.")
    return None


RECON_ACTIONS = {action.name: action for action in (
    Action("run", roles.RUN_RECON, label=gettext_lazy("Start reconciliation"),
           what=gettext_lazy("starting a reconciliation"), audit_action="recon_run.started"),
    Action("take", roles.HANDLE_EXCEPTION, from_statuses=frozenset({E.OPEN}),
           label=gettext_lazy("Take it"), what=gettext_lazy("taking the break"),
           audit_action="recon_exception.taken"),
    Action("assign", roles.HANDLE_EXCEPTION, from_statuses=frozenset({E.OPEN, E.INVESTIGATING}),
           label=gettext_lazy("Assign"), what=gettext_lazy("assigning the break"),
           audit_action="recon_exception.assigned"),
    Action("propose", roles.HANDLE_EXCEPTION, from_statuses=frozenset({E.INVESTIGATING}),
           label=gettext_lazy("Propose a resolution"), what=gettext_lazy("proposing a resolution"),
           audit_action="recon_exception.proposed"),
    Action("approve", roles.APPROVE_EXCEPTION, from_statuses=frozenset({E.PROPOSED}),
           label=gettext_lazy("Approve the proposal"), what=gettext_lazy("approving the proposal"),
           audit_action="recon_exception.approved", rule=_second_person),
    Action("reject", roles.APPROVE_EXCEPTION, from_statuses=frozenset({E.PROPOSED}),
           label=gettext_lazy("Reject the proposal"), what=gettext_lazy("rejecting the proposal"),
           audit_action="recon_exception.rejected", rule=_second_person),
)}
# Who a break may be given to.
HANDLES_EXCEPTIONS = Action("handles_exceptions", roles.HANDLE_EXCEPTION)
EXCEPTION_ACTION_NAMES = ("take", "assign", "propose", "approve", "reject")
