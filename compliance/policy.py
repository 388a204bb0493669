"""Who may do what in compliance, as data (``acquirer/policy.py``): each action's permission, the kinds of user who
may take it, the statuses it starts from, its extra rule. Services guard every action with ``policy.require``;
pages ask ``available_actions`` for the buttons. Each subdomain keeps its own block; ``ACTIONS`` merges them."""

from django.utils.translation import gettext as _  # noqa: F401
from django.utils.translation import gettext_lazy  # noqa: F401

from acquirer.policy import Action  # noqa: F401
from compliance import roles  # noqa: F401

STAFF = frozenset({"staff"})

# library and assessments -----------------------------------------------------------------------------------------
def _reviewer_answered_none(actor, assessment) -> str | None:
    """The sign-off rule: the named reviewer signs, and only if they answered none of the items."""
    if assessment.reviewer_id and assessment.reviewer_id != actor.pk:
        return _("Only the reviewer named on the assessment (%(reviewer)s) signs it off.") % {
            "reviewer": assessment.reviewer}
    if assessment.items.filter(answered_by=actor).exists():
        return _("You answered items of this assessment: someone who answered none of them must sign it off.")
    return None


def _all_items_done(actor, assessment) -> str | None:
    if assessment.items.exclude(status="done").exists():
        return _("Every item must be done before the assessment goes for sign-off.")
    return None


def _assignee_or_runner(actor, item) -> str | None:
    if item.assessment.status != "open":
        return _("The assessment is no longer open: its items cannot be changed.")
    if item.assignee_id != actor.pk and not actor.has_perm(roles.RUN_ASSESSMENT):
        return _("Only the person the item is assigned to, or whoever runs the assessment, answers it.")
    return None


def _assessment_open(actor, item) -> str | None:
    if item.assessment.status != "open":
        return _("The assessment is no longer open: its items cannot be reassigned.")
    return None


LIBRARY_ACTIONS: list = [
    Action(name="assessment_submit", permission=roles.RUN_ASSESSMENT, kinds=STAFF, from_statuses=frozenset({"open"}),
           to_status="in_review", label=gettext_lazy("Submit for sign-off"), what=gettext_lazy("submitting it"),
           audit_action="assessment.submitted", rule=_all_items_done),
    Action(name="assessment_sign_off", permission=roles.RUN_ASSESSMENT, kinds=STAFF,
           from_statuses=frozenset({"in_review"}), to_status="signed_off", label=gettext_lazy("Sign off"),
           what=gettext_lazy("signing it off"), audit_action="assessment.signed_off", rule=_reviewer_answered_none),
    Action(name="assessment_send_back", permission=roles.RUN_ASSESSMENT, kinds=STAFF,
           from_statuses=frozenset({"in_review"}), to_status="open", label=gettext_lazy("Send back"),
           what=gettext_lazy("sending it back"), audit_action="assessment.sent_back"),
    Action(name="item_answer", permission=roles.ANSWER_ASSESSMENT, kinds=STAFF, label=gettext_lazy("Answer"),
           what=gettext_lazy("answering it"), audit_action="assessment_item.answered", rule=_assignee_or_runner),
    Action(name="item_assign", permission=roles.RUN_ASSESSMENT, kinds=STAFF, label=gettext_lazy("Reassign"),
           what=gettext_lazy("reassigning it"), audit_action="assessment_item.assigned", rule=_assessment_open),
]
ASSESSMENT_ACTIONS = ("assessment_submit", "assessment_sign_off", "assessment_send_back")
# findings and inspections ----------------------------------------------------------------------------------------
FINDING_ACTIONS: list = []
# regulatory change, access reviews, retention ---------------------------------------------------------------------
CHANGE_ACTIONS: list = []
# -------------------------------------------------------------------------------------------------------------------

ACTIONS = {action.name: action for action in (*LIBRARY_ACTIONS, *FINDING_ACTIONS, *CHANGE_ACTIONS)}
