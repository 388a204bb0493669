"""Grant the terminal permissions to the staff roles (frozen copy of terminals/roles.py at this point)."""

from django.db import migrations

READ = ["view_terminalmodel", "view_terminal", "view_terminalphoto", "view_intakebatch", "view_sitesurvey",
        "view_shipment", "view_installation", "view_terminaltest", "view_parameterchange", "view_workorder",
        "view_ticket", "view_sparepartuse", "view_firmwareversion", "view_firmwarecampaign", "view_campaigntarget",
        "view_depositmovement", "view_rentcharge", "view_healthflag"]
GRANTS = {
    "onboarding_reviewer": ["view_terminalmodel", "view_terminal"],
    "field_engineer": [*READ, "field_work", "handle_ticket"],
    "risk_analyst": [*READ, "activate_terminal"],
    "customer_service": [*READ, "handle_ticket"],
    "compliance_officer": [*READ],
    "operations_manager": [*READ, "manage_stock", "allocate_terminal", "field_work", "activate_terminal",
                           "approve_parameter_change", "manage_firmware", "manage_terminal_money",
                           "retire_terminal", "dispatch_work_order", "handle_ticket"],
}


def forwards(apps, schema_editor):
    from acquirer.roles import grant

    grant(apps, "terminals", GRANTS)


class Migration(migrations.Migration):
    dependencies = [("terminals", "0001_terminals"), ("acquirer", "0003_roles")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
