"""What the core discovers of the transactions app (see ``acquirer.registry``): URLs per area, menu, jobs, home
cards, role grants, demo data and the gate-matrix samples."""

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from acquirer.registry import HomeCard, MenuEntry, MenuSection, Plugin
from transactions import roles, urls


def _open_breaks(actor):
    """Bounded: after a bad day the queue can hold thousands of breaks."""
    from transactions.selectors.recon import recon_open_count

    return recon_open_count(actor=actor)


PLUGIN = Plugin(
    urls={"ops": urls.ops_patterns, "portal": urls.portal_patterns, "audit": urls.audit_patterns},
    menu_sections=[
        MenuSection("ops", "money", _("Transactions"), order=40, permission=roles.VIEW_TRANSACTION),
    ],
    menu=[
        MenuEntry("ops", "money", _("Reconciliation"), "ops:recon-run-list", roles.VIEW_RECON, order=60),
        MenuEntry("ops", "money", _("Reconciliation breaks"), "ops:recon-exception-list", roles.VIEW_EXCEPTION,
                  order=61),
        MenuEntry("audit", "records", _("Reconciliation"), "audit:recon-run-list", order=60),
        MenuEntry("audit", "records", _("Reconciliation breaks"), "audit:recon-exception-list", order=61),
    ],
    jobs={
        "transactions.partitions": {
            "title": _("Ledger partitions"),
            "task": "transactions.tasks.partitions_ensure",
            "schedule": crontab(hour=1, minute=0),
            "period": 24 * 3600,
            "description": _("Create the monthly partitions of the transaction ledger three months ahead."),
        },
        "transactions.reconcile_daily": {
            "title": _("Daily reconciliation"),
            "task": "transactions.tasks.reconcile_daily",
            "schedule": crontab(hour=7, minute=30),
            "period": 24 * 3600,
            "description": _("Reconcile yesterday: the ledger with the network's clearing records, and the payouts "
                             "with the bank statement (a run with the same inputs is not done twice)."),
        },
    },
    home_cards=[
        HomeCard("ops", _("Reconciliation breaks"), "ops:recon-exception-list", _("Open the break queue"),
                 permission=roles.VIEW_EXCEPTION, count=_open_breaks, order=40),
    ],
    roles=roles,
    gate_samples=["tests.transactions.gate_samples_recon"],
)
