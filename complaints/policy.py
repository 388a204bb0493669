"""Who may do what with a complaint, as data (``acquirer/policy.py``): each action's permission, the kinds of user
who may take it, the statuses it starts from, its extra rule and how it is called. The services in
``complaints/services/`` guard every action with ``policy.require``; pages ask ``available_actions`` for the
buttons. The status moves themselves are ``complaints/workflow.py``."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acquirer.policy import Action
from complaints import roles
from complaints.models import Complaint

S = Complaint.Status
OPEN = frozenset({S.NEW, S.ACKNOWLEDGED, S.INVESTIGATING, S.WAITING})
STAFF = frozenset({"staff"})
MERCHANT = frozenset({"merchant"})


def reopen_days() -> int:
    return int(settings.ACQUIRER_COMPLAINT_REOPEN_DAYS)


def _within_reopen_window(actor, complaint) -> str | None:
    since = complaint.resolved_at or complaint.status_changed_at
    if since is not None and timezone.now() - since > timedelta(days=reopen_days()):
        return _("A complaint can be reopened within %(days)d days of its resolution; file a new one instead.") % {
            "days": reopen_days()}
    return None


def _not_rated(actor, complaint) -> str | None:
    if complaint.rated_at is not None:
        return _("The resolution was already rated.")
    return None


def _about_a_terminal(actor, complaint) -> str | None:
    if complaint.fault_ticket_id is not None:
        return _("The complaint is already linked to a fault ticket.")
    if complaint.merchant_id is None:
        return _("Link the complaint to a merchant first.")
    return None


def _terminal_known(actor, complaint) -> str | None:
    refusal = _about_a_terminal(actor, complaint)
    if refusal:
        return refusal
    if complaint.terminal_id is None:
        return _("Link the complaint to the broken terminal first.")
    if not actor.has_perm("terminals.handle_ticket"):
        return _("Your role does not allow raising fault tickets.")
    return None


def _own_complaint(actor, complaint) -> str | None:
    if complaint.merchant_id is None or complaint.merchant_id != actor.merchant_id:
        return _("Only the merchant the complaint is about can do this.")
    return None


def _assignee_or_unassigned(actor, complaint) -> str | None:
    if complaint.assignee_id is not None and complaint.assignee_id == actor.pk:
        return _("You already handle this complaint.")
    return None


ACTIONS = {action.name: action for action in (
    # staff: handling
    Action("take", roles.HANDLE_COMPLAINT, STAFF, OPEN, label=gettext_lazy("Take it"),
           what=gettext_lazy("taking the complaint"), audit_action="complaint.assigned", rule=_assignee_or_unassigned),
    Action("assign", roles.HANDLE_COMPLAINT, STAFF, OPEN, label=gettext_lazy("Assign"),
           what=gettext_lazy("assigning the complaint"), audit_action="complaint.assigned"),
    Action("acknowledge", roles.HANDLE_COMPLAINT, STAFF, frozenset({S.NEW}), S.ACKNOWLEDGED,
           label=gettext_lazy("Acknowledge"), what=gettext_lazy("acknowledging the complaint"),
           audit_action="complaint.acknowledged"),
    Action("investigate", roles.HANDLE_COMPLAINT, STAFF, frozenset({S.ACKNOWLEDGED}), S.INVESTIGATING,
           label=gettext_lazy("Start the investigation"), what=gettext_lazy("starting the investigation"),
           audit_action="complaint.investigation_started"),
    Action("request_info", roles.HANDLE_COMPLAINT, STAFF, frozenset({S.ACKNOWLEDGED, S.INVESTIGATING}), S.WAITING,
           label=gettext_lazy("Ask the complainant"), what=gettext_lazy("asking the complainant for information"),
           audit_action="complaint.information_requested"),
    Action("resume", roles.HANDLE_COMPLAINT, STAFF, frozenset({S.WAITING}), S.INVESTIGATING,
           label=gettext_lazy("Resume without an answer"), what=gettext_lazy("resuming the investigation"),
           audit_action="complaint.resumed"),
    Action("reply", roles.HANDLE_COMPLAINT, STAFF, frozenset({*OPEN, S.RESOLVED}), label=gettext_lazy("Reply"),
           what=gettext_lazy("replying to the complainant"), audit_action="complaint.replied"),
    Action("note", roles.HANDLE_COMPLAINT, STAFF, label=gettext_lazy("Add an internal note"),
           what=gettext_lazy("adding an internal note"), audit_action="complaint.note_added"),
    Action("attach", roles.HANDLE_COMPLAINT, STAFF, frozenset({*OPEN, S.RESOLVED}), label=gettext_lazy("Attach a file"),
           what=gettext_lazy("attaching a file"), audit_action="complaint.file_attached"),
    Action("link", roles.HANDLE_COMPLAINT, STAFF, OPEN, label=gettext_lazy("Link"),
           what=gettext_lazy("linking the merchant, terminal, transaction or contract"),
           audit_action="complaint.linked"),
    Action("open_ticket", roles.HANDLE_COMPLAINT, STAFF, OPEN, label=gettext_lazy("Open a fault ticket"),
           what=gettext_lazy("opening a fault ticket"), audit_action="complaint.ticket_opened", rule=_terminal_known),
    Action("link_ticket", roles.HANDLE_COMPLAINT, STAFF, OPEN, label=gettext_lazy("Link a fault ticket"),
           what=gettext_lazy("linking a fault ticket"), audit_action="complaint.ticket_linked",
           rule=_about_a_terminal),
    Action("resolve", roles.HANDLE_COMPLAINT, STAFF, OPEN, S.RESOLVED, label=gettext_lazy("Resolve"),
           what=gettext_lazy("resolving the complaint"), audit_action="complaint.resolved"),
    Action("reject", roles.HANDLE_COMPLAINT, STAFF, frozenset({S.NEW, S.ACKNOWLEDGED, S.INVESTIGATING}), S.REJECTED,
           label=gettext_lazy("Reject as out of scope"), what=gettext_lazy("rejecting the complaint"),
           audit_action="complaint.rejected"),
    Action("close", roles.HANDLE_COMPLAINT, STAFF, frozenset({S.RESOLVED}), S.CLOSED, label=gettext_lazy("Close"),
           what=gettext_lazy("closing the complaint"), audit_action="complaint.closed"),
    Action("reopen", roles.HANDLE_COMPLAINT, STAFF, frozenset({S.RESOLVED, S.CLOSED}), S.INVESTIGATING,
           label=gettext_lazy("Reopen"), what=gettext_lazy("reopening the complaint"),
           audit_action="complaint.reopened", rule=_within_reopen_window),
    # the merchant, in the portal
    Action("portal_reply", "", MERCHANT, OPEN, label=gettext_lazy("Send"),
           what=gettext_lazy("answering"), audit_action="complaint.complainant_replied", rule=_own_complaint),
    Action("portal_reopen", "", MERCHANT, frozenset({S.RESOLVED, S.CLOSED}), S.INVESTIGATING,
           label=gettext_lazy("Not solved: reopen"), what=gettext_lazy("reopening the complaint"),
           audit_action="complaint.reopened",
           rule=lambda actor, c: _own_complaint(actor, c) or _within_reopen_window(actor, c)),
    Action("rate", "", MERCHANT, frozenset({S.RESOLVED, S.CLOSED}), label=gettext_lazy("Rate the resolution"),
           what=gettext_lazy("rating the resolution"), audit_action="complaint.rated",
           rule=lambda actor, c: _own_complaint(actor, c) or _not_rated(actor, c)),
)}
