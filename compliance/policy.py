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
_F_OPEN = frozenset({"identified", "confirmed", "in_progress", "remediated"})


def _finding_owner_or_manager(actor, finding) -> str | None:
    if finding.owner_id != actor.pk and not actor.has_perm(roles.MANAGE_FINDING):
        return _("Only the finding's owner, or whoever manages findings, can do this.")
    return None


def _finding_owner(actor, finding) -> str | None:
    if finding.owner_id != actor.pk:
        return _("Only the finding's owner marks it rectified.")
    return None


def _finding_not_owner(actor, finding) -> str | None:
    if finding.owner_id == actor.pk:
        return _("The owner of a finding cannot verify it, close it as not a finding or accept its risk: someone "
                 "else must.")
    return None


FINDING_ACTIONS: list = [
    Action("finding_raise", roles.MANAGE_FINDING, STAFF, label=gettext_lazy("Raise a finding"),
           what=gettext_lazy("raising a finding"), audit_action="finding.raised"),
    Action("finding_confirm", roles.MANAGE_FINDING, STAFF, frozenset({"identified"}), "confirmed",
           label=gettext_lazy("Confirm"), what=gettext_lazy("confirming the finding"),
           audit_action="finding.confirmed"),
    Action("finding_start", roles.REMEDIATE_FINDING, STAFF, frozenset({"confirmed"}), "in_progress",
           label=gettext_lazy("Start rectification"), what=gettext_lazy("starting the rectification"),
           audit_action="finding.rectification_started", rule=_finding_owner_or_manager),
    Action("finding_remediate", roles.REMEDIATE_FINDING, STAFF, frozenset({"in_progress"}), "remediated",
           label=gettext_lazy("Mark rectified"), what=gettext_lazy("marking the finding rectified"),
           audit_action="finding.remediated", rule=_finding_owner),
    Action("finding_verify", roles.MANAGE_FINDING, STAFF, frozenset({"remediated"}), "verified",
           label=gettext_lazy("Verify the rectification"), what=gettext_lazy("verifying the rectification"),
           audit_action="finding.verified", rule=_finding_not_owner),
    Action("finding_send_back", roles.MANAGE_FINDING, STAFF, frozenset({"remediated"}), "in_progress",
           label=gettext_lazy("Send back to rectification"), what=gettext_lazy("sending the finding back"),
           audit_action="finding.sent_back", rule=_finding_not_owner),
    Action("finding_close", roles.MANAGE_FINDING, STAFF, frozenset({"verified"}), "closed",
           label=gettext_lazy("Close"), what=gettext_lazy("closing the finding"), audit_action="finding.closed"),
    Action("finding_dismiss", roles.MANAGE_FINDING, STAFF, frozenset({"identified"}), "closed",
           label=gettext_lazy("Close: not a finding"), what=gettext_lazy("closing it as not a finding"),
           audit_action="finding.dismissed", rule=_finding_not_owner),
    Action("finding_accept_risk", roles.ACCEPT_RISK, STAFF, frozenset({"identified", "confirmed", "in_progress"}),
           "risk_accepted", label=gettext_lazy("Accept the risk"), what=gettext_lazy("accepting the risk"),
           audit_action="finding.risk_accepted", rule=_finding_not_owner),
    Action("finding_reassign", roles.MANAGE_FINDING, STAFF, _F_OPEN, label=gettext_lazy("Give to another owner"),
           what=gettext_lazy("changing the owner"), audit_action="finding.reassigned"),
    Action("finding_change_due", roles.MANAGE_FINDING, STAFF, _F_OPEN, label=gettext_lazy("Change the due date"),
           what=gettext_lazy("changing the due date"), audit_action="finding.due_changed"),
    # regulator inspections
    Action("inspection_record", roles.MANAGE_INSPECTION, STAFF, label=gettext_lazy("Record an inspection"),
           what=gettext_lazy("recording an inspection"), audit_action="regulator_inspection.recorded"),
    Action("inspection_edit", roles.MANAGE_INSPECTION, STAFF,
           frozenset({"announced", "on_site", "awaiting_report", "report_submitted"}), label=gettext_lazy("Edit"),
           what=gettext_lazy("editing the inspection"), audit_action="regulator_inspection.updated"),
    Action("inspection_start", roles.MANAGE_INSPECTION, STAFF, frozenset({"announced"}), "on_site",
           label=gettext_lazy("Inspection under way"), what=gettext_lazy("starting the inspection"),
           audit_action="regulator_inspection.started"),
    Action("inspection_await_report", roles.MANAGE_INSPECTION, STAFF, frozenset({"on_site"}), "awaiting_report",
           label=gettext_lazy("Rectification report due"), what=gettext_lazy("awaiting the rectification report"),
           audit_action="regulator_inspection.report_due"),
    Action("inspection_submit_report", roles.MANAGE_INSPECTION, STAFF, frozenset({"awaiting_report"}),
           "report_submitted", label=gettext_lazy("Report submitted"),
           what=gettext_lazy("recording the submitted report"), audit_action="regulator_inspection.report_submitted"),
    Action("inspection_close", roles.MANAGE_INSPECTION, STAFF, frozenset({"announced", "on_site", "report_submitted"}),
           "closed", label=gettext_lazy("Close the inspection"), what=gettext_lazy("closing the inspection"),
           audit_action="regulator_inspection.closed"),
    Action("inspection_request_document", roles.MANAGE_INSPECTION, STAFF,
           frozenset({"announced", "on_site", "awaiting_report", "report_submitted"}),
           label=gettext_lazy("Add a requested document"), what=gettext_lazy("adding a requested document"),
           audit_action="regulator_inspection.document_requested"),
    Action("inspection_provide_document", roles.MANAGE_INSPECTION, STAFF,
           frozenset({"announced", "on_site", "awaiting_report", "report_submitted"}),
           label=gettext_lazy("Upload what was provided"), what=gettext_lazy("providing a document"),
           audit_action="regulator_inspection.document_provided"),
]
# regulatory change, access reviews, retention ---------------------------------------------------------------------
def _change_open(actor, change) -> str | None:
    from compliance.models import RegulatoryChange

    if change.status == RegulatoryChange.Status.DONE:
        return _("The change is already in effect: it can no longer be edited.")
    return None


