"""What the core discovers of the terminals app (see ``acquirer.registry``): URLs per area, menu, jobs, home cards
for its queues, role grants, demo data and the gate-matrix samples."""

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from acquirer.lists import Count, bounded_count
from acquirer.registry import HomeCard, HomePanel, MenuEntry, MenuSection, Plugin, WarningCount
from terminals import roles, urls


def _open_tickets(actor) -> Count:
    """Bounded: the ops queue of a national acquirer can hold tens of thousands of open tickets."""
    from terminals.selectors.tickets import ticket_list

    return bounded_count(ticket_list(actor=actor, filters={"status": "unresolved"}))


def _jobs_today(actor) -> int:
    from terminals.selectors.workorders import work_orders_today

    return work_orders_today(actor=actor).count()


def _seed_scale(plan: dict, log) -> None:
    from terminals.demo import scale

    scale.seed(plan, log)


def _seed_demo(*, password: str, force_password: bool) -> list[tuple[str, str]]:
    from terminals import demo

    return demo.seed(password=password, force_password=force_password)


def _health_flags_open(actor):
    from terminals.selectors.warnings import health_flags_open_count

    return health_flags_open_count(actor)


# early-warning figures (the compliance page reads them through the registry)
WARNINGS = [
    WarningCount("terminals.health_flags_open", _("Terminals with health flags open over 7 days"), _health_flags_open,
                 "ops:health-list", url_query="open_days=7", permission=roles.VIEW_HEALTH, order=30,
                 description=_("Silent or far-away terminals flagged more than a week ago and not yet followed up.")),
]

# home-page panels (issue #16): KPIs and charts per area, each a fixed number of queries ----------------------
def _terminals_by_status(actor) -> dict:
    """Terminals by status (one query), each bar opening the terminal registry at that status."""
    from django.urls import reverse
    from django.utils.http import urlencode

    from acquirer.charts import bar_chart
    from terminals.models import Terminal
    from terminals.selectors.home_ops import terminals_by_status

    registry = reverse("ops:terminal-list")
    rows = [(Terminal.Status(status).label, count, status) for status, count in terminals_by_status(actor=actor)]
    chart = bar_chart(_("Terminals in the registry, by status"), rows,
                      link=lambda label, status: f"{registry}?{urlencode({'status': status})}")
    return {"chart": chart, "total": sum(count for _label, count, _status in rows), "list_url": registry,
            "dashboard_url": reverse("ops:terminal-dashboard")}


OPS_HOME_PANELS: list = [
    HomePanel("ops", _("Terminals by status"), "terminals/home/terminals_by_status.html", _terminals_by_status,
              permission=roles.VIEW_TERMINAL, order=30),
]


def _portal_terminals(actor):
    """The merchant's terminals by status (a bar chart, each bar opening the list of those terminals) and its open
    fault tickets (two queries, whatever the data)."""
    from urllib.parse import urlencode

    from django.urls import reverse

    from acquirer.charts import bar_chart
    from terminals.models import Terminal
    from terminals.selectors.home import terminals_by_status, ticket_figures

    labels = dict(Terminal.Status.choices)
    rows = [(labels[status], count, status) for status, count in terminals_by_status(actor=actor)]
    list_url = reverse("portal:terminal-list")
    chart = bar_chart(_("Terminals by status"), rows,
                      lambda label, status: f"{list_url}?{urlencode({'status': status})}")
    return {"chart": chart, "total": sum(row[1] for row in rows), "tickets": ticket_figures(actor=actor)}


PORTAL_HOME_PANELS: list = [
    HomePanel("portal", _("My terminals"), "terminals/home/portal_terminals.html", _portal_terminals, order=20),
]
AUDIT_HOME_PANELS: list = []

