"""What the core discovers of the transactions app (see ``acquirer.registry``): URLs per area, menu, jobs, home
cards, role grants, demo data and the gate-matrix samples."""

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from acquirer.lists import bounded_count
from acquirer.registry import HomeCard, HomePanel, MenuEntry, MenuSection, Plugin, RecordType, WarningCount
from transactions import roles, urls
from transactions.exports import BREAKS, LEDGER


def _payouts_due(actor):
    from django.utils import timezone

    from transactions.selectors.settlement import batches_due

    return bounded_count(batches_due(actor=actor, on=timezone.localdate()))


def _seed_demo(*, password: str, force_password: bool) -> list[tuple[str, str]]:
    from transactions import demo

    return demo.seed(password=password, force_password=force_password)


def _open_breaks(actor):
    """Bounded: after a bad day the queue can hold thousands of breaks."""
    from transactions.selectors.recon import recon_open_count

    return recon_open_count(actor=actor)


def _open_risk_cases(actor):
    """Risk cases still to work on, counted up to a limit (issue #13, helper C)."""
    from transactions.selectors.risk import risk_open_case_count

    return risk_open_case_count(actor=actor)


# retention (issue #15, helper C): a merchant's ledger rows, kept after the relationship ends; only checked here
def _ledger_ended_on(merchant):
    from merchants.selectors.retention import merchant_relationship_ended_on

    return merchant_relationship_ended_on(merchant)


def _ledger_lookup(record_id):
    from merchants.selectors.retention import merchant_for_record_id

    return merchant_for_record_id(record_id)



def _recon_breaks_old(actor):
    from transactions.selectors.warnings import recon_breaks_old_count

    return recon_breaks_old_count(actor)


def _risk_reports_due(actor):
    from transactions.selectors.warnings import risk_reports_due_count

    return risk_reports_due_count(actor)


# early-warning figures (the compliance page reads them through the registry)
WARNINGS = [
    WarningCount("transactions.recon_breaks_old", _("Reconciliation breaks older than 3 days"), _recon_breaks_old,
                 "ops:recon-exception-list", url_query="status=unresolved&age=3",
                 audit_url_name="audit:recon-exception-list", permission=roles.VIEW_EXCEPTION, order=50,
                 description=_("Breaks still unresolved more than 3 days after reconciliation found them.")),
    WarningCount("transactions.risk_reports_due", _("Risk reports past or near their deadline"), _risk_reports_due,
                 "ops:risk-case-list", url_query="report=due", audit_url_name="audit:risk-case-list",
                 permission=roles.VIEW_RISK, order=51,
                 description=_("Major risk events not yet reported to the regulator, overdue or due within 3 "
                               "days.")),
]

# home-page panels (issue #16): KPIs and charts per area, each a fixed number of queries ----------------------
def _home_volume(actor):
    """Transactions of the last 14 days by day and channel group: one aggregate query, two charts and a table."""
    from decimal import Decimal

    from django.urls import reverse

    from acquirer.charts import line_chart
    from transactions.selectors.home_ops import daily_volume

    data = daily_volume(actor=actor)
    search = reverse("ops:transaction-list")
    labels = [f"{row['day']:%m-%d}" for row in data["days"]]
    counts = {label: [row["groups"][key]["count"] for row in data["days"]] for key, label in data["groups"]}
    values = {label: [Decimal(row["groups"][key]["value_minor"]) / 100 for row in data["days"]]
              for key, label in data["groups"]}
    for row in data["days"]:
        row["url"] = f"{search}?date_from={row['day']:%Y-%m-%d}&date_to={row['day']:%Y-%m-%d}"
        row["cells"] = [row["groups"][key] for key, _label in data["groups"]]
    return {"volume": data, "search_url": search,
            "count_chart": line_chart(_("Transactions per day"), labels, counts),
            "value_chart": line_chart(_("Value per day"), labels, values, unit=_("yuan"))}


def _home_recon(actor):
    from django.urls import reverse

    from acquirer.charts import bar_chart
    from transactions.selectors.home_ops import recon_match_rate

    data = recon_match_rate(actor=actor)
    series = [(f"{row['run'].business_date:%Y-%m-%d} {row['run'].get_side_display()}", row["share"])
              for row in data["runs"]]
    return {"recon": data, "list_url": reverse("ops:recon-run-list"),
            "chart": bar_chart(_("Match rate per run"), series, unit="%")}