def _task_doable(actor, task) -> str | None:
    if task.done_at is not None:
        return _("The task is already done.")
    if task.owner_id != actor.pk and not actor.has_perm(roles.MANAGE_CHANGE):
        return _("Only the task's owner, or whoever records regulatory changes, marks it done.")
    return None


def _own_reading_pending(actor, reading) -> str | None:
    if reading.user_id != actor.pk:
        return _("Only the person asked to read it acknowledges it.")
    if reading.acknowledged_at is not None:
        return _("You already acknowledged it.")
    return None


def _review_item_pending(actor, item) -> str | None:
    from compliance.models import AccessReview, AccessReviewItem

    if item.review.status != AccessReview.Status.OPEN:
        return _("The campaign is completed: decisions can no longer change.")
    if item.decision != AccessReviewItem.Decision.PENDING:
        return _("This account was already reviewed in this campaign.")
    if item.user_id == actor.pk:
        return _("You cannot review your own account: another manager decides on it.")
    return None


def _review_all_decided(actor, review) -> str | None:
    from compliance.models import AccessReviewItem

    if review.items.filter(decision=AccessReviewItem.Decision.PENDING).exists():
        return _("Some accounts are not reviewed yet: decide on every account first.")
    return None


def _hold_active(actor, hold) -> str | None:
    if hold.released_at is not None:
        return _("The legal hold was already released.")
    return None


def _change_moves(to: str, label, what) -> Action:
    from compliance.workflow import CHANGE_MOVES

    sources = frozenset(status for status, targets in CHANGE_MOVES.items() if to in targets)
    return Action(name=f"change_{to}", permission=roles.MANAGE_CHANGE, kinds=STAFF, from_statuses=sources,
                  to_status=to, label=label, what=what, audit_action=f"regulatory_change.{to}")


CHANGE_EDIT = Action(name="change_edit", permission=roles.MANAGE_CHANGE, kinds=STAFF,
                     label=gettext_lazy("Edit"), what=gettext_lazy("editing the change"),
                     audit_action="regulatory_change.updated", rule=_change_open)
