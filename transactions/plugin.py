"""What the core discovers of the transactions app (see ``acquirer.registry``): URLs per area, menu, jobs, home
cards, role grants, demo data and the gate-matrix samples."""

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from acquirer.registry import MenuEntry, MenuSection, Plugin
from transactions import roles, urls

PLUGIN = Plugin(
    urls={"ops": urls.ops_patterns, "portal": urls.portal_patterns, "audit": urls.audit_patterns},
    menu_sections=[
        MenuSection("ops", "money", _("Transactions"), order=40, permission=roles.VIEW_TRANSACTION),
    ],
    menu=[
        MenuEntry("ops", "money", _("File ingest"), "ops:ingest-list", roles.VIEW_INGEST, order=20),
        MenuEntry("audit", "records", _("Ingested files"), "audit:ingest-list", order=63),
    ],
    jobs={
        "transactions.partitions": {
            "title": _("Ledger partitions"),
            "task": "transactions.tasks.partitions_ensure",
            "schedule": crontab(hour=1, minute=0),
            "period": 24 * 3600,
            "description": _("Create the monthly partitions of the transaction ledger three months ahead."),
        },
    },
    roles=roles,
    gate_samples=["tests.transactions.gate_samples_ingest"],
)
