"""Grant the onboarding permissions to the staff roles (frozen copy of merchants/roles.py at this point)."""

from django.db import migrations

READ = ["view_merchant", "view_merchantmembership", "view_merchantdocument", "view_contract", "view_contractfee",
        "view_settlementaccount", "view_inspection", "view_blacklistentry"]
GRANTS = {
    "onboarding_reviewer": [*READ, "review_merchant"],
    "field_engineer": ["view_merchant", "view_inspection", "inspect_merchant"],
    "risk_analyst": [*READ, "manage_blacklist", "override_risk", "suspend_merchant", "view_kyc_secrets"],
    "customer_service": ["view_merchant", "view_merchantdocument", "view_contract", "view_contractfee"],
    "compliance_officer": [*READ, "export_merchants", "inspect_merchant", "view_kyc_secrets"],
    "operations_manager": [*READ, "review_merchant", "approve_high_risk_merchant", "override_risk",
                           "manage_blacklist", "view_kyc_secrets", "manage_contracts", "approve_settlement_account",
                           "inspect_merchant", "export_merchants", "suspend_merchant"],
}


def forwards(apps, schema_editor):
    from acquirer.roles import grant

    grant(apps, "merchants", GRANTS)


class Migration(migrations.Migration):
    dependencies = [("merchants", "0003_kyc_onboarding")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
