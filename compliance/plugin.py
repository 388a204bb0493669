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
LIBRARY_MENU: list = [
    MenuEntry("ops", "compliance", _("Library"), "ops:framework-list", roles.VIEW_LIBRARY, order=10),
    MenuEntry("ops", "compliance", _("Controls"), "ops:control-list", roles.VIEW_LIBRARY, order=11),
    MenuEntry("ops", "compliance", _("Assessments"), "ops:assessment-list", roles.VIEW_ASSESSMENT, order=20),
    MenuEntry("ops", "compliance", _("My assessment items"), "ops:assessment-mine", roles.VIEW_ASSESSMENT,
              order=21),
    MenuEntry("audit", "records", _("Frameworks"), "audit:framework-list", order=90),
    MenuEntry("audit", "records", _("Assessments"), "audit:assessment-list", order=91),
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
FINDING_MENU: list = []
FINDING_JOBS: dict = {}
FINDING_CARDS: list = []
FINDING_WARNINGS: list = []
FINDING_GATES: list = []
FINDING_EXPORTS: list = []
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
