"""How the complaints app's audit actions read (``acquirer/audit_text.py``), and which a merchant reads.

Each subdomain keeps its own block; ``ACTIONS``, ``FOR_MERCHANTS`` and ``LABELS`` merge them."""

from django.utils.translation import gettext_lazy as _

from acquirer.roles import ROLES

# complaints (intake, workflow, conversation, SLA) ----------------------------------------------------------------
COMPLAINT_ACTIONS: dict = {
    "complaint.filed": _("%(actor)s filed the complaint %(target)s"),
    "complaint.assigned": _("%(actor)s gave the complaint %(target)s to %(assignee_name)s"),
    "complaint.acknowledged": _("%(actor)s acknowledged the complaint %(target)s"),
    "complaint.investigation_started": _("%(actor)s started investigating the complaint %(target)s"),
    "complaint.information_requested": _("%(actor)s asked the complainant for information on the complaint "
                                         "%(target)s"),
    "complaint.resumed": _("%(actor)s resumed the complaint %(target)s"),
    "complaint.replied": _("%(actor)s replied on the complaint %(target)s"),
    "complaint.complainant_replied": _("%(actor)s answered on the complaint %(target)s"),
    "complaint.note_added": _("%(actor)s added an internal note to the complaint %(target)s"),
    "complaint.file_attached": _("%(actor)s attached files to the complaint %(target)s"),
    "complaint.file_downloaded": _("%(actor)s downloaded a file of the complaint %(target)s"),
    "complaint.linked": _("%(actor)s linked the complaint %(target)s to a merchant, terminal, contract or "
                          "transaction"),
    "complaint.ticket_opened": _("%(actor)s opened the fault ticket %(ticket)s for the complaint %(target)s"),
    "complaint.ticket_linked": _("%(actor)s linked the fault ticket %(ticket)s to the complaint %(target)s"),
    "complaint.resolved": _("%(actor)s resolved the complaint %(target)s"),
    "complaint.rejected": _("%(actor)s rejected the complaint %(target)s as out of scope"),
    "complaint.closed": _("%(actor)s closed the complaint %(target)s"),
    "complaint.reopened": _("%(actor)s reopened the complaint %(target)s"),
    "complaint.rated": _("%(actor)s rated the resolution of the complaint %(target)s %(rating)s out of 5"),
    "complaint.sla_breached": _("The complaint %(target)s passed its service-level target"),
    "complaint.escalated": _("The complaint %(target)s was escalated (level %(level)s)"),
}
COMPLAINT_FOR_MERCHANTS: set = {
    "complaint.filed", "complaint.acknowledged", "complaint.replied", "complaint.information_requested",
    "complaint.resumed", "complaint.resolved", "complaint.rejected", "complaint.closed", "complaint.reopened",
    "complaint.rated", "complaint.complainant_replied",
}
COMPLAINT_LABELS: dict = {
    "assignee_name": _("assigned to"),
    "complainant_kind": _("complainant"),
    "files": _("files"),
    "filenames": _("file names"),
    "file": _("file"),
    "attachment": _("file"),
    "message": _("message"),
    "note": _("internal note"),
    "ticket": _("fault ticket"),
    "reason": _("reason"),
    "level": _("escalation level"),
    "clock": _("clock"),
    "due": _("due"),
    "to": _("escalated to"),
    "detected_at": _("detected"),
    "resolution_due_before": _("resolution was due"),
    "merchant_id": _("merchant"),
    "terminal_id": _("terminal"),
    "contract_id": _("contract"),
}
# end of the complaints block -------------------------------------------------------------------------------------

