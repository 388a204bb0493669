"""How the compliance app's audit actions read (``acquirer/audit_text.py``). Nothing here is read by merchants.

Each subdomain keeps its own block; ``ACTIONS`` and ``LABELS`` merge them."""

from django.utils.translation import gettext_lazy as _  # noqa: F401

# library and assessments -----------------------------------------------------------------------------------------
LIBRARY_ACTIONS: dict = {
    "evidence.added": _("%(actor)s added the evidence %(target)s to %(attached_to)s"),
    "evidence.withdrawn": _("%(actor)s withdrew the evidence %(target)s"),
    "evidence.downloaded": _("%(actor)s downloaded the evidence %(target)s"),
    "framework.created": _("%(actor)s added the framework %(target)s to the regulatory library"),
    "framework.updated": _("%(actor)s changed the framework %(target)s"),
    "requirement.created": _("%(actor)s added the requirement %(target)s"),
    "requirement.updated": _("%(actor)s changed the requirement %(target)s"),
    "requirements.imported": _("%(actor)s imported requirements into the framework %(target)s"),
    "control.created": _("%(actor)s added the control %(target)s"),
    "control.updated": _("%(actor)s changed the control %(target)s"),
    "checklist_template.created": _("%(actor)s created the checklist %(target)s"),
    "assessment.started": _("%(actor)s started the assessment %(target)s"),
    "assessment.submitted": _("%(actor)s submitted the assessment %(target)s for sign-off"),
    "assessment.signed_off": _("%(actor)s signed off the assessment %(target)s"),
    "assessment.sent_back": _("%(actor)s sent the assessment %(target)s back to its assignees"),
    "assessment_item.assigned": _("%(actor)s reassigned the assessment item %(target)s"),
    "assessment_item.answered": _("%(actor)s answered the assessment item %(target)s"),
    "compliance_requirements.exported": _("%(actor)s exported the requirements of the regulatory library"),
    "compliance_assessment_items.exported": _("%(actor)s exported the items of an assessment"),
}
LIBRARY_LABELS: dict = {
    "attached_to": _("attached to"),
    "file": _("file"),
    "url": _("link"),
    "reason": _("reason"),
    "code": _("code"),
    "name_zh": _("name (Chinese)"),
    "name_en": _("name (English)"),
    "kind": _("kind"),
    "issuer": _("issuer"),
    "version": _("version"),
    "effective_on": _("in force from"),
    "description": _("description"),
    "active": _("in use"),
    "framework": _("framework"),
    "reference": _("reference"),
    "parent": _("part of"),
    "title_zh": _("title (Chinese)"),
    "title_en": _("title (English)"),
    "text_zh": _("text (Chinese)"),
    "text_en": _("text (English)"),
    "applicability": _("applicability"),
    "applicability_note": _("why (applicability)"),
    "order": _("order"),
    "evidence_kind": _("evidence expected"),
    "source": _("live source"),
    "owner": _("owner"),
    "requirements": _("requirements"),
    "rows": _("rows"),
    "frequency": _("frequency"),
    "default_assignee": _("default assignee"),
    "template": _("checklist"),
    "period_start": _("period from"),
    "period_end": _("period to"),
    "due_on": _("due"),
    "reviewer": _("reviewer"),
    "assignee": _("assignee"),
    "items": _("items"),
    "note": _("note"),
    "status": _("status"),
    "result": _("result"),
    "comment": _("comment"),
    "assessment": _("assessment"),
}
# findings and inspections ----------------------------------------------------------------------------------------
FINDING_ACTIONS: dict = {
    "finding.raised": _("%(actor)s raised the finding %(target)s"),
    "finding.confirmed": _("%(actor)s confirmed the finding %(target)s"),
    "finding.rectification_started": _("%(actor)s started rectifying the finding %(target)s"),
    "finding.remediated": _("%(actor)s reported the rectification of the finding %(target)s"),
    "finding.verified": _("%(actor)s verified the rectification of the finding %(target)s"),
    "finding.sent_back": _("%(actor)s sent the finding %(target)s back to rectification"),
    "finding.closed": _("%(actor)s closed the finding %(target)s"),
    "finding.dismissed": _("%(actor)s closed the finding %(target)s as not a finding"),
    "finding.risk_accepted": _("%(actor)s accepted the risk of the finding %(target)s"),
    "finding.risk_acceptance_expired": _("The risk acceptance of the finding %(target)s expired: it is being "
                                         "rectified again"),
    "finding.reassigned": _("%(actor)s gave the finding %(target)s to another owner"),
    "finding.due_changed": _("%(actor)s changed the due date of the finding %(target)s"),
    "finding.escalated": _("The finding %(target)s is overdue: escalated to the compliance officers and operations "
                           "managers"),
    "findings.exported": _("%(actor)s exported the findings"),
    "regulator_inspection.recorded": _("%(actor)s recorded the regulator inspection %(target)s"),
    "regulator_inspection.updated": _("%(actor)s edited the regulator inspection %(target)s"),
    "regulator_inspection.started": _("%(actor)s recorded that the regulator inspection %(target)s is under way"),
    "regulator_inspection.report_due": _("%(actor)s recorded that the rectification report of the inspection "
                                         "%(target)s is due"),
    "regulator_inspection.report_submitted": _("%(actor)s recorded that the rectification report of the inspection "
                                               "%(target)s was submitted"),
    "regulator_inspection.closed": _("%(actor)s closed the regulator inspection %(target)s"),
    "regulator_inspection.document_requested": _("%(actor)s recorded the document %(document)s requested by the "
                                                 "inspection %(target)s"),
    "regulator_inspection.document_provided": _("%(actor)s uploaded the document %(document)s provided to the "
                                                "inspection %(target)s"),
    "regulator_inspection.document_downloaded": _("%(actor)s downloaded the document %(document)s of the "
                                                  "inspection %(target)s"),
}
FINDING_LABELS: dict = {
    "reason": _("reason"),
    "note": _("note"),
    "document": _("document"),
    "requested_on": _("requested"),
    "due": _("due"),
    "evidence": _("evidence"),
    "until": _("until"),
    "days_overdue": _("days overdue"),
    "filters": _("filters"),
    "format": _("format"),
}
# regulatory change, access reviews, retention ---------------------------------------------------------------------
CHANGE_ACTIONS: dict = {
    "regulatory_change.created": _("%(actor)s recorded the regulatory change %(target)s"),
    "regulatory_change.updated": _("%(actor)s edited the regulatory change %(target)s"),
    "regulatory_change.assessing": _("%(actor)s started assessing the impact of the regulatory change %(target)s"),
    "regulatory_change.implementing": _("%(actor)s started putting the regulatory change %(target)s into effect"),
    "regulatory_change.done": _("%(actor)s marked the regulatory change %(target)s in effect"),
    "change_task.added": _("%(actor)s added the task %(target)s to a regulatory change"),
    "change_task.done": _("%(actor)s marked the task %(target)s of a regulatory change done"),
    "change_reading.assigned": _("%(actor)s asked %(count)s people to read the regulatory change %(target)s"),
    "change_reading.acknowledged": _("%(actor)s acknowledged reading the regulatory change %(target)s"),
    "access_review.started": _("%(actor)s started the access review %(target)s"),
    "access_review.confirmed": _("%(actor)s confirmed the access of %(account)s in the access review %(target)s"),
    "access_review.revoked": _("%(actor)s revoked the access of %(account)s in the access review %(target)s"),
    "access_review.completed": _("%(actor)s completed the access review %(target)s"),
    "retention_rule.changed": _("%(actor)s changed the retention period of %(target)s"),
    "legal_hold.placed": _("%(actor)s placed the legal hold %(target)s"),
    "legal_hold.released": _("%(actor)s released the legal hold %(target)s"),
    "record.disposed": _("%(actor)s deleted the record %(target)s after its retention period"),
}
CHANGE_LABELS: dict = {
    "title": _("title"),
    "source": _("issued by"),
    "published_on": _("published"),
    "effective_on": _("takes effect"),
    "impact_level": _("impact"),
    "requirements": _("requirements affected"),
    "owner": _("owner"),
    "due_on": _("due"),
    "readers": _("readers"),
    "account": _("account"),
    "period": _("half-year"),
    "items": _("accounts"),
    "confirmed": _("confirmed"),
    "revoked": _("revoked"),
    "years": _("years"),
    "basis": _("basis"),
    "matter": _("matter"),
    "scope": _("scope"),
    "record_id": _("record"),
    "deleted": _("deleted"),
}
# early warning -------------------------------------------------------------------------------------------------------
WARNING_ACTIONS: dict = {}
WARNING_LABELS: dict = {}
# reports and exports ---------------------------------------------------------------------------------------------
REPORT_ACTIONS: dict = {
    "compliance.report_requested": _("%(actor)s asked for the compliance report %(target)s"),
    "compliance.report_exported_shell": _("%(actor)s exported the compliance report for %(period)s from the shell"),
}
REPORT_LABELS: dict = {
    "period": _("period"),
    "folder": _("folder"),
    "language": _("language"),
}
# more exports (every other compliance list) and the requirement import template ---------------------------------
MORE_ACTIONS: dict = {
    "compliance_controls.exported": _("%(actor)s exported the controls"),
    "compliance_assessments.exported": _("%(actor)s exported the list of assessments"),
    "compliance_evidence.exported": _("%(actor)s exported the evidence index"),
    "compliance_inspections.exported": _("%(actor)s exported the regulator inspections"),
    "compliance_changes.exported": _("%(actor)s exported the regulatory changes"),
    "compliance_access_review_items.exported": _("%(actor)s exported the accounts of the access reviews"),
    "compliance_legal_holds.exported": _("%(actor)s exported the legal holds"),
    "compliance_retention_rules.exported": _("%(actor)s exported the retention rules"),
}
MORE_LABELS: dict = {
    "filters": _("filters"),
    "format": _("format"),
}
# -------------------------------------------------------------------------------------------------------------------

ACTIONS = {**LIBRARY_ACTIONS, **FINDING_ACTIONS, **CHANGE_ACTIONS, **WARNING_ACTIONS, **REPORT_ACTIONS,
           **MORE_ACTIONS}
FOR_MERCHANTS: set = set()
LABELS = {**LIBRARY_LABELS, **FINDING_LABELS, **CHANGE_LABELS, **WARNING_LABELS, **REPORT_LABELS, **MORE_LABELS}
