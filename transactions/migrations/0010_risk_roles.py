"""Grant the risk permissions to the staff roles (frozen copy of transactions/roles.py at this point)."""

from django.db import migrations

RISK_READ = ["view_riskrule", "view_riskruleversion", "view_riskalert", "view_riskcase", "view_riskevidence",
             "view_settlementhold"]
GRANTS = {
    "risk_analyst": [*RISK_READ, "manage_risk_rule", "handle_risk_case", "report_risk_case", "place_hold",
                     "release_hold"],
    "compliance_officer": [*RISK_READ, "report_risk_case"],
    "operations_manager": [*RISK_READ, "handle_risk_case", "place_hold", "release_hold"],
}


def forwards(apps, schema_editor):
    from acquirer.roles import grant

    grant(apps, "transactions", GRANTS)


class Migration(migrations.Migration):
    dependencies = [("transactions", "0009_risk")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
