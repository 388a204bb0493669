"""The remaining compliance lists as exports (declared in ``compliance/plugin.py``, block ``MORE_EXPORTS``; written
by ``acquirer.exports``, PostgreSQL computing the cells and the core guarding each one against formulas): controls,
assessments, the evidence index, regulator inspections, regulatory changes, access review items, legal holds and
retention rules. Each reads its list's own filters (an invalid one exports nothing, never the whole table). Staff
who read the list and auditors may take it away; asking for it is recorded in the audit trail."""

import io

from django.contrib.postgres.aggregates import StringAgg
from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, Subquery, TextField, Value, When
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils.translation import gettext as _now
from django.utils.translation import gettext_lazy as _

from acquirer import exports
from acquirer.access import is_auditor, is_staff_user, scope
from acquirer.registry import Exporter, registry
from compliance import roles
from compliance.forms.inspections import InspectionFilterForm
from compliance.models import (
    AccessReviewItem,
    Assessment,
    AssessmentItem,
    ChecklistTemplate,
    Control,
    Evidence,
    Finding,
    Inspection,
    InspectionDocument,
    ReadingAcknowledgement,
    RegulatoryChange,
    Requirement,
    RetentionRule,
)
from compliance.models.common import Severity
from compliance.selectors.assessments import assessment_list
from compliance.selectors.changes import change_list
from compliance.selectors.inspections import inspection_list
from compliance.selectors.retention import hold_list


def _count(queryset, outer: str, **conditions):
    """How many rows of ``queryset`` point at the exported row (``outer`` names the link), as a number cell."""
    rows = queryset.filter(**{outer: OuterRef("pk")}, **conditions).order_by().values(outer)
    return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()), 0)


def _allowed(permission: str):
    def allowed(actor) -> bool:
        return is_auditor(actor) or (is_staff_user(actor) and actor.has_perm(permission))

    return allowed


def _no_filters(data) -> dict:
    return {}


def _status_filter(values):
    """The list's ``status`` filter: one of ``values`` or none; anything else is invalid."""

    def filters(data) -> dict | None:
        status = (data or {}).get("status", "")
        if not status:
            return {}
        return {"status": status} if status in values else None

    return filters


# --- controls -------------------------------------------------------------------------------------------------------

def control_columns() -> list[tuple[str, object]]:
    references = (Requirement.objects.filter(controls=OuterRef("pk")).order_by().values("controls")
                  .annotate(refs=StringAgg("reference", ", ", order_by="reference")).values("refs")[:1])
    return [
        ("code", exports.own_text("code")), ("name_zh", F("name_zh")), ("name_en", F("name_en")),
        ("kind", exports.choice_label("kind", Control.Kind.choices)),
        ("evidence_kind", exports.choice_label("evidence_kind", Control.EvidenceKind.choices)),
        ("live_source", exports.own_text("source")), ("owner", F("owner__username")),
        ("requirements", _count(Requirement.objects.all(), "controls")),
        ("references", Subquery(references)),
    ]


def _controls(actor, filters: dict):
    return scope(Control.objects.all(), actor).order_by("code", "id")


CONTROLS = Exporter(
    kind="compliance_controls", title=_("Controls"), filename="controls", allowed=_allowed(roles.VIEW_LIBRARY),
    queryset=_controls, columns=control_columns, audit_action="compliance_controls.exported", filters=_no_filters,
    sheet_title=_("Controls"))


# --- assessments ----------------------------------------------------------------------------------------------------

def assessment_columns() -> list[tuple[str, object]]:
    items = AssessmentItem.objects.all()
    return [
        ("title", F("title")), ("kind", exports.choice_label("kind", ChecklistTemplate.Kind.choices)),
        ("period_start", exports.iso_date("period_start")), ("period_end", exports.iso_date("period_end")),
        ("due", exports.iso_date("due_on")), ("status", exports.choice_label("status", Assessment.Status.choices)),
        ("reviewer", F("reviewer__username")), ("signed_off_by", F("signed_off_by__username")),
        ("signed_off_at", exports.local_time("signed_off_at")),
        ("items_done", _count(items, "assessment", status=AssessmentItem.Status.DONE)),
        ("items_total", _count(items, "assessment")),
    ]


def _assessments(actor, filters: dict):
    return assessment_list(actor=actor, status=filters.get("status", "")).order_by("-period_start", "-id")


ASSESSMENTS = Exporter(
    kind="compliance_assessments", title=_("Assessments"), filename="assessments",
    allowed=_allowed(roles.VIEW_ASSESSMENT), queryset=_assessments, columns=assessment_columns,
    audit_action="compliance_assessments.exported", filters=_status_filter(Assessment.Status.values),
    sheet_title=_("Assessments"))


