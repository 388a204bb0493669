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
FINDING_ACTIONS: dict = {}
FINDING_LABELS: dict = {}
# regulatory change, access reviews, retention ---------------------------------------------------------------------
CHANGE_ACTIONS: dict = {}
CHANGE_LABELS: dict = {}
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
# -------------------------------------------------------------------------------------------------------------------

ACTIONS = {**LIBRARY_ACTIONS, **FINDING_ACTIONS, **CHANGE_ACTIONS, **WARNING_ACTIONS, **REPORT_ACTIONS}
FOR_MERCHANTS: set = set()
LABELS = {**LIBRARY_LABELS, **FINDING_LABELS, **CHANGE_LABELS, **WARNING_LABELS, **REPORT_LABELS}
