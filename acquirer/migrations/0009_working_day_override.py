"""Working-day overrides (public holidays and make-up working days entered by operations managers) and who may
read and change them (``acquirer/calendar.py``)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

GRANTS = {
    "operations_manager": ["view_workingdayoverride", "manage_calendar"],
    "onboarding_reviewer": ["view_workingdayoverride"],
    "field_engineer": ["view_workingdayoverride"],
    "risk_analyst": ["view_workingdayoverride"],
    "customer_service": ["view_workingdayoverride"],
    "compliance_officer": ["view_workingdayoverride"],
}


def forwards(apps, schema_editor):
    from acquirer.roles import grant

    grant(apps, "acquirer", GRANTS)


class Migration(migrations.Migration):

    dependencies = [
        ("acquirer", "0008_outbox"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="WorkingDayOverride",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("date", models.DateField(unique=True, verbose_name="date")),
                ("kind", models.CharField(choices=[("holiday", "Public holiday"),
                                                   ("working_day", "Make-up working day")],
                                          max_length=20, verbose_name="kind")),
                ("name", models.CharField(max_length=100, verbose_name="name")),
                ("note", models.CharField(blank=True, max_length=200, verbose_name="note")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("created_by", models.ForeignKey(blank=True, null=True,
                                                 on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                                 to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "verbose_name": "working-day override",
                "verbose_name_plural": "working-day overrides",
                "ordering": ["date"],
                "permissions": [("manage_calendar",
                                 "Can add and remove public holidays and make-up working days")],
                "constraints": [models.CheckConstraint(condition=models.Q(("kind__in", ["holiday", "working_day"])),
                                                       name="workingdayoverride_kind_valid")],
            },
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
