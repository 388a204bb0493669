"""What the core discovers of the compliance app (see ``acquirer.registry``): URLs per area, menu, jobs, home
cards, early-warning figures, record types under retention and the deletion guard, role grants, exporters, demo
data and the gate-matrix samples. Each subdomain keeps its own block."""

from celery.schedules import crontab  # noqa: F401
from django.utils.translation import gettext_lazy as _  # noqa: F401
from django.utils.translation import pgettext_lazy

from acquirer.registry import HomeCard, HomePanel, MenuEntry, MenuSection, Plugin, WarningCount  # noqa: F401
from compliance import roles, urls


def _seed_demo(*, password: str, force_password: bool) -> list[tuple[str, str]]:
    from compliance import demo

    return demo.seed(password=password, force_password=force_password)


# a short title: the top menu fits a laptop screen in English
MENU_SECTIONS = [MenuSection("ops", "compliance", pgettext_lazy("menu", "Compliance"), order=60)]

# library and assessments -----------------------------------------------------------------------------------------
LIBRARY_MENU: list = [
    MenuEntry("ops", "compliance", _("Library"), "ops:framework-list", roles.VIEW_LIBRARY, order=10),
    MenuEntry("ops", "compliance", _("Controls"), "ops:control-list", roles.VIEW_LIBRARY, order=11),
    MenuEntry("ops", "compliance", _("Assessments"), "ops:assessment-list", roles.VIEW_ASSESSMENT, order=20),
    MenuEntry("ops", "compliance", _("My assessment items"), "ops:assessment-mine", roles.VIEW_ASSESSMENT,
              order=21),
    MenuEntry("audit", "records", _("Frameworks"), "audit:framework-list", order=90),
    MenuEntry("audit", "records", _("Assessments"), "audit:assessment-list", order=91),
    MenuEntry("audit", "records", _("Controls"), "audit:control-list", order=92),
]
LIBRARY_JOBS: dict = {
    "compliance.recurring_assessments": {
        "title": _("Recurring assessments"),
        "task": "compliance.tasks.recurring_assessments",
        "schedule": crontab(hour=5, minute=30),
        "period": 24 * 3600,
        "description": _("Start the assessment of the current period of every checklist in use that recurs (each "
                         "quarter, half-year or year) and tell its assignees; running it again in the same period "
                         "starts nothing new."),
    },
}
LIBRARY_CARDS: list = []


def _evidence_expiring(actor):
    from compliance.selectors.evidence import evidence_expiring_count

    return evidence_expiring_count(actor=actor)


LIBRARY_WARNINGS: list = [
    WarningCount(key="compliance.evidence_expiring", title=_("Evidence expiring within 30 days"),
                 count=_evidence_expiring, url_name="ops:evidence-expiring", audit_url_name="audit:evidence-expiring",
                 permission=roles.VIEW_ASSESSMENT, order=20),
]
LIBRARY_GATES: list = ["tests.compliance.gate_samples_library"]


def _library_exports() -> list:
    from compliance.library_exports import ASSESSMENT_ITEMS, REQUIREMENTS

    return [REQUIREMENTS, ASSESSMENT_ITEMS]


LIBRARY_EXPORTS: list = _library_exports()
# findings and inspections ----------------------------------------------------------------------------------------
def _findings_overdue(actor):
    from compliance.selectors.findings import findings_overdue_count

    return findings_overdue_count(actor=actor)


def _inspection_reports_due(actor):
    from compliance.selectors.inspections import inspection_reports_due_count

    return inspection_reports_due_count(actor=actor)


def _finding_exports() -> list:
    from compliance.exports_findings import FINDINGS

    return [FINDINGS]


FINDING_MENU: list = [
    MenuEntry("ops", "compliance", _("Findings"), "ops:finding-list", roles.VIEW_FINDING, order=30),
    MenuEntry("ops", "compliance", _("My findings"), "ops:finding-mine", roles.VIEW_FINDING, order=31),
    MenuEntry("ops", "compliance", _("Inspections"), "ops:regulator-inspection-list", roles.VIEW_INSPECTION,
              order=32),
    MenuEntry("audit", "records", _("Findings"), "audit:finding-list", order=130),
    MenuEntry("audit", "records", _("Inspections"), "audit:regulator-inspection-list", order=131),
]
FINDING_JOBS: dict = {
    "compliance.finding_reminders": {
        "title": _("Finding reminders"),
        "task": "compliance.tasks.finding_reminders",
        "schedule": crontab(hour=8, minute=30),
        "period": 24 * 3600,
        "description": _("Remind each finding's owner a week (5 working days) and one working day before its due "
                         "date, escalate an overdue finding once to compliance officers and operations managers, "
                         "and put risk acceptances past their date back into rectification; each reminder is sent "
                         "once per due date, so running it again sends nothing new."),
    },
}
FINDING_CARDS: list = []
FINDING_WARNINGS: list = [
    WarningCount("compliance.findings_overdue", _("Rectifications overdue"), _findings_overdue, "ops:finding-list",
                 url_query="overdue=1", audit_url_name="audit:finding-list", permission=roles.VIEW_FINDING,
                 order=10, description=_("Findings still to be rectified whose due date has passed.")),
    WarningCount("compliance.inspection_reports_due",
                 _("Inspection rectification reports due within 14 days or late"), _inspection_reports_due,
                 "ops:regulator-inspection-list", url_query="report_due=1",
                 audit_url_name="audit:regulator-inspection-list", permission=roles.VIEW_INSPECTION, order=11),
]
FINDING_GATES: list = ["tests.compliance.gate_samples_findings"]
FINDING_EXPORTS: list = _finding_exports()
# regulatory change, access reviews, retention ---------------------------------------------------------------------
def _reading_overdue(actor):
    from compliance.selectors.changes import reading_overdue_count

    return reading_overdue_count(actor=actor)


