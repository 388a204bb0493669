"""Who may do what with risk cases and settlement holds, as data (``acquirer/policy.py``): each action's
permission, the statuses it starts from, its extra rule and how it is called. The services in
``transactions/services/risk_cases.py`` and ``risk_holds.py`` guard every action with ``policy.require``; pages ask
``available_actions`` for the buttons."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acquirer.policy import Action, permitted
from transactions import roles
from transactions.models import RiskCase, SettlementHold

C = RiskCase.Status
H = SettlementHold.Status
WORKING = frozenset({C.OPEN, C.INVESTIGATING, C.ESCALATED})


def _not_reported(actor, case) -> str | None:
    if case.reported_at is not None:
        return _("The case was already reported.")
    return None


def _reported_if_major(actor, case) -> str | None:
    """A major risk event is closed only once it was reported to the regulator."""
    if case.status == C.CONFIRMED and case.major and case.reported_at is None:
        return _("A major risk event is closed only after it was reported to the regulator.")
    return None


def _handles_holds(actor, hold) -> str | None:
    """Asking for a release: whoever may place or release holds."""
    if not (permitted(actor, PLACES_HOLDS) or permitted(actor, RELEASES_HOLDS)):
        return _("Your role does not allow this action.")
    return None


def _second_person(actor, hold) -> str | None:
    """Four eyes: the release is approved by someone who neither placed the hold nor asked for its release."""
    if hold.placed_by_id is not None and hold.placed_by_id == actor.pk:
        return _("Four eyes: a hold is released by someone other than the person who placed it.")
    if hold.release_requested_by_id is not None and hold.release_requested_by_id == actor.pk:
        return _("Four eyes: a release is approved by someone other than the person who asked for it.")
    return None


def _not_requester(actor, hold) -> str | None:
    if hold.release_requested_by_id is not None and hold.release_requested_by_id == actor.pk:
        return _("Four eyes: a release request is rejected by someone other than the person who made it.")
    return None


CASE_ACTIONS = {action.name: action for action in (
    Action("take", roles.HANDLE_CASE, from_statuses=frozenset({C.OPEN}), label=gettext_lazy("Take it"),
           what=gettext_lazy("taking the case"), audit_action="risk_case.taken"),
    Action("assign", roles.HANDLE_CASE, from_statuses=WORKING, label=gettext_lazy("Assign"),
           what=gettext_lazy("assigning the case"), audit_action="risk_case.assigned"),
    Action("note", roles.HANDLE_CASE, from_statuses=WORKING, label=gettext_lazy("Add a note"),
           what=gettext_lazy("adding a note"), audit_action="risk_case.note_added"),
    Action("attach", roles.HANDLE_CASE, from_statuses=WORKING, label=gettext_lazy("Attach a file"),
           what=gettext_lazy("attaching a file"), audit_action="risk_case.file_attached"),
    Action("link", roles.HANDLE_CASE, from_statuses=WORKING, label=gettext_lazy("Link a transaction"),
           what=gettext_lazy("linking a transaction"), audit_action="risk_case.transaction_linked"),
    Action("decide", roles.HANDLE_CASE, from_statuses=frozenset({C.INVESTIGATING, C.ESCALATED}),
           label=gettext_lazy("Decide"), what=gettext_lazy("deciding the case"), audit_action="risk_case.decided"),
    Action("close", roles.HANDLE_CASE, from_statuses=frozenset({C.CONFIRMED, C.FALSE_POSITIVE}),
           label=gettext_lazy("Close"), what=gettext_lazy("closing the case"), audit_action="risk_case.closed",
           rule=_reported_if_major),
    Action("report", roles.REPORT_CASE, from_statuses=frozenset({C.CONFIRMED}),
           label=gettext_lazy("Mark as reported"), what=gettext_lazy("marking the report as filed"),
           audit_action="risk_case.reported", rule=_not_reported),
    Action("suspend_terminal", roles.HANDLE_CASE, from_statuses=frozenset({*WORKING, C.CONFIRMED}),
           label=gettext_lazy("Suspend a terminal"), what=gettext_lazy("suspending a terminal"),
           audit_action="risk_case.terminal_suspended"),
    Action("suspend_merchant", roles.HANDLE_CASE, from_statuses=frozenset({*WORKING, C.CONFIRMED}),
           label=gettext_lazy("Suspend the merchant"), what=gettext_lazy("suspending the merchant"),
           audit_action="risk_case.merchant_suspended"),
    Action("hold", roles.PLACE_HOLD, from_statuses=frozenset({*WORKING, C.CONFIRMED}),
           label=gettext_lazy("Hold settlement"), what=gettext_lazy("holding settlement"),
           audit_action="settlement_hold.placed"),
)}
# Who a case may be given to.
HANDLES_CASES = Action("handles_cases", roles.HANDLE_CASE)
# Downloading the suspicious-transaction report: those who report, and auditors (read-only).
REPORT_DOWNLOAD = Action("report_download", roles.REPORT_CASE)
REPORT_READ = Action("report_read", kinds=frozenset({"auditor"}))

PLACES_HOLDS = Action("places_holds", roles.PLACE_HOLD)
RELEASES_HOLDS = Action("releases_holds", roles.RELEASE_HOLD)
HOLD_ACTIONS = {action.name: action for action in (
    Action("place", roles.PLACE_HOLD, label=gettext_lazy("Hold settlement"),
           what=gettext_lazy("holding settlement"), audit_action="settlement_hold.placed"),
    Action("request_release", from_statuses=frozenset({H.ACTIVE}), label=gettext_lazy("Ask for release"),
           what=gettext_lazy("asking for the release"), audit_action="settlement_hold.release_requested",
           rule=_handles_holds),
    Action("approve_release", roles.RELEASE_HOLD, from_statuses=frozenset({H.RELEASE_REQUESTED}),
           label=gettext_lazy("Approve the release"), what=gettext_lazy("approving the release"),
           audit_action="settlement_hold.released", rule=_second_person),
    Action("reject_release", roles.RELEASE_HOLD, from_statuses=frozenset({H.RELEASE_REQUESTED}),
           label=gettext_lazy("Reject the release"), what=gettext_lazy("rejecting the release"),
           audit_action="settlement_hold.release_rejected", rule=_not_requester),
)}
