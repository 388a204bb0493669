"""The customer service team lead (issue #14) reads what customer service reads (frozen copy of transactions/roles.py)."""

from django.db import migrations

PERMS = [
    "view_transaction",
    "view_settlementbatch",
]
GRANTS = {"customer_service_lead": PERMS}


def forwards(apps, schema_editor):
    from acquirer.roles import grant

    grant(apps, "transactions", GRANTS)


class Migration(migrations.Migration):
    dependencies = [("transactions", "0013_risk_merge"), ("acquirer", "0003_roles")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
