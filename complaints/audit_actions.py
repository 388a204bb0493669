"""How the complaints app's audit actions read (``acquirer/audit_text.py``), and which a merchant reads.

Each subdomain keeps its own block; ``ACTIONS``, ``FOR_MERCHANTS`` and ``LABELS`` merge them."""

from django.utils.translation import gettext_lazy as _

# complaints (intake, workflow, conversation, SLA) ----------------------------------------------------------------
COMPLAINT_ACTIONS: dict = {}
COMPLAINT_FOR_MERCHANTS: set = set()
COMPLAINT_LABELS: dict = {}
# end of the complaints block -------------------------------------------------------------------------------------

# help centre and training ----------------------------------------------------------------------------------------
HELP_ACTIONS: dict = {}
HELP_FOR_MERCHANTS: set = set()
HELP_LABELS: dict = {}
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
