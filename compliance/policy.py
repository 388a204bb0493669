"""Who may do what in compliance, as data (``acquirer/policy.py``): each action's permission, the kinds of user who
may take it, the statuses it starts from, its extra rule. Services guard every action with ``policy.require``;
pages ask ``available_actions`` for the buttons. Each subdomain keeps its own block; ``ACTIONS`` merges them."""

from django.utils.translation import gettext as _  # noqa: F401
from django.utils.translation import gettext_lazy  # noqa: F401

from acquirer.policy import Action  # noqa: F401
from compliance import roles  # noqa: F401

STAFF = frozenset({"staff"})

# library and assessments -----------------------------------------------------------------------------------------
LIBRARY_ACTIONS: list = []
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
CHANGE_ACTIONS: list = []
# -------------------------------------------------------------------------------------------------------------------

ACTIONS = {action.name: action for action in (*LIBRARY_ACTIONS, *FINDING_ACTIONS, *CHANGE_ACTIONS)}
