"""The customer service team lead (issue #14) reads what customer service reads (frozen copy of terminals/roles.py)."""

from django.db import migrations

PERMS = [
    "view_terminalmodel",
    "view_terminal",
    "view_terminalphoto",
    "view_intakebatch",
    "view_sitesurvey",
    "view_shipment",
    "view_installation",
    "view_terminaltest",
    "view_parameterchange",
    "view_workorder",
    "view_ticket",
    "view_sparepartuse",
    "view_firmwareversion",
    "view_firmwarecampaign",
    "view_campaigntarget",
    "view_depositmovement",
    "view_rentcharge",
    "view_healthflag",
    "handle_ticket",
]
GRANTS = {"customer_service_lead": PERMS}


def forwards(apps, schema_editor):
    from acquirer.roles import grant

    grant(apps, "terminals", GRANTS)


class Migration(migrations.Migration):
    dependencies = [("terminals", "0004_list_indexes"), ("acquirer", "0003_roles")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
