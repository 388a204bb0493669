"""Live pages of the portal where a control can be seen working (``Control.source`` names a key). Each entry is
(label, URL name in the ops area, permission needed to open it): the control's page links there only for those who
may open it."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

SOURCES = {
    "users": (_("Staff accounts (lockouts, inactive accounts, multi-factor)"), "ops:user-list",
              "acquirer.manage_users"),
    "jobs": (_("Scheduled jobs (inactive accounts, audit chain check)"), "ops:job-list", "acquirer.view_jobrun"),
    "backups": (_("Backups"), "ops:backup-list", "acquirer.view_backup"),
    "calendar": (_("Working-day calendar"), "ops:calendar", "acquirer.view_workingdayoverride"),
    "merchants": (_("Merchants and their files"), "ops:merchant-list", "merchants.view_merchant"),
    "inspections": (_("On-site inspections"), "ops:inspection-list", "merchants.view_inspection"),
    "terminals": (_("Terminals"), "ops:terminal-list", "terminals.view_terminal"),
    "terminal_health": (_("Terminal health flags"), "ops:health-list", "terminals.view_healthflag"),
    "risk_cases": (_("Risk cases"), "ops:risk-case-list", "transactions.view_riskcase"),
    "recon_breaks": (_("Reconciliation breaks"), "ops:recon-exception-list", "transactions.view_reconexception"),
    "complaints": (_("Complaints"), "ops:complaint-list", "complaints.view_complaint"),
}


def source_choices() -> list[tuple[str, str]]:
    return [("", "—"), *[(key, label) for key, (label, _url, _perm) in SOURCES.items()]]


def source_link(key: str, actor) -> tuple[str, str] | None:
    """(label, URL) of the live page ``key`` when ``actor`` may open it, else None."""
    entry = SOURCES.get(key or "")
    if entry is None or actor is None or actor.kind != "staff" or not actor.has_perm(entry[2]):
        return None
    try:
        return str(entry[0]), reverse(entry[1])
    except NoReverseMatch:
        return None


def source_label(key: str) -> str:
    entry = SOURCES.get(key or "")
    return str(entry[0]) if entry else ""
