"""Reactivating and terminating a merchant are the operations manager's alone (README roles table);
``suspend_merchant`` (risk analysts too) now means suspending only."""

from django.db import migrations

GRANTS = {"operations_manager": ["reactivate_merchant", "terminate_merchant"]}


def forwards(apps, schema_editor):
    from acquirer.roles import grant

    grant(apps, "merchants", GRANTS)
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(content_type__app_label="merchants", codename="suspend_merchant").update(
        name="Can suspend merchants")


class Migration(migrations.Migration):
    dependencies = [("merchants", "0005_reviewer_settlement_permission")]

    operations = [
        migrations.AlterModelOptions(
            name="merchant",
            options={
                "ordering": ["legal_name", "id"],
                "permissions": [
                    ("review_merchant", "Can review merchant applications"),
                    ("approve_high_risk_merchant", "Can give the second approval of a high-risk merchant"),
                    ("override_risk", "Can override a merchant's risk rating"),
                    ("manage_blacklist", "Can add and remove blacklist entries"),
                    ("view_kyc_secrets", "Can see resident ID and account numbers in clear"),
                    ("manage_contracts", "Can prepare, countersign and terminate contracts"),
                    ("approve_settlement_account", "Can verify and approve settlement account changes"),
                    ("inspect_merchant", "Can record on-site inspections"),
                    ("export_merchants", "Can export the merchant register"),
                    ("suspend_merchant", "Can suspend merchants"),
                    ("reactivate_merchant", "Can reactivate a suspended merchant"),
                    ("terminate_merchant", "Can terminate the relationship with a merchant"),
                ],
                "verbose_name": "merchant",
                "verbose_name_plural": "merchants",
            },
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
