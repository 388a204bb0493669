"""The core's own registration (see ``acquirer.registry``): its menu links, home cards and the audit-trail
export. Its URLs are in ``acquirer/urls.py`` and its jobs in ``acquirer/schedule.py``; its role grants are
``roles.CORE_GRANTS``."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from acquirer import roles
from acquirer.audit_export import AUDIT_TRAIL
from acquirer.registry import HomeCard, HomePanel, MenuEntry, MenuSection, Plugin, WarningCount


def _disabled_for_inactivity(actor):
    from acquirer.selectors import users_disabled_for_inactivity_count

    return users_disabled_for_inactivity_count(actor)


# early-warning figures (the compliance page reads them through the registry)
WARNINGS = [
    WarningCount("acquirer.disabled_for_inactivity", _("Accounts disabled for inactivity"), _disabled_for_inactivity,
                 "ops:user-list", url_query="disabled=inactivity", permission="acquirer.manage_users", order=70,
                 description=_("Accounts the nightly job disabled in the last 90 days after 90 days without a "
                               "sign-in, still disabled.")),
]

# home-page panels (issue #16): KPIs and charts per area, each a fixed number of queries ----------------------
def _recent_exports(actor) -> dict:
    """The reader's own last five exports with their status (one query)."""
    from acquirer.registry import registry
    from acquirer.selectors import export_list

    exporters = registry().exporters
    exports = list(export_list(actor=actor).order_by("-created_at", "-id")[:5])
    return {"exports": [(export, exporters.get(export.kind)) for export in exports]}


OPS_HOME_PANELS: list = []
PORTAL_HOME_PANELS: list = []
AUDIT_HOME_PANELS: list = [
    HomePanel("audit", _("Recent exports"), "acquirer/home/recent_exports.html", _recent_exports, order=40),
]

PLUGIN = Plugin(
    home_panels=[*OPS_HOME_PANELS, *PORTAL_HOME_PANELS, *AUDIT_HOME_PANELS],
    menu_sections=[
        MenuSection("ops", "system", _("System"), order=90),
        MenuSection("audit", "system", _("System"), order=90),
    ],
    menu=[
        MenuEntry("ops", "", pgettext_lazy("menu", "Home"), "ops:home", order=0),
        MenuEntry("ops", "system", _("Jobs"), "ops:job-list", "acquirer.view_jobrun", order=91),
        MenuEntry("ops", "system", _("Backups"), "ops:backup-list", "acquirer.view_backup", order=92),
        MenuEntry("ops", "system", _("Users"), "ops:user-list", "acquirer.manage_users", order=93),
        MenuEntry("ops", "system", _("Working-day calendar"), "ops:calendar", "acquirer.view_workingdayoverride",
                  order=94),
        MenuEntry("ops", "", pgettext_lazy("menu", "Downloads"), "export-list", order=95),
        MenuEntry("audit", "", _("Overview"), "audit:home", order=0),
        MenuEntry("audit", "", _("Audit trail"), "audit:event-list", order=10),
        MenuEntry("audit", "system", _("Jobs"), "audit:job-list", order=91),
        MenuEntry("audit", "system", _("Backups"), "audit:backup-list", order=92),
        MenuEntry("audit", "system", _("Verifying exports"), "audit:help", order=93),
        MenuEntry("audit", "", pgettext_lazy("menu", "Downloads"), "export-list", order=95),
    ],
    home_cards=[
        HomeCard("ops", _("Users"), "ops:user-list", _("Manage accounts, lockouts and access"),
                 permission="acquirer.manage_users", order=90),
    ],
    roles=roles.CORE_GRANTS,
    exports=[AUDIT_TRAIL],
    warnings=WARNINGS,
)
