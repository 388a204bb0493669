"""The customer service team lead (issue #14) reads what customer service reads (frozen copy of merchants/roles.py)."""

from django.db import migrations

PERMS = [
    "view_merchant",
    "view_merchantdocument",
    "view_contract",
    "view_contractfee",
]
GRANTS = {"customer_service_lead": PERMS}


def forwards(apps, schema_editor):
    from acquirer.roles import grant

    grant(apps, "merchants", GRANTS)


class Migration(migrations.Migration):
    dependencies = [("merchants", "0007_list_indexes"), ("acquirer", "0003_roles")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