PLUGIN = Plugin(
    home_panels=[*OPS_HOME_PANELS, *PORTAL_HOME_PANELS, *AUDIT_HOME_PANELS],
    urls={"ops": urls.ops_patterns, "portal": urls.portal_patterns, "audit": urls.audit_patterns},
    menu_sections=[
        MenuSection("ops", "terminals", _("Terminals"), order=30, permission=roles.VIEW_TERMINAL),
        MenuSection("audit", "records", _("Records"), order=50),
    ],
    menu=[
        MenuEntry("ops", "terminals", _("Terminal registry"), "ops:terminal-list", order=10),
        MenuEntry("ops", "terminals", _("Terminal charts"), "ops:terminal-dashboard", order=20),
        MenuEntry("ops", "terminals", _("Work orders"), "ops:workorder-list", roles.VIEW_WORK_ORDER, order=30),
        MenuEntry("ops", "terminals", _("My jobs today"), "ops:workorder-mine", roles.FIELD_WORK, order=40),
        MenuEntry("ops", "terminals", _("Maintenance tickets"), "ops:ticket-list", roles.VIEW_TICKET, order=50),
        MenuEntry("ops", "terminals", _("Firmware"), "ops:firmware-list", roles.VIEW_FIRMWARE,
                  order=60),
        MenuEntry("ops", "terminals", _("Rent and deposits"), "ops:rent-list", roles.VIEW_RENT, order=70),
        MenuEntry("ops", "terminals", _("Terminal health"), "ops:health-list", roles.VIEW_HEALTH, order=80),
        MenuEntry("ops", "terminals", _("Bulk intake"), "ops:terminal-intake", roles.MANAGE_STOCK, order=90),
        MenuEntry("portal", "", _("My terminals"), "portal:terminal-list", order=30),
        MenuEntry("portal", "", _("Faults"), "portal:ticket-list", order=40),
        MenuEntry("audit", "records", _("Terminals"), "audit:terminal-list", order=52),
        MenuEntry("audit", "records", _("Work orders"), "audit:workorder-list", order=53),
        MenuEntry("audit", "records", _("Maintenance tickets"), "audit:ticket-list", order=54),
        MenuEntry("audit", "records", _("Firmware"), "audit:firmware-list", order=55),
        MenuEntry("audit", "records", _("Rent"), "audit:rent-list", order=56),
    ],
    jobs={
        "terminals.maintenance_due": {
            "title": _("Preventive maintenance"),
            "task": "terminals.tasks.maintenance_create_due",
            "schedule": crontab(hour=6, minute=30),
            "period": 24 * 3600,
            "description": _("Create preventive maintenance work orders for terminals whose visit is due."),
        },
        "terminals.sla_check": {
            "title": _("Ticket deadlines"),
            "task": "terminals.tasks.tickets_check_sla",
            "schedule": crontab(minute="*/15"),
            "period": 15 * 60,
            "description": _("Detect maintenance tickets past their response or resolution target and escalate "
                             "them to the team lead."),
        },
        "terminals.rent_monthly": {
            "title": _("Monthly terminal rent"),
            "task": "terminals.tasks.rent_charge_month",
            "schedule": crontab(hour=6, minute=0),
            "period": 24 * 3600,
            "description": _("Charge this month's terminal rent from the contract in force, once per terminal and "
                             "month; suspend terminals whose rent is long overdue."),
        },
        "terminals.health_check": {
            "title": _("Terminal health check"),
            "task": "terminals.tasks.terminals_flag_stale",
            "schedule": crontab(hour=7, minute=0),
            "period": 24 * 3600,
            "description": _("Flag active terminals with no sign-in or transaction for too long."),
        },
    },
    home_cards=[
        HomeCard("ops", _("Maintenance tickets"), "ops:ticket-list", _("Open the ticket queue"),
                 permission=roles.VIEW_TICKET, count=_open_tickets, order=20),
        HomeCard("ops", _("My jobs today"), "ops:workorder-mine", _("Open today's jobs"),
                 permission=roles.FIELD_WORK, count=_jobs_today, order=30),
        HomeCard("portal", _("Faults"), "portal:ticket-list", _("Report or follow a fault"), count=_open_tickets,
                 order=20),
        HomeCard("audit", _("Terminals"), "audit:terminal-list", _("Open the terminal registry"), order=20),
    ],
    roles=roles,
    demo=_seed_demo,
    scale=_seed_scale,
    gate_samples=[f"tests.terminals.gate_samples_{name}"
                  for name in ("firmware", "lifecycle", "money", "registry", "tickets", "workorders")],
    warnings=WARNINGS,
)