def _access_reviews_overdue(actor):
    from compliance.selectors.reviews import access_review_overdue_count

    return access_review_overdue_count(actor=actor)


def _retention_guard(record_type, obj):
    from compliance.services.retention import deletion_refusal

    return deletion_refusal(record_type, obj)


CHANGE_MENU: list = [
    MenuEntry("ops", "compliance", _("Regulatory changes"), "ops:regulatory-change-list", roles.VIEW_CHANGE,
              order=40),
    MenuEntry("ops", "compliance", _("My reading"), "ops:reading-list", roles.VIEW_CHANGE, order=41),
    MenuEntry("ops", "compliance", _("Access reviews"), "ops:access-review-list", roles.VIEW_ACCESS_REVIEW,
              order=42),
    MenuEntry("ops", "compliance", _("Retention"), "ops:retention-list", roles.VIEW_RETENTION, order=43),
    MenuEntry("ops", "compliance", _("Legal holds"), "ops:legal-hold-list", roles.VIEW_LEGAL_HOLD, order=44),
    MenuEntry("audit", "records", _("Regulatory changes"), "audit:regulatory-change-list", order=140),
    MenuEntry("audit", "records", _("Access reviews"), "audit:access-review-list", order=141),
    MenuEntry("audit", "records", _("Legal holds"), "audit:legal-hold-list", order=142),
    MenuEntry("audit", "records", _("Retention"), "audit:retention-list", order=143),
]
CHANGE_JOBS: dict = {
    "compliance.access_review": {
        "title": _("Half-yearly access review"),
        "task": "compliance.tasks.access_review",
        "schedule": crontab(month_of_year="1,7", day_of_month=1, hour=6, minute=30),
        "period": 184 * 24 * 3600,
        "description": _("On 1 January and 1 July, open the half-year's access review (PCI DSS 7.2.4) listing every "
                         "active staff and auditor account with its roles, due in 20 working days; running it again "
                         "in the same half-year opens nothing new."),
    },
}
CHANGE_CARDS: list = []
CHANGE_WARNINGS: list = [
    WarningCount("compliance.reading_overdue", _("Required reading not acknowledged past its date"),
                 _reading_overdue, "ops:regulatory-change-list", audit_url_name="audit:regulatory-change-list",
                 permission=roles.VIEW_CHANGE, order=95),
    WarningCount("compliance.access_review_overdue", _("Access reviews overdue"), _access_reviews_overdue,
                 "ops:access-review-list", audit_url_name="audit:access-review-list",
                 permission=roles.VIEW_ACCESS_REVIEW, order=100),
]
CHANGE_GATES: list = ["tests.compliance.gate_samples_changes"]
CHANGE_EXPORTS: list = []
RECORD_TYPES: list = []  # compliance keeps no record under retention of its own: merchants and transactions do
DELETION_GUARDS: list = [_retention_guard]
# early warning -------------------------------------------------------------------------------------------------------
WARNING_MENU: list = [
    MenuEntry("ops", "compliance", _("Early warning"), "ops:early-warning", roles.VIEW_EARLY_WARNING, order=1),
    MenuEntry("audit", "records", _("Early warning"), "audit:early-warning", order=50),
]
# no home card: counting every figure costs a dozen apps' queries, and a home card runs one count (the page is the
# first entry of the Compliance menu)
WARNING_CARDS: list = []
WARNING_GATES: list = ["tests.compliance.gate_samples_warnings"]
# reports and exports ---------------------------------------------------------------------------------------------
REPORT_MENU: list = [
    MenuEntry("ops", "compliance", _("Compliance report"), "ops:compliance-report", roles.VIEW_EARLY_WARNING,
              order=90),
    MenuEntry("audit", "records", _("Compliance report"), "audit:compliance-report", order=90),
]
REPORT_JOBS: dict = {}  # the report is written by the core export job (acquirer.tasks.write_export)
REPORT_GATES: list = ["tests.compliance.gate_samples_reports"]


