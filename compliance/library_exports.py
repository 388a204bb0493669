"""The library's requirements and an assessment's items as exports (declared in ``compliance/plugin.py``; written
by ``acquirer.exports``, PostgreSQL computing the cells). Staff who read the library (or assessments) and auditors
may take them away; asking is recorded in the audit trail."""

from django.db.models import F
from django.utils.translation import gettext_lazy as _

from acquirer import exports
from acquirer.access import is_auditor, is_staff_user, scope
from acquirer.registry import Exporter
from compliance import roles
from compliance.models import AssessmentItem, Requirement


def requirement_columns() -> list[tuple[str, object]]:
    return [
        ("framework", exports.own_text("framework__code")), ("reference", F("reference")),
        ("parent_reference", F("parent__reference")), ("title_zh", F("title_zh")), ("title_en", F("title_en")),
        ("text_zh", F("text_zh")), ("text_en", F("text_en")),
        ("applicability", exports.choice_label("applicability", Requirement.Applicability.choices)),
        ("applicability_note", F("applicability_note")),
    ]


def _framework_filter(data) -> dict | None:
    value = (data or {}).get("framework", "")
    if not value:
        return {}
    return {"framework": int(value)} if str(value).isdigit() else None


def _requirements(actor, filters: dict):
    rows = scope(Requirement.objects.all(), actor)
    if filters.get("framework"):
        rows = rows.filter(framework_id=filters["framework"])
    return rows.order_by("framework__code", "order", "id")


def _library_allowed(actor) -> bool:
    return is_auditor(actor) or (is_staff_user(actor) and actor.has_perm(roles.VIEW_LIBRARY))


REQUIREMENTS = Exporter(
    kind="compliance_requirements", title=_("Regulatory requirements"), filename="requirements",
    allowed=_library_allowed, queryset=_requirements, columns=requirement_columns,
    audit_action="compliance_requirements.exported", filters=_framework_filter)


def item_columns() -> list[tuple[str, object]]:
    return [
        ("assessment", F("assessment_id")), ("assessment_title", F("assessment__title")),
        ("period_start", exports.iso_date("assessment__period_start")),
        ("period_end", exports.iso_date("assessment__period_end")),
        ("framework", exports.own_text("requirement__framework__code")),
        ("reference", F("requirement__reference")), ("title_en", F("requirement__title_en")),
        ("title_zh", F("requirement__title_zh")), ("assignee", F("assignee__username")),
        ("status", exports.choice_label("status", AssessmentItem.Status.choices)),
        ("result", exports.choice_label("result", AssessmentItem.Result.choices)),
        ("comment", F("comment")), ("answered_by", F("answered_by__username")),
        ("answered", exports.local_time("answered_at")),
    ]


def _assessment_filter(data) -> dict | None:
    value = (data or {}).get("assessment", "")
    if not value:
        return {}
    return {"assessment": int(value)} if str(value).isdigit() else None


def _items(actor, filters: dict):
    rows = scope(AssessmentItem.objects.all(), actor)
    if filters.get("assessment"):
        rows = rows.filter(assessment_id=filters["assessment"])
    return rows.order_by("assessment_id", "order", "id")


def _assessment_allowed(actor) -> bool:
    return is_auditor(actor) or (is_staff_user(actor) and actor.has_perm(roles.VIEW_ASSESSMENT))


ASSESSMENT_ITEMS = Exporter(
    kind="compliance_assessment_items", title=_("Assessment items"), filename="assessment-items",
    allowed=_assessment_allowed, queryset=_items, columns=item_columns,
    audit_action="compliance_assessment_items.exported", filters=_assessment_filter)
