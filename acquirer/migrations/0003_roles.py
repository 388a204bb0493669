"""Create the staff roles (groups) and grant them the core's permissions (as of this migration)."""

from django.db import migrations

GRANTS = {
    "operations_manager": ["view_jobrun", "run_job", "view_user", "manage_users", "view_auditevent"],
    "compliance_officer": ["view_jobrun", "view_auditevent", "export_auditevent"],
    "risk_analyst": ["view_auditevent"],
}


def forwards(apps, schema_editor):
    from acquirer.roles import grant

    grant(apps, "acquirer", GRANTS)


class Migration(migrations.Migration):
    dependencies = [("acquirer", "0002_audit_append_only"), ("auth", "0012_alter_user_first_name_max_length"),
                    ("contenttypes", "0002_remove_content_type_name")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
