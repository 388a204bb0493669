"""The shipped rules: one per kind, version 1 enabled with the default parameters (frozen copy of
transactions/services/risk_rules.py PARAMETERS at this point; money in fen)."""

from django.db import migrations

SHIPPED = {
    "large_ticket": ("Large ticket", {"multiple": "5", "lookback_days": 30, "min_amount": 100000}),
    "card_velocity": ("Card velocity", {"count": 5, "minutes": 60}),
    "terminal_velocity": ("Terminal velocity", {"count": 60, "minutes": 10}),
    "split_sales": ("Split sales", {"limit": 5000000, "band_percent": 10, "count": 2, "minutes": 30}),
    "off_hours": ("Off-hours activity", {"opens": "07:00", "closes": "23:00", "count": 3}),
    "round_amounts": ("Round amounts on credit cards", {"unit": 10000, "min_amount": 100000, "count": 3}),
    "refund_ratio": ("Refund ratio", {"days": 7, "ratio": "0.3", "min_sales": 10}),
    "repeated_declines": ("Repeated declines", {"count": 3, "minutes": 30}),
    "far_location": ("Far from the installation address", {"km": "5"}),
    "dormant_terminal": ("Dormant terminal", {"days": 30}),
    "new_merchant_volume": ("New merchant volume", {"new_days": 90, "multiple": "3"}),
}


def forwards(apps, schema_editor):
    RiskRule = apps.get_model("transactions", "RiskRule")
    RiskRuleVersion = apps.get_model("transactions", "RiskRuleVersion")
    for kind, (name, params) in SHIPPED.items():
        if RiskRule.objects.filter(kind=kind).exists():
            continue
        rule = RiskRule.objects.create(kind=kind, name=name)
        version = RiskRuleVersion.objects.create(rule=rule, number=1, enabled=True, severity="medium", params=params,
                                                 scope_mccs=[], scope_risk_levels=[], reason="Shipped default")
        rule.current = version
        rule.save(update_fields=["current"])


class Migration(migrations.Migration):
    dependencies = [("transactions", "0010_risk_roles")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
