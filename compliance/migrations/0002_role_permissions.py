"""Grant the compliance permissions to the staff roles (frozen copy of compliance/roles.py at this point)."""

from django.db import migrations

LIBRARY_READ = ["view_framework", "view_requirement", "view_control"]
EVERYONE = [*LIBRARY_READ, "view_assessment", "view_assessmentitem", "view_evidence", "answer_assessment",
            "view_finding", "remediate_finding", "view_regulatorychange", "view_changetask"]
READ_ALL = [*EVERYONE, "view_checklisttemplate", "view_inspection", "view_inspectiondocument",
            "view_readingacknowledgement", "view_accessreview", "view_accessreviewitem", "view_retentionrule",
            "view_legalhold", "view_early_warning"]
GRANTS = {
    "compliance_officer": [*READ_ALL, "manage_library", "run_assessment", "manage_finding", "manage_inspection",
                           "manage_regulatorychange", "manage_retention", "manage_legalhold"],
    "operations_manager": [*READ_ALL, "run_assessment", "manage_finding", "accept_risk", "review_access",
                           "dispose_record"],
    "risk_analyst": [*EVERYONE],
    "onboarding_reviewer": [*EVERYONE],
    "field_engineer": [*EVERYONE],
    "customer_service": [*EVERYONE],
    "customer_service_lead": [*EVERYONE],
}


def forwards(apps, schema_editor):
    from acquirer.roles import grant

    grant(apps, "compliance", GRANTS)


class Migration(migrations.Migration):
    dependencies = [("compliance", "0001_compliance"), ("acquirer", "0003_roles")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