def _home_alerts(actor):
    from django.urls import reverse

    from acquirer.charts import bar_chart
    from transactions.selectors.home_ops import alerts_by_rule

    rows = alerts_by_rule(actor=actor)
    cases = reverse("ops:risk-case-list")
    return {"list_url": cases, "total": sum(row["count"] for row in rows),
            "chart": bar_chart(_("Alerts by rule"), [(row["name"], row["count"], row["rule_id"]) for row in rows],
                               lambda label, key: f"{cases}?rule={key}")}


OPS_HOME_PANELS: list = [
    HomePanel("ops", _("Transactions, last 14 days"), "transactions/home/volume.html", _home_volume,
              permission=roles.VIEW_TRANSACTION, order=40, wide=True),
    HomePanel("ops", _("Reconciliation match rate"), "transactions/home/recon.html", _home_recon,
              permission=roles.VIEW_RECON, order=45),
    HomePanel("ops", _("Risk alerts by rule, last 30 days"), "transactions/home/alerts.html", _home_alerts,
              permission=roles.VIEW_RISK, order=50),
]


def _portal_business(actor):
    """The merchant's business at a glance: sales today and this month, the last 30 days as a chart with its table,
    the next payout and any risk hold in force (three queries, whatever the data)."""
    from decimal import Decimal

    from acquirer.charts import line_chart
    from transactions.selectors.home import holds_in_force, merchant_sales, next_payout

    sales = merchant_sales(actor=actor, merchant_id=actor.merchant_id)
    days = sales["days"]
    chart = line_chart(_("Sales per day, last 30 days"), [f"{d['day']:%m-%d}" for d in days],
                       {_("Sales"): [Decimal(d["minor"]).scaleb(-2) for d in days]}, unit="¥")
    return {"today": sales["today"], "month": sales["month"], "chart": chart,
            "payout": next_payout(actor=actor), "holds": holds_in_force(actor=actor)}


PORTAL_HOME_PANELS: list = [
    HomePanel("portal", _("My business"), "transactions/home/portal_business.html", _portal_business, order=10,
              wide=True),
]
AUDIT_HOME_PANELS: list = []

