"""Onboarding reviewers verify settlement accounts (an operations manager gives the second approval)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from acquirer.roles import grant

    grant(apps, "merchants", {"onboarding_reviewer": ["approve_settlement_account"]})


class Migration(migrations.Migration):
    dependencies = [("merchants", "0004_kyc_role_permissions")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