CHANGE_ASSESS = _change_moves("assessing", gettext_lazy("Start the impact assessment"),
                              gettext_lazy("assessing its impact"))
CHANGE_IMPLEMENT = _change_moves("implementing", gettext_lazy("Start putting it into effect"),
                                 gettext_lazy("putting it into effect"))
CHANGE_DONE = _change_moves("done", gettext_lazy("Mark it in effect"), gettext_lazy("marking it in effect"))
CHANGE_TASK_ADD = Action(name="change_task_add", permission=roles.MANAGE_CHANGE, kinds=STAFF,
                         label=gettext_lazy("Add a task"), audit_action="change_task.added", rule=_change_open)
CHANGE_READING_ASSIGN = Action(name="change_reading_assign", permission=roles.MANAGE_CHANGE, kinds=STAFF,
                               label=gettext_lazy("Assign reading"), audit_action="change_reading.assigned")
CHANGE_TASK_DONE = Action(name="change_task_done", kinds=STAFF, label=gettext_lazy("Mark done"),
                          audit_action="change_task.done", rule=_task_doable)
CHANGE_ACKNOWLEDGE = Action(name="change_acknowledge", kinds=STAFF, label=gettext_lazy("I have read it"),
                            audit_action="change_reading.acknowledged", rule=_own_reading_pending)
REVIEW_START = Action(name="review_start", permission=roles.REVIEW_ACCESS, kinds=STAFF,
                      label=gettext_lazy("Start this half-year's review"), audit_action="access_review.started")
REVIEW_CONFIRM = Action(name="review_confirm", permission=roles.REVIEW_ACCESS, kinds=STAFF,
                        label=gettext_lazy("Confirm"), audit_action="access_review.confirmed",
                        rule=_review_item_pending)
REVIEW_REVOKE = Action(name="review_revoke", permission=roles.REVIEW_ACCESS, kinds=STAFF,
                       label=gettext_lazy("Revoke"), audit_action="access_review.revoked", rule=_review_item_pending)
REVIEW_COMPLETE = Action(name="review_complete", permission=roles.REVIEW_ACCESS, kinds=STAFF,
                         from_statuses=frozenset({"open"}), to_status="completed",
                         label=gettext_lazy("Complete the campaign"), what=gettext_lazy("completing the campaign"),
                         audit_action="access_review.completed", rule=_review_all_decided)
RETENTION_EDIT = Action(name="retention_edit", permission=roles.MANAGE_RETENTION, kinds=STAFF,
                        label=gettext_lazy("Edit"), audit_action="retention_rule.changed")
HOLD_PLACE = Action(name="hold_place", permission=roles.MANAGE_LEGAL_HOLD, kinds=STAFF,
                    label=gettext_lazy("Place a legal hold"), audit_action="legal_hold.placed")
HOLD_RELEASE = Action(name="hold_release", permission=roles.MANAGE_LEGAL_HOLD, kinds=STAFF,
                      label=gettext_lazy("Release"), audit_action="legal_hold.released", rule=_hold_active)
RECORD_DISPOSE = Action(name="record_dispose", permission=roles.DISPOSE_RECORD, kinds=STAFF,
                        label=gettext_lazy("Delete a record"), audit_action="record.disposed")

CHANGE_ACTIONS: list = [CHANGE_EDIT, CHANGE_ASSESS, CHANGE_IMPLEMENT, CHANGE_DONE, CHANGE_TASK_ADD,
                        CHANGE_READING_ASSIGN, CHANGE_TASK_DONE, CHANGE_ACKNOWLEDGE, REVIEW_START, REVIEW_CONFIRM,
                        REVIEW_REVOKE, REVIEW_COMPLETE, RETENTION_EDIT, HOLD_PLACE, HOLD_RELEASE, RECORD_DISPOSE]
CHANGE_PAGE_ACTIONS = [CHANGE_EDIT, CHANGE_ASSESS, CHANGE_IMPLEMENT, CHANGE_DONE, CHANGE_TASK_ADD,
                       CHANGE_READING_ASSIGN]
# -------------------------------------------------------------------------------------------------------------------

ACTIONS = {action.name: action for action in (*LIBRARY_ACTIONS, *FINDING_ACTIONS, *CHANGE_ACTIONS)}