PLUGIN = Plugin(
    home_panels=[*OPS_HOME_PANELS, *PORTAL_HOME_PANELS, *AUDIT_HOME_PANELS],
    urls={"ops": urls.ops_patterns, "portal": urls.portal_patterns, "audit": urls.audit_patterns},
    menu_sections=[
        MenuSection("ops", "money", _("Transactions"), order=40, permission=roles.VIEW_TRANSACTION),
    ],
    menu=[
        # ledger and settlement
        MenuEntry("ops", "money", _("Transaction search"), "ops:transaction-list", roles.VIEW_TRANSACTION, order=10),
        MenuEntry("ops", "money", _("Settlement"), "ops:settlement-batch-list", roles.VIEW_SETTLEMENT, order=40),
        MenuEntry("ops", "money", _("Payout files"), "ops:payout-file-list", roles.VIEW_SETTLEMENT, order=50),
        MenuEntry("portal", "", _("Transactions"), "portal:transaction-list", order=50),
        MenuEntry("portal", "", _("Payouts"), "portal:payout-list", order=51),
        MenuEntry("portal", "", _("Statements"), "portal:statement", order=52),
        MenuEntry("audit", "records", _("Transactions"), "audit:transaction-list", order=60),
        MenuEntry("audit", "records", _("Settlement batches"), "audit:settlement-batch-list", order=61),
        MenuEntry("audit", "records", _("Payout files"), "audit:payout-file-list", order=62),
        MenuEntry("ops", "money", _("Reconciliation"), "ops:recon-run-list", roles.VIEW_RECON, order=60),
        MenuEntry("ops", "money", _("Reconciliation breaks"), "ops:recon-exception-list", roles.VIEW_EXCEPTION,
                  order=61),
        MenuEntry("audit", "records", _("Reconciliation"), "audit:recon-run-list", order=60),
        MenuEntry("audit", "records", _("Reconciliation breaks"), "audit:recon-exception-list", order=61),
        MenuEntry("ops", "money", _("File ingest"), "ops:ingest-list", roles.VIEW_INGEST, order=20),
        MenuEntry("audit", "records", _("Ingested files"), "audit:ingest-list", order=63),
        # risk monitoring (issue #13, helper C)
        MenuEntry("ops", "money", _("Risk cases"), "ops:risk-case-list", roles.VIEW_RISK, order=70),
        MenuEntry("ops", "money", _("Risk rules"), "ops:risk-rule-list", roles.VIEW_RISK, order=71),
        MenuEntry("ops", "money", _("Settlement holds"), "ops:risk-hold-list", roles.VIEW_HOLD, order=72),
        MenuEntry("ops", "money", _("Risk alerts and outcomes"), "ops:risk-charts", roles.VIEW_RISK, order=73),
        MenuEntry("portal", "", _("Holds"), "portal:hold-list", order=53),
        MenuEntry("audit", "records", _("Risk rules"), "audit:risk-rule-list", order=70),
        MenuEntry("audit", "records", _("Risk cases"), "audit:risk-case-list", order=71),
        MenuEntry("audit", "records", _("Settlement holds"), "audit:risk-hold-list", order=72),
    ],
    jobs={
        "transactions.partitions": {
            "title": _("Ledger partitions"),
            "task": "transactions.tasks.partitions_ensure",
            "schedule": crontab(hour=1, minute=0),
            "period": 24 * 3600,
            "description": _("Create the monthly partitions of the transaction ledger three months ahead."),
        },
        "transactions.settlement_daily": {
            "title": _("Daily settlement"),
            "task": "transactions.tasks.settlement_daily",
            "schedule": crontab(hour=5, minute=0),
            "period": 24 * 3600,
            "description": _("Build yesterday's settlement batches per merchant, then today's payout file for "
                             "the bank."),
        },
        "transactions.reconcile_daily": {
            "title": _("Daily reconciliation"),
            "task": "transactions.tasks.reconcile_daily",
            "schedule": crontab(hour=7, minute=30),
            "period": 24 * 3600,
            "description": _("Reconcile yesterday: the ledger with the network's clearing records, and the payouts "
                             "with the bank statement (a run with the same inputs is not done twice)."),
        },
        # risk cases (issue #13, helper B)
        "transactions.risk_deadlines": {
            "title": _("Risk report deadlines"),
            "task": "transactions.tasks.risk_deadlines",
            "schedule": crontab(hour=8, minute=0),
            "period": 24 * 3600,
            "description": _("Remind whoever reports of each confirmed major risk event due to the regulator (once a "
                             "day), and escalate the overdue ones to the operations managers."),
        },
        # risk rules engine (issue #13) ---------------------------------------------------------------------------
        "transactions.risk_nightly": {
            "title": _("Nightly risk rules"),
            "task": "transactions.tasks.risk_nightly",
            "schedule": crontab(hour=2, minute=30),
            "period": 24 * 3600,
            "description": _("Run every enabled risk rule over yesterday's transactions (alerts already raised are "
                             "not raised twice) and group new alerts into cases."),
        },
        # end of the risk rules engine block -----------------------------------------------------------------------
    },
    home_cards=[
        HomeCard("ops", _("Reconciliation breaks"), "ops:recon-exception-list", _("Open the break queue"),
                 permission=roles.VIEW_EXCEPTION, count=_open_breaks, order=40),
        HomeCard("ops", _("Payouts due"), "ops:settlement-batch-list", _("Open settlement"),
                 permission=roles.VIEW_SETTLEMENT, count=_payouts_due, order=45),
        # risk monitoring (issue #13, helper C)
        HomeCard("ops", _("Open risk cases"), "ops:risk-case-list", _("Open the case queue"),
                 permission=roles.VIEW_RISK, count=_open_risk_cases, order=50),
    ],
    exports=[LEDGER, BREAKS],
    roles=roles,
    demo=_seed_demo,
    gate_samples=["tests.transactions.gate_samples_ledger", "tests.transactions.gate_samples_settlement",
                  "tests.transactions.gate_samples_recon", "tests.transactions.gate_samples_ingest",
                  "tests.transactions.gate_samples_risk"],  # risk monitoring (issue #13, helper C)
    record_types=[RecordType("transactions", _("Transactions of a merchant (ledger rows)"), "merchants.Merchant",
                             ended_on=_ledger_ended_on, merchant_id=lambda merchant: merchant.pk,
                             lookup=_ledger_lookup)],  # retention (issue #15, helper C)

    warnings=WARNINGS,
)
