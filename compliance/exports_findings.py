"""The findings as an export (declared in ``compliance/plugin.py``; written by ``acquirer.exports``): CSV (UTF-8
with a BOM, written by PostgreSQL's COPY) or XLSX, every cell guarded against formulas and written as text, so a
title such as ``=HYPERLINK(...)`` stays inert. The filters are the list's. Staff who read findings and auditors
may take it away; asking for it is recorded in the audit trail."""

from django import forms
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from acquirer import exports
from acquirer.access import is_auditor, is_staff_user
from acquirer.registry import Exporter
from compliance import roles
from compliance.forms.findings import FindingFilterForm
from compliance.models import Finding
from compliance.models.common import Severity
from compliance.selectors.findings import finding_list


def columns() -> list[tuple[str, object]]:
    """One finding per row (labels in the reader's language, times in local time)."""
    return [
        ("reference", exports.own_text("reference")), ("title", F("title")),
        ("severity", exports.choice_label("severity", Severity.choices)),
        ("status", exports.choice_label("status", Finding.Status.choices)),
        ("source", exports.choice_label("source", Finding.Source.choices)),
        ("owner", F("owner__username")), ("due", exports.iso_date("due_on")),
        ("requirement", F("requirement__reference")), ("inspection", F("inspection__title")),
        ("raised_at", exports.local_time("raised_at")), ("raised_by", F("raised_by__username")),
        ("rectified_at", exports.local_time("remediated_at")), ("remediation", F("remediation")),
        ("verified_by", F("verified_by__username")), ("verified_at", exports.local_time("verified_at")),
        ("risk_approver", F("risk_approver__username")),
        ("risk_accepted_until", exports.iso_date("risk_accepted_until")),
        ("closed_at", exports.local_time("closed_at")),
    ]


class _ExportFilterForm(FindingFilterForm):
    """The list's filters; the owner is "me" or a user's id (the list's choices need no query here)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"] = forms.RegexField(regex=r"^(me|[0-9]{1,12})$", required=False)


def finding_filters(data) -> dict | None:
    """The list's filters as JSON-safe values; None when they are invalid (never the whole list instead)."""
    form = _ExportFilterForm(data or {})
    if not form.is_valid():
        return None
    return form.filters()


def _rows(actor, filters: dict):
    return finding_list(actor=actor, filters=filters or {})


def _allowed(actor) -> bool:
    return is_auditor(actor) or (is_staff_user(actor) and actor.has_perm(roles.VIEW_FINDING))


FINDINGS = Exporter(
    kind="compliance_findings", title=_("Findings"), filename="findings", allowed=_allowed, queryset=_rows,
    columns=columns, audit_action="findings.exported", filters=finding_filters, sheet_title=_("Findings"))
