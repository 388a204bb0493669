"""What the core discovers of the complaints app (see ``acquirer.registry``): URLs per area, menu, jobs, home
cards, role grants, demo data and the gate-matrix samples. Each subdomain keeps its own block."""

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from acquirer.registry import HomeCard, HomePanel, MenuEntry, MenuSection, MerchantPanel, Plugin, WarningCount
from complaints import roles, urls


def _seed_demo(*, password: str, force_password: bool) -> list[tuple[str, str]]:
    from complaints import demo

    return demo.seed(password=password, force_password=force_password)


# a short title: the top menu fits a laptop screen in English
MENU_SECTIONS = [MenuSection("ops", "service", pgettext_lazy("menu", "Service"), order=50,
                             permission=roles.VIEW_COMPLAINT)]

# complaints (intake, workflow, SLA) -------------------------------------------------------------------------------
COMPLAINT_MENU: list = [
    MenuEntry("ops", "service", _("Complaints"), "ops:complaint-list", roles.VIEW_COMPLAINT, order=10),
    MenuEntry("portal", "", _("Complaints"), "portal:complaint-list", order=55),
    MenuEntry("audit", "records", _("Complaints"), "audit:complaint-list", order=60),
]


def _complaints_near_breach(actor):
    """Open complaints due within the warning time or past due, counted up to a limit."""
    from complaints.selectors.complaints import complaint_attention_count

    return complaint_attention_count(actor=actor)


COMPLAINT_JOBS: dict = {
    "complaints.check_sla": {
        "title": _("Complaint deadlines"),
        "task": "complaints.tasks.complaints_check_sla",
        "schedule": crontab(minute="*/15"),
        "period": 15 * 60,
        "description": _("Warn whoever handles an open complaint before its first-response or resolution target "
                         "(in working hours; paused while waiting on the complainant), and escalate a breach once "
                         "to the team leads, then once to the operations managers if it stays open."),
    },
}
COMPLAINT_CARDS: list = [
    HomeCard("ops", _("Complaints near or past breach"), "ops:complaint-list", _("Open the complaint queue"),
             permission=roles.HANDLE_COMPLAINT, count=_complaints_near_breach, order=55),
]
COMPLAINT_GATES: list = ["tests.complaints.gate_samples_complaints"]
# help centre and training ----------------------------------------------------------------------------------------
def _training_panel(actor, merchant) -> dict:
    from complaints.selectors.training import merchant_training_history

    return {"signups": merchant_training_history(actor=actor, merchant=merchant),
            "area": "audit" if actor.kind == "auditor" else "ops"}


HELP_MENU: list = [
    MenuEntry("ops", "service", _("Help articles"), "ops:article-list", roles.VIEW_ARTICLE, order=60),
    MenuEntry("ops", "service", _("Training sessions"), "ops:training-list", roles.VIEW_TRAINING, order=61),
    MenuEntry("portal", "", _("Help"), "portal:help-home", order=80),
    MenuEntry("portal", "", _("Training"), "portal:training-list", order=81),
    MenuEntry("audit", "records", _("Help articles"), "audit:article-list", order=80),
]
HELP_JOBS: dict = {}
HELP_CARDS: list = []
HELP_GATES: list = ["tests.complaints.gate_samples_help"]
HELP_PANELS: list = [
    MerchantPanel(title=_("Training"), template="complaints/shared/training_merchant_panel.html",
                  context=_training_panel, permission=roles.VIEW_TRAINING, order=100),
]
# reports, regulator statistics and settings ----------------------------------------------------------------------
REPORT_MENU: list = [
    MenuEntry("ops", "service", _("Complaint reports"), "ops:complaint-reports", roles.VIEW_REPORT, order=60),
    MenuEntry("ops", "service", _("Regulator statistics"), "ops:regulator-report-list", roles.VIEW_REPORT, order=61),
    MenuEntry("ops", "service", _("Complaint categories"), "ops:complaint-category-list", "complaints.view_category",
              order=70),
    MenuEntry("ops", "service", _("Root causes"), "ops:root-cause-list", "complaints.view_rootcause", order=71),
    MenuEntry("ops", "service", _("SLA policies"), "ops:sla-policy-list", "complaints.view_slapolicy", order=72),
    MenuEntry("ops", "service", _("Canned responses"), "ops:canned-response-list", "complaints.view_cannedresponse",
              order=73),
    MenuEntry("audit", "records", _("Complaint reports"), "audit:complaint-reports", order=80),
    MenuEntry("audit", "records", _("Regulator complaint statistics"), "audit:regulator-report-list", order=81),
]
REPORT_JOBS: dict = {
    "complaints.regulator_monthly": {
        "title": _("Monthly complaint statistics for the regulator"),
        "task": "complaints.tasks.regulator_monthly",
        "schedule": crontab(day_of_month=1, hour=6, minute=0),
        "period": 31 * 24 * 3600,
        "description": _("On the 1st, generate last month's complaint statistics for the regulator (XLSX and PDF) "
                         "and notify compliance officers; running it again the same month makes nothing new."),
    },
}
REPORT_CARDS: list = []
REPORT_GATES: list = ["tests.complaints.gate_samples_reports"]
# -------------------------------------------------------------------------------------------------------------------

