"""How the compliance app's audit actions read (``acquirer/audit_text.py``). Nothing here is read by merchants.

Each subdomain keeps its own block; ``ACTIONS`` and ``LABELS`` merge them."""

from django.utils.translation import gettext_lazy as _  # noqa: F401

# library and assessments -----------------------------------------------------------------------------------------
LIBRARY_ACTIONS: dict = {
    "evidence.added": _("%(actor)s added the evidence %(target)s to %(attached_to)s"),
    "evidence.withdrawn": _("%(actor)s withdrew the evidence %(target)s"),
    "evidence.downloaded": _("%(actor)s downloaded the evidence %(target)s"),
}
LIBRARY_LABELS: dict = {
    "attached_to": _("attached to"),
    "file": _("file"),
    "url": _("link"),
    "reason": _("reason"),
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
CHANGE_ACTIONS: dict = {}
CHANGE_LABELS: dict = {}
# early warning -------------------------------------------------------------------------------------------------------
WARNING_ACTIONS: dict = {}
WARNING_LABELS: dict = {}
# reports and exports ---------------------------------------------------------------------------------------------
REPORT_ACTIONS: dict = {}
REPORT_LABELS: dict = {}
# -------------------------------------------------------------------------------------------------------------------

ACTIONS = {**LIBRARY_ACTIONS, **FINDING_ACTIONS, **CHANGE_ACTIONS, **WARNING_ACTIONS, **REPORT_ACTIONS}
FOR_MERCHANTS: set = set()
LABELS = {**LIBRARY_LABELS, **FINDING_LABELS, **CHANGE_LABELS, **WARNING_LABELS, **REPORT_LABELS}
