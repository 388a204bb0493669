"""What the core discovers of the merchants app (see ``acquirer.registry``): URLs per area, menu, jobs, home cards,
role grants, demo data and the gate-matrix samples."""

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from acquirer.registry import HomeCard, HomePanel, MenuEntry, MenuSection, Plugin, RecordType, WarningCount
from merchants import roles, urls
from merchants.exports import REGISTER


def _seed_scale(plan: dict, log) -> None:
    from merchants.demo import scale

    scale.seed(plan, log)


def _seed_demo(*, password: str, force_password: bool) -> list[tuple[str, str]]:
    from merchants.demo import merchants as demo

    return demo.seed(password=password, force_password=force_password)


# retention (issue #15, helper C): the merchant's onboarding file, kept after the relationship ends
def _relationship_ended_on(merchant):
    from merchants.selectors.retention import merchant_relationship_ended_on

    return merchant_relationship_ended_on(merchant)


def _merchant_lookup(record_id):
    from merchants.selectors.retention import merchant_for_record_id

    return merchant_for_record_id(record_id)


def _file_dispose(actor, merchant):
    from merchants.services.retention import merchant_file_dispose

    return merchant_file_dispose(actor, merchant)



def _inspections_overdue(actor):
    from merchants.selectors.warnings import inspections_overdue_count

    return inspections_overdue_count(actor)


def _kyc_expiring(actor):
    from merchants.selectors.warnings import kyc_expiring_count

    return kyc_expiring_count(actor)


def _high_risk_uninspected(actor):
    from merchants.selectors.warnings import high_risk_uninspected_count

    return high_risk_uninspected_count(actor)


# early-warning figures (the compliance page reads them through the registry)
WARNINGS = [
    WarningCount("merchants.inspection_overdue", _("Merchants overdue for on-site inspection"), _inspections_overdue,
                 "ops:inspection-list", url_query="overdue=1", audit_url_name="audit:inspection-list",
                 permission=roles.VIEW_INSPECTION, order=20,
                 description=_("The next inspection, planned from the risk rating, is past due.")),
    WarningCount("merchants.kyc_expiring", _("Merchants with KYC documents expired or expiring"), _kyc_expiring,
                 "ops:merchant-list", url_query="attention=kyc-expiring", audit_url_name="audit:merchant-list",
                 permission=roles.VIEW, order=21,
                 description=_("A current accepted document has expired or expires within 30 days.")),
    WarningCount("merchants.high_risk_uninspected", _("High-risk merchants without an on-site inspection this year"),
                 _high_risk_uninspected, "ops:merchant-list", url_query="attention=high-risk-uninspected",
                 audit_url_name="audit:merchant-list", permission=roles.VIEW, order=22,
                 description=_("Active or suspended merchants rated high risk with no inspection recorded since "
                               "1 January.")),
]

# home-page panels (issue #16): KPIs and charts per area, each a fixed number of queries ----------------------
def _onboarding_funnel(actor) -> dict:
    """The funnel of the last 90 days (one query), each bar opening the onboarding queue at that status, and the
    median days to activation (one query)."""
    from django.urls import reverse
    from django.utils.http import urlencode

    from acquirer.charts import bar_chart
    from merchants.models import Merchant
    from merchants.selectors.home import WINDOW_DAYS, days_to_activation, onboarding_funnel

    queue = reverse("ops:onboarding-queue")
    rows = [(Merchant.Status(status).label, count, status) for status, count in onboarding_funnel(actor=actor)]
    chart = bar_chart(_("Applications started in the last %(days)s days, by stage") % {"days": WINDOW_DAYS}, rows,
                      link=lambda label, status: f"{queue}?{urlencode({'status': status})}")
    activation = days_to_activation(actor=actor)
    return {"chart": chart, "days": WINDOW_DAYS, "median_days": activation["median"],
            "activated": activation["activated"], "queue_url": queue}


