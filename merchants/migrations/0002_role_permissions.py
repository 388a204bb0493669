"""Grant the merchant permissions to the staff roles (the roles come from acquirer 0003)."""

from django.db import migrations

GRANTS = {
    "onboarding_reviewer": ["view_merchant", "view_merchantmembership"],
    "field_engineer": ["view_merchant"],
    "risk_analyst": ["view_merchant"],
    "customer_service": ["view_merchant"],
    "compliance_officer": ["view_merchant", "view_merchantmembership"],
    "operations_manager": ["view_merchant", "view_merchantmembership"],
}


def forwards(apps, schema_editor):
    from acquirer import roles

    roles.grant(apps, "merchants", GRANTS)


class Migration(migrations.Migration):
    dependencies = [("merchants", "0001_initial"), ("acquirer", "0003_roles")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
