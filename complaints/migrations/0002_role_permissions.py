"""Grant the complaint permissions to the staff roles (frozen copy of complaints/roles.py at this point)."""

from django.db import migrations

READ = ["view_complaint", "view_complaintmessage", "view_complaintnote", "view_complaintattachment",
        "view_complaintpause", "view_complaintescalation", "view_category", "view_rootcause", "view_slapolicy",
        "view_cannedresponse"]
HELP_READ = ["view_article", "view_trainingsession", "view_trainingsignup"]
GRANTS = {
    "customer_service": [*READ, *HELP_READ, "handle_complaint", "manage_help"],
    "customer_service_lead": [*READ, *HELP_READ, "handle_complaint", "manage_help", "view_complaint_report",
                              "view_regulatorreport", "manage_complaint_settings"],
    "field_engineer": ["view_complaint", "view_category", *HELP_READ],
    "risk_analyst": ["view_complaint", "view_category"],
    "compliance_officer": [*READ, *HELP_READ, "view_complaint_report", "view_regulatorreport"],
    "operations_manager": [*READ, *HELP_READ, "handle_complaint", "view_complaint_report", "view_regulatorreport",
                           "manage_complaint_settings", "manage_help"],
    "onboarding_reviewer": [*HELP_READ],
}


def forwards(apps, schema_editor):
    from acquirer.roles import grant

    grant(apps, "complaints", GRANTS)


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_complaints"), ("acquirer", "0003_roles")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
