"""What the core discovers of the compliance app (see ``acquirer.registry``): URLs per area, menu, jobs, home
cards, early-warning figures, record types under retention and the deletion guard, role grants, exporters, demo
data and the gate-matrix samples. Each subdomain keeps its own block."""

from celery.schedules import crontab  # noqa: F401
from django.utils.translation import gettext_lazy as _  # noqa: F401
from django.utils.translation import pgettext_lazy

from acquirer.registry import HomeCard, MenuEntry, MenuSection, Plugin, WarningCount  # noqa: F401
from compliance import roles, urls


def _seed_demo(*, password: str, force_password: bool) -> list[tuple[str, str]]:
    from compliance import demo

    return demo.seed(password=password, force_password=force_password)


# a short title: the top menu fits a laptop screen in English
MENU_SECTIONS = [MenuSection("ops", "compliance", pgettext_lazy("menu", "Compliance"), order=60)]

# library and assessments -----------------------------------------------------------------------------------------
LIBRARY_MENU: list = []
LIBRARY_JOBS: dict = {}
LIBRARY_CARDS: list = []
LIBRARY_WARNINGS: list = []
LIBRARY_GATES: list = []
LIBRARY_EXPORTS: list = []
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
CHANGE_MENU: list = []
CHANGE_JOBS: dict = {}
CHANGE_CARDS: list = []
CHANGE_WARNINGS: list = []
CHANGE_GATES: list = []
CHANGE_EXPORTS: list = []
RECORD_TYPES: list = []
DELETION_GUARDS: list = []
# early warning -------------------------------------------------------------------------------------------------------
WARNING_MENU: list = []
WARNING_GATES: list = []
# reports and exports ---------------------------------------------------------------------------------------------
REPORT_MENU: list = []
REPORT_JOBS: dict = {}
REPORT_GATES: list = []
REPORT_EXPORTS: list = []
# -------------------------------------------------------------------------------------------------------------------

PLUGIN = Plugin(
    urls={"ops": urls.ops_patterns, "audit": urls.audit_patterns},
    menu_sections=MENU_SECTIONS,
    menu=[*LIBRARY_MENU, *FINDING_MENU, *CHANGE_MENU, *WARNING_MENU, *REPORT_MENU],
    jobs={**LIBRARY_JOBS, **FINDING_JOBS, **CHANGE_JOBS, **REPORT_JOBS},
    home_cards=[*LIBRARY_CARDS, *FINDING_CARDS, *CHANGE_CARDS],
    warnings=[*LIBRARY_WARNINGS, *FINDING_WARNINGS, *CHANGE_WARNINGS],
    record_types=[*RECORD_TYPES],
    deletion_guards=[*DELETION_GUARDS],
    roles=roles,
    demo=_seed_demo,
    gate_samples=[*LIBRARY_GATES, *FINDING_GATES, *CHANGE_GATES, *WARNING_GATES, *REPORT_GATES],
    exports=[*LIBRARY_EXPORTS, *FINDING_EXPORTS, *CHANGE_EXPORTS, *REPORT_EXPORTS],
)