def _report_exports() -> list:
    from compliance.services.reports import COMPLIANCE_REPORT  # the PDF + findings workbook, signed (zip)

    return [COMPLIANCE_REPORT]


REPORT_EXPORTS: list = _report_exports()
# more exports (every other compliance list) and the requirement import template ---------------------------------
def _more_exports() -> list:
    from compliance.exports_more import MORE

    return list(MORE)


MORE_EXPORTS: list = _more_exports()
MORE_GATES: list = ["tests.compliance.gate_samples_more"]
# -------------------------------------------------------------------------------------------------------------------

# home-page panels (issue #16): KPIs and charts per area, each a fixed number of queries ----------------------
def _audit_posture(actor) -> dict:
    """Posture per framework: the latest signed-off or open assessment's items by result (two queries)."""
    from django.urls import reverse

    from acquirer.charts import bar_chart
    from compliance.models import AssessmentItem
    from compliance.selectors.home import RESULTS, framework_posture

    labels = {**dict(AssessmentItem.Result.choices), "": _("Not answered")}
    rows = []
    for entry in framework_posture(actor=actor):
        framework = entry["framework"]
        url = reverse("audit:framework-detail", args=[framework.pk])
        chart = bar_chart(framework.name, [(labels[result], entry["counts"][result]) for result in RESULTS],
                          [url] * len(RESULTS)) if entry["total"] else None
        rows.append({"framework": framework, "url": url, "chart": chart, "total": entry["total"],
                     "chart_id": f"home-posture-{framework.pk}"})
    return {"frameworks": rows}


def _audit_findings(actor) -> dict:
    """Open findings by severity and age (one query), each count linking to the findings list it stands for."""
    from urllib.parse import urlencode

    from django.urls import reverse

    from acquirer.charts import bar_chart
    from compliance.selectors.home import open_findings_by_age

    base = reverse("audit:finding-list")
    table = open_findings_by_age(actor=actor)
    for row in table:
        row["url"] = f"{base}?{urlencode({'status': 'open', 'severity': row['severity']})}"
        row["overdue_url"] = f"{base}?{urlencode({'overdue': '1', 'severity': row['severity']})}"
    chart = bar_chart(_("Open findings by severity"), [(row["label"], row["total"]) for row in table],
                      [row["url"] for row in table])
    return {"rows": table, "chart": chart, "list_url": f"{base}?status=open",
            "total": sum(row["total"] for row in table), "overdue": sum(row["overdue"] for row in table)}


def _audit_warnings(actor) -> dict:
    """The early-warning figures above zero (one bounded count per published figure: a constant)."""
    from compliance.selectors.warnings import warning_figures

    figures = warning_figures(actor=actor, area="audit")
    return {"raised": [figure for figure in figures if figure.raised],
            "unavailable": sum(1 for figure in figures if figure.unavailable)}


OPS_HOME_PANELS: list = []
PORTAL_HOME_PANELS: list = []
AUDIT_HOME_PANELS: list = [
    HomePanel("audit", _("Posture per framework"), "compliance/home/audit_posture.html", _audit_posture,
              order=10, wide=True),
    HomePanel("audit", _("Open findings by severity and age"), "compliance/home/audit_findings.html",
              _audit_findings, order=20),
    HomePanel("audit", _("Early-warning figures"), "compliance/home/audit_warnings.html", _audit_warnings,
              order=30),
]

PLUGIN = Plugin(
    home_panels=[*OPS_HOME_PANELS, *PORTAL_HOME_PANELS, *AUDIT_HOME_PANELS],
    urls={"ops": urls.ops_patterns, "audit": urls.audit_patterns},
    menu_sections=MENU_SECTIONS,
    menu=[*LIBRARY_MENU, *FINDING_MENU, *CHANGE_MENU, *WARNING_MENU, *REPORT_MENU],
    jobs={**LIBRARY_JOBS, **FINDING_JOBS, **CHANGE_JOBS, **REPORT_JOBS},
    home_cards=[*LIBRARY_CARDS, *FINDING_CARDS, *CHANGE_CARDS, *WARNING_CARDS],
    warnings=[*LIBRARY_WARNINGS, *FINDING_WARNINGS, *CHANGE_WARNINGS],
    record_types=[*RECORD_TYPES],
    deletion_guards=[*DELETION_GUARDS],
    roles=roles,
    demo=_seed_demo,
    gate_samples=[*LIBRARY_GATES, *FINDING_GATES, *CHANGE_GATES, *WARNING_GATES, *REPORT_GATES,
                  *MORE_GATES],
    exports=[*LIBRARY_EXPORTS, *FINDING_EXPORTS, *CHANGE_EXPORTS, *REPORT_EXPORTS, *MORE_EXPORTS],
)