# help centre and training ----------------------------------------------------------------------------------------
HELP_ACTIONS: dict = {
    "article.created": _("%(actor)s wrote the help article %(target)s"),
    "article.changed": _("%(actor)s changed the help article %(target)s (%(fields)s)"),
    "article.published": _("%(actor)s published the help article %(target)s"),
    "article.unpublished": _("%(actor)s withdrew the help article %(target)s"),
    "article.voted": _("%(actor)s said whether the help article %(target)s was helpful"),
    "training.created": _("%(actor)s scheduled the training session %(target)s"),
    "training.changed": _("%(actor)s changed the training session %(target)s (%(fields)s)"),
    "training.cancelled": _("%(actor)s cancelled the training session %(target)s"),
    "training.held": _("%(actor)s recorded that the training session %(target)s was held"),
    "training.signed_up": _("%(actor)s signed %(merchant)s up for the training session %(target)s"),
    "training.signup_cancelled": _("%(actor)s cancelled the place of %(merchant)s on the training session %(target)s"),
    "training.attendance_recorded": _("%(actor)s recorded attendance at the training session %(target)s: "
                                      "%(attended)s attended, %(absent)s absent"),
}
HELP_FOR_MERCHANTS: set = {"training.signed_up", "training.signup_cancelled"}
HELP_LABELS: dict = {
    "slug": _("address"),
    "topic": _("topic"),
    "title_zh": _("title (Chinese)"),
    "title_en": _("title (English)"),
    "body_zh": _("text (Chinese)"),
    "body_en": _("text (English)"),
    "published": _("published"),
    "fields": _("changed fields"),
    "helpful": _("helpful"),
    "language": _("language"),
    "starts_at": _("starts"),
    "ends_at": _("ends"),
    "place": _("place"),
    "capacity": _("places"),
    "materials": _("materials"),
    "status": _("status"),
    "merchant": _("merchant"),
    "attended": _("attended"),
    "absent": _("absent"),
    "reason": _("reason"),
}
# end of the help block -------------------------------------------------------------------------------------------

# reports, regulator statistics and settings ----------------------------------------------------------------------
REPORT_ACTIONS: dict = {
    "regulator_report.generated": _("%(actor)s generated version %(version)s of the complaint statistics for "
                                    "%(month)s"),
    "regulator_report.downloaded": _("%(actor)s downloaded the complaint statistics %(target)s as %(format)s"),
    "complaint_category.created": _("%(actor)s added the complaint category %(target)s"),
    "complaint_category.changed": _("%(actor)s changed the complaint category %(target)s"),
    "root_cause.created": _("%(actor)s added the root cause %(target)s"),
    "root_cause.changed": _("%(actor)s changed the root cause %(target)s"),
    "sla_policy.created": _("%(actor)s added the SLA policy %(target)s"),
    "sla_policy.changed": _("%(actor)s changed the SLA policy %(target)s"),
    "canned_response.created": _("%(actor)s added the canned response %(target)s"),
    "canned_response.changed": _("%(actor)s changed the canned response %(target)s"),
}
REPORT_FOR_MERCHANTS: set = set()
REPORT_LABELS: dict = {
    "month": _("month"),
    "version": _("version"),
    "received": _("complaints received"),
    "format": _("format"),
    "code": _("code"),
    "name_zh": _("name (Chinese)"),
    "name_en": _("name (English)"),
    "parent": _("category"),
    "terminal_fault": _("about a terminal fault"),
    "active": _("in use"),
    "order": _("order"),
    "category": _("category"),
    "priority": _("priority"),
    "channel": _("channel"),
    "first_response_hours": _("first response within (working hours)"),
    "resolution_hours": _("resolution within (working hours)"),
    "title": _("title"),
    "body_zh": _("text (Chinese)"),
    "body_en": _("text (English)"),
}
# end of the reports block ----------------------------------------------------------------------------------------

ACTIONS = {**COMPLAINT_ACTIONS, **HELP_ACTIONS, **REPORT_ACTIONS}
FOR_MERCHANTS = COMPLAINT_FOR_MERCHANTS | HELP_FOR_MERCHANTS | REPORT_FOR_MERCHANTS
LABELS = {**COMPLAINT_LABELS, **HELP_LABELS, **REPORT_LABELS}
# Detail values stored as codes, in words (``acquirer/audit_text.py``): whom an escalation went to, which clock.
VALUES = {
    "to": {role: label for role, label in ROLES.items()},
    "clock": {"first_response": _("first response"), "resolution": _("resolution")},
}
