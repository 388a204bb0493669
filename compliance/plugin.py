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
