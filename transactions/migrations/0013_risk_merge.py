"""Joins the two risk migrations made side by side (rules seed 0011, hold release 0012); changes nothing."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("transactions", "0011_risk_rule_seed"), ("transactions", "0012_risk_hold_release")]
    operations = []