# --- evidence index ---------------------------------------------------------------------------------------------------

def _words(*parts):
    """Text joined from ``parts`` (labels in the reader's language, values as text)."""
    return Concat(*[Value(part) if isinstance(part, str) else part for part in parts], output_field=TextField())


def evidence_columns() -> list[tuple[str, object]]:
    attached_to = Case(
        When(item__isnull=False, then=_words(_now("assessment item") + " ", F("item__requirement__reference"), " (",
                                             F("item__assessment__title"), ")")),
        When(finding__isnull=False, then=_words(_now("finding") + " ", F("finding__reference"))),
        When(control__isnull=False, then=_words(_now("control") + " ", F("control__code"))),
        default=Value(""), output_field=TextField())
    return [
        ("title", F("title")), ("kind", exports.choice_label("kind", Evidence.Kind.choices)),
        ("attached_to", attached_to), ("owner", F("owner__username")),
        ("valid_until", exports.iso_date("expires_on")), ("file_name", F("original_name")),
        ("sha256", exports.own_text("sha256")), ("link", F("url")), ("added_by", F("added_by__username")),
        ("added_at", exports.local_time("added_at")), ("withdrawn_at", exports.local_time("withdrawn_at")),
    ]


def _evidence(actor, filters: dict):
    return scope(Evidence.objects.all(), actor).order_by("added_at", "id")


EVIDENCE = Exporter(
    kind="compliance_evidence", title=_("Evidence index"), filename="evidence-index",
    allowed=_allowed(roles.VIEW_ASSESSMENT), queryset=_evidence, columns=evidence_columns,
    audit_action="compliance_evidence.exported", filters=_no_filters, sheet_title=_("Evidence"))


# --- regulator inspections ------------------------------------------------------------------------------------------

def inspection_columns() -> list[tuple[str, object]]:
    documents = InspectionDocument.objects.all()
    return [
        ("authority", F("authority")), ("title", F("title")), ("reference", F("reference")),
        ("starts", exports.iso_date("starts_on")), ("ends", exports.iso_date("ends_on")),
        ("status", exports.choice_label("status", Inspection.Status.choices)),
        ("report_due", exports.iso_date("report_due_on")),
        ("report_submitted", exports.iso_date("report_submitted_on")),
        ("documents_requested", _count(documents, "inspection")),
        ("documents_provided", _count(documents, "inspection", provided_at__isnull=False)),
        ("findings", _count(Finding.objects.all(), "inspection")),
    ]


def inspection_filters(data) -> dict | None:
    form = InspectionFilterForm(data or {})
    if not form.is_valid():
        return None
    return form.filters()


def _inspections(actor, filters: dict):
    return inspection_list(actor=actor, filters=filters or {})


INSPECTIONS = Exporter(
    kind="compliance_inspections", title=_("Regulator inspections"), filename="regulator-inspections",
    allowed=_allowed(roles.VIEW_INSPECTION), queryset=_inspections, columns=inspection_columns,
    audit_action="compliance_inspections.exported", filters=inspection_filters, sheet_title=_("Inspections"))


# --- regulatory changes ---------------------------------------------------------------------------------------------

def change_columns() -> list[tuple[str, object]]:
    readers = ReadingAcknowledgement.objects.all()
    return [
        ("title", F("title")), ("source", F("source")), ("reference", F("reference")),
        ("published", exports.iso_date("published_on")), ("effective", exports.iso_date("effective_on")),
        ("impact_level", exports.choice_label("impact_level", Severity.choices)),
        ("status", exports.choice_label("status", RegulatoryChange.Status.choices)),
        ("readers_assigned", _count(readers, "change")),
        ("readers_acknowledged", _count(readers, "change", acknowledged_at__isnull=False)),
    ]


def _changes(actor, filters: dict):
    return change_list(actor=actor, status=filters.get("status", "")).order_by("-effective_on", "-id")


CHANGES = Exporter(
    kind="compliance_changes", title=_("Regulatory changes"), filename="regulatory-changes",
    allowed=_allowed(roles.VIEW_CHANGE), queryset=_changes, columns=change_columns,
    audit_action="compliance_changes.exported", filters=_status_filter(RegulatoryChange.Status.values),
    sheet_title=_("Regulatory changes"))


# --- access review items --------------------------------------------------------------------------------------------

