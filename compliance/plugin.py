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
def _warnings_raised(actor):
    """How many early-warning figures are above zero (each counted by the app that owns it)."""
    from compliance.selectors.warnings import warnings_raised_count

    return warnings_raised_count(actor)


WARNING_MENU: list = [
    MenuEntry("ops", "compliance", _("Early warning"), "ops:early-warning", roles.VIEW_EARLY_WARNING, order=1),
    MenuEntry("audit", "records", _("Early warning"), "audit:early-warning", order=50),
]
WARNING_CARDS: list = [
    HomeCard("ops", _("Early-warning figures needing attention"), "ops:early-warning", _("Open the early warning"),
             permission=roles.VIEW_EARLY_WARNING, count=_warnings_raised, order=60),
]
WARNING_GATES: list = ["tests.compliance.gate_samples_warnings"]
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
    home_cards=[*LIBRARY_CARDS, *FINDING_CARDS, *CHANGE_CARDS, *WARNING_CARDS],
    warnings=[*LIBRARY_WARNINGS, *FINDING_WARNINGS, *CHANGE_WARNINGS],
    record_types=[*RECORD_TYPES],
    deletion_guards=[*DELETION_GUARDS],
    roles=roles,
    demo=_seed_demo,
    gate_samples=[*LIBRARY_GATES, *FINDING_GATES, *CHANGE_GATES, *WARNING_GATES, *REPORT_GATES],
    exports=[*LIBRARY_EXPORTS, *FINDING_EXPORTS, *CHANGE_EXPORTS, *REPORT_EXPORTS],
)