OPS_HOME_PANELS: list = [
    HomePanel("ops", _("Onboarding funnel"), "merchants/home/onboarding_funnel.html", _onboarding_funnel,
              permission=roles.VIEW, order=20),
]
PORTAL_HOME_PANELS: list = []
AUDIT_HOME_PANELS: list = []

PLUGIN = Plugin(
    home_panels=[*OPS_HOME_PANELS, *PORTAL_HOME_PANELS, *AUDIT_HOME_PANELS],
    urls={"ops": urls.ops_patterns, "portal": urls.portal_patterns, "audit": urls.audit_patterns},
    menu_sections=[
        MenuSection("ops", "merchants", _("Merchants"), order=20, permission=roles.VIEW),
        MenuSection("portal", "account", _("My account"), order=20),
        MenuSection("audit", "records", _("Records"), order=50),
    ],
    menu=[
        MenuEntry("ops", "merchants", _("Onboarding"), "ops:onboarding-queue", order=10),
        MenuEntry("ops", "merchants", _("Merchant register"), "ops:merchant-list", order=20),
        MenuEntry("ops", "merchants", _("Blacklist"), "ops:blacklist-list", roles.VIEW_BLACKLIST, order=30),
        MenuEntry("ops", "merchants", _("Inspections"), "ops:inspection-list", roles.VIEW_INSPECTION, order=40),
        MenuEntry("ops", "merchants", _("Settlement accounts"), "ops:settlement-queue",
                  roles.VIEW_SETTLEMENT, order=50),
        MenuEntry("portal", "", _("My business"), "portal:home", order=10),
        MenuEntry("portal", "account", _("Application"), "portal:application", order=21),
        MenuEntry("portal", "account", _("Documents"), "portal:document-list", order=22),
        MenuEntry("portal", "account", _("Contracts"), "portal:contract-list", order=23),
        MenuEntry("portal", "account", _("Settlement accounts"), "portal:settlement-list", order=24),
        MenuEntry("portal", "", _("Activity"), "portal:activity", order=50),
        MenuEntry("audit", "records", _("Merchants"), "audit:merchant-list", order=51),
    ],
    jobs={
        "merchants.document_expiry": {
            "title": _("Document expiry reminders"),
            "task": "merchants.tasks.documents_remind_expiring",
            "schedule": crontab(hour=8, minute=0),
            "period": 24 * 3600,
            "description": _("Remind merchants (and their reviewer) of KYC documents expiring within 30 days."),
        },
        "merchants.contract_renewal": {
            "title": _("Contract renewal reminders"),
            "task": "merchants.tasks.contracts_remind_renewal",
            "schedule": crontab(hour=8, minute=10),
            "period": 24 * 3600,
            "description": _("Remind merchants and operations managers of contracts ending within 60 days."),
        },
        "merchants.inspection_overdue": {
            "title": _("Overdue inspections"),
            "task": "merchants.tasks.inspections_flag_overdue",
            "schedule": crontab(hour=8, minute=20),
            "period": 24 * 3600,
            "description": _("Flag active merchants whose on-site inspection is overdue to compliance officers."),
        },
    },
    home_cards=[
        HomeCard("ops", _("Merchants"), "ops:merchant-list", _("Open the merchant registry"),
                 permission=roles.VIEW, order=10),
        HomeCard("audit", _("Merchants"), "audit:merchant-list", _("Open the merchant register"), order=10),
    ],
    roles=roles,
    demo=_seed_demo,
    scale=_seed_scale,
    gate_samples=["tests.merchants.gate_samples"],
    exports=[REGISTER],
    record_types=[RecordType("merchant_file", _("Merchant onboarding file (KYC documents)"), "merchants.Merchant",
                             ended_on=_relationship_ended_on, merchant_id=lambda merchant: merchant.pk,
                             lookup=_merchant_lookup, delete=_file_dispose)],  # retention (issue #15, helper C)

    warnings=WARNINGS,
)