def review_item_columns() -> list[tuple[str, object]]:
    return [
        ("review", F("review__title")), ("review_started", exports.iso_date("review__started_on")),
        ("account", F("user__username")), ("account_kind", exports.own_text("kind")),
        ("roles", exports.json_text("roles")), ("last_login", exports.local_time("last_login")),
        ("decision", exports.choice_label("decision", AccessReviewItem.Decision.choices)),
        ("decided_by", F("decided_by__username")), ("decided_at", exports.local_time("decided_at")),
        ("note", F("note")),
    ]


def review_filters(data) -> dict | None:
    value = str((data or {}).get("review", ""))
    if not value:
        return {}
    return {"review": int(value)} if value.isdigit() and len(value) <= 12 else None


def _review_items(actor, filters: dict):
    rows = scope(AccessReviewItem.objects.all(), actor)
    if filters.get("review"):
        rows = rows.filter(review_id=filters["review"])
    return rows.order_by("-review__started_on", "review_id", "user__username", "id")


REVIEW_ITEMS = Exporter(
    kind="compliance_access_review_items", title=_("Access review items"), filename="access-review-items",
    allowed=_allowed(roles.VIEW_ACCESS_REVIEW), queryset=_review_items, columns=review_item_columns,
    audit_action="compliance_access_review_items.exported", filters=review_filters, sheet_title=_("Access review"))


# --- legal holds and retention rules --------------------------------------------------------------------------------

def hold_columns() -> list[tuple[str, object]]:
    scope_text = Case(
        When(merchant_id__isnull=False,
             then=_words(_now("every record of merchant") + " ", Cast("merchant_id", TextField()))),
        When(~Q(record_id=""), then=_words(_now("the record") + " ", F("record_type"), " ", F("record_id"))),
        When(~Q(record_type=""), then=_words(_now("every record of type") + " ", F("record_type"))),
        default=Value(""), output_field=TextField())
    return [
        ("matter", F("matter")), ("scope", scope_text), ("placed_by", F("placed_by__username")),
        ("placed_at", exports.local_time("placed_at")), ("reason", F("reason")),
        ("released_by", F("released_by__username")), ("released_at", exports.local_time("released_at")),
        ("release_reason", F("release_reason")),
    ]


HOLD_STATES = ("active", "released", "all")


def hold_filters(data) -> dict | None:
    """The list shows the holds in force unless asked otherwise: so does the export."""
    state = (data or {}).get("state", "") or "active"
    return {"state": state} if state in HOLD_STATES else None


def _holds(actor, filters: dict):
    return hold_list(actor=actor, state=filters.get("state", "active")).order_by("-placed_at", "-id")


LEGAL_HOLDS = Exporter(
    kind="compliance_legal_holds", title=_("Legal holds"), filename="legal-holds",
    allowed=_allowed(roles.VIEW_LEGAL_HOLD), queryset=_holds, columns=hold_columns,
    audit_action="compliance_legal_holds.exported", filters=hold_filters, sheet_title=_("Legal holds"))


def retention_columns() -> list[tuple[str, object]]:
    """The periods set for a record type (a type left on its default has no rule, so no row here)."""
    titles = [When(record_type=record_type.key, then=Value(str(record_type.title)))
              for record_type in registry().record_types.values()]
    title = Case(*titles, default=Value(""), output_field=TextField()) if titles else Value("")
    return [("record_type", exports.own_text("record_type")), ("title", title), ("years", F("years")),
            ("basis", F("note")), ("changed_by", F("changed_by__username")),
            ("changed_at", exports.local_time("changed_at"))]


def _retention(actor, filters: dict):
    return scope(RetentionRule.objects.all(), actor).order_by("record_type", "id")


RETENTION_RULES = Exporter(
    kind="compliance_retention_rules", title=_("Retention rules"), filename="retention-rules",
    allowed=_allowed(roles.VIEW_RETENTION), queryset=_retention, columns=retention_columns,
    audit_action="compliance_retention_rules.exported", filters=_no_filters, sheet_title=_("Retention"))

MORE = [CONTROLS, ASSESSMENTS, EVIDENCE, INSPECTIONS, CHANGES, REVIEW_ITEMS, LEGAL_HOLDS, RETENTION_RULES]


# --- the requirement import's blank template ------------------------------------------------------------------------

TEMPLATE_FORMATS = {"csv": "text/csv; charset=utf-8",
                    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def requirement_import_template(fmt: str) -> bytes:
    """A blank file for the requirement import (``compliance.services.library.requirements_import``): only the
    header row it reads, in its own column names; CSV in UTF-8 with a BOM (Excel opens it as UTF-8)."""
    from compliance.services.library import IMPORT_COLUMNS

    if fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "requirements"
        sheet.append(list(IMPORT_COLUMNS))
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()
    return exports.header_line(list(IMPORT_COLUMNS), lineterminator="\r\n")
