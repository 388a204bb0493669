from django.db import migrations

GRANTS = {
    "operations_manager": ["view_backup", "run_backup"],
    "compliance_officer": ["view_backup"],
}


def forwards(apps, schema_editor):
    from acquirer.roles import grant

    grant(apps, "acquirer", GRANTS)


class Migration(migrations.Migration):
    dependencies = [("acquirer", "0004_backup")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