def _breaches_this_month(actor):
    from complaints.selectors.warnings import complaint_breaches_this_month_count

    return complaint_breaches_this_month_count(actor)


# early-warning figures (the compliance page reads them through the registry)
WARNINGS = [
    WarningCount("complaints.sla_breached_month", _("Complaint SLA breaches this month"), _breaches_this_month,
                 "ops:complaint-list", url_query="sla=breached_month", audit_url_name="audit:complaint-list",
                 permission=roles.VIEW_COMPLAINT, order=40,
                 description=_("Complaints that missed their first-response or resolution target since the 1st.")),
]

# home-page panels (issue #16): KPIs and charts per area, each a fixed number of queries ----------------------
def _home_sla(actor):
    """Complaint SLA attainment this month and last month: the report's aggregate, one query per month."""
    from django.urls import reverse
    from django.utils.formats import date_format

    from acquirer.charts import bar_chart
    from complaints.selectors.home import sla_months

    months = sla_months(actor=actor)
    reports = reverse("ops:complaint-reports") if actor.has_perm(roles.VIEW_REPORT) else ""
    series, links = [], []
    for month in months:
        period = month["period"]
        month["label"] = date_format(period.first, "YEAR_MONTH_FORMAT")
        month["url"] = f"{reports}?date_from={period.first:%Y-%m-%d}&date_to={period.last:%Y-%m-%d}" if reports else ""
        for key, clock in (("first", _("first response")), ("resolution", _("resolution"))):
            series.append((_("%(month)s, %(clock)s met") % {"month": month["label"], "clock": clock},
                           month["sla"][f"{key}_share"]))
            links.append(month["url"])
    return {"months": months, "reports_url": reports,
            "chart": bar_chart(_("Targets met"), series, links, unit="%")}


OPS_HOME_PANELS: list = [
    HomePanel("ops", _("Complaint SLA attainment"), "complaints/home/sla.html", _home_sla,
              permission=roles.VIEW_COMPLAINT, order=60),
]


def _portal_service(actor):
    """The merchant's open complaints and up to three help articles others found most helpful (two queries)."""
    from complaints.selectors.home import open_complaint_count, suggested_articles

    return {"open": open_complaint_count(actor=actor), "articles": suggested_articles(actor=actor)}


PORTAL_HOME_PANELS: list = [
    HomePanel("portal", _("Complaints and help"), "complaints/home/portal_service.html", _portal_service, order=30),
]
AUDIT_HOME_PANELS: list = []

PLUGIN = Plugin(
    home_panels=[*OPS_HOME_PANELS, *PORTAL_HOME_PANELS, *AUDIT_HOME_PANELS],
    urls={"ops": urls.ops_patterns, "portal": urls.portal_patterns, "audit": urls.audit_patterns},
    menu_sections=MENU_SECTIONS,
    menu=[*COMPLAINT_MENU, *HELP_MENU, *REPORT_MENU],
    jobs={**COMPLAINT_JOBS, **HELP_JOBS, **REPORT_JOBS},
    home_cards=[*COMPLAINT_CARDS, *HELP_CARDS, *REPORT_CARDS],
    roles=roles,
    demo=_seed_demo,
    gate_samples=[*COMPLAINT_GATES, *HELP_GATES, *REPORT_GATES],
    merchant_panels=[*HELP_PANELS],
    warnings=WARNINGS,
)
