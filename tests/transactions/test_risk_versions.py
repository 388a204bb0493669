"""Rule versions: every change is a new version with who and why, audited; only risk analysts manage rules; a case
keeps the version that raised it; a dry run writes nothing; parameters are validated per kind."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from acquirer import roles
from acquirer.exceptions import DomainError, NotPermitted
from acquirer.models import AuditEvent
from tests.factories import make_merchant
from tests.transactions.factories import SHANGHAI, live_merchant_with_terminal, make_transaction
from transactions.models import RiskAlert, RiskCase, RiskRule, RiskRuleVersion
from transactions.models.risk import RuleKind
from transactions.services.risk_rules import (
    PARAMETERS,
    defaults,
    dry_run,
    evaluate_window,
    rule_change,
    rule_create,
    rule_set_enabled,
    validate_params,
)

K = RuleKind
DAY = timezone.localdate() - timedelta(days=1)


@pytest.fixture
def analyst(users):
    return users[roles.RISK_ANALYST]


@pytest.fixture
def off_hours():
    return RiskRule.objects.select_related("current").get(kind=K.OFF_HOURS)


def _night_sales(shop, day, count=3):
    merchant, terminal = shop
    for n in range(count):
        when = datetime.combine(day, time(1 + n))
        make_transaction(merchant=merchant, terminal=terminal, local_date=day, local_time=when,
                         at=when.replace(tzinfo=SHANGHAI))


def _change(actor, rule, **overrides):
    current = rule.current
    fields = {"params": current.params, "severity": current.severity, "scope_mccs": current.scope_mccs,
              "scope_risk_levels": current.scope_risk_levels, "scope_merchant": current.scope_merchant,
              "enabled": current.enabled, "reason": "Tuned after review", **overrides}
    return rule_change(actor=actor, rule=rule, **fields)


def test_the_shipped_rules_are_one_per_kind_enabled_with_defaults(db):
    rules = RiskRule.objects.select_related("current")
    assert sorted(rule.kind for rule in rules) == sorted(K.values)
    for rule in rules:
        assert rule.current.number == 1 and rule.current.enabled and rule.current.reason == "Shipped default"
        assert validate_params(rule.kind, rule.current.params) == rule.current.params == defaults(rule.kind)


def test_a_change_is_a_new_version_in_force_and_audited(analyst, off_hours):
    version = _change(analyst, off_hours, params={**off_hours.current.params, "count": 5}, severity="high")
    off_hours.refresh_from_db()
    assert version.number == 2 and off_hours.current == version and version.created_by == analyst
    assert RiskRuleVersion.objects.get(rule=off_hours, number=1).params["count"] == 3  # the old one untouched
    event = AuditEvent.objects.filter(action="risk_rule.changed").latest("id")
    assert event.before["version"] == 1 and event.after["version"] == 2 and event.after["params"]["count"] == 5


def test_a_change_needs_a_reason(analyst, off_hours):
    with pytest.raises(DomainError, match="Say why"):
        _change(analyst, off_hours, reason="ok")
    assert off_hours.versions.count() == 1


def test_enable_and_disable_copy_the_version_in_force(analyst, off_hours):
    disabled = rule_set_enabled(actor=analyst, rule=off_hours, enabled=False, reason="Too noisy for now")
    assert disabled.number == 2 and not disabled.enabled and disabled.params == off_hours.current.params
    enabled = rule_set_enabled(actor=analyst, rule=off_hours, enabled=True, reason="Back after tuning")
    assert enabled.number == 3 and enabled.enabled
    assert list(AuditEvent.objects.filter(action__in=["risk_rule.enabled", "risk_rule.disabled"])
                .order_by("id").values_list("action", flat=True)) == ["risk_rule.disabled", "risk_rule.enabled"]


def test_create_makes_version_one(analyst, merchant_a):
    rule = rule_create(actor=analyst, kind=K.LARGE_TICKET, name="Large tickets, restaurants", params={"multiple": 8},
                       severity="high", scope_mccs=["5812"], scope_merchant=merchant_a, enabled=True,
                       reason="Restaurants see bigger swings")
    assert rule.current.number == 1 and rule.current.params["multiple"] == "8"
    assert rule.current.params["lookback_days"] == 30 and rule.current.scope_mccs == ["5812"]
    assert AuditEvent.objects.filter(action="risk_rule.created", target_id=str(rule.pk)).exists()
    with pytest.raises(DomainError):
        rule_create(actor=analyst, kind=K.LARGE_TICKET, name="Large tickets, restaurants", params={},
                    severity="high", reason="A twin of the other")


@pytest.mark.parametrize("role", [roles.OPERATIONS_MANAGER, roles.COMPLIANCE_OFFICER, "auditor", "merchant_a"])
def test_roles_without_manage_risk_rule_are_refused(users, off_hours, role):
    actor = users[role]
    with pytest.raises(NotPermitted):
        _change(actor, off_hours)
    with pytest.raises(NotPermitted):
        rule_set_enabled(actor=actor, rule=off_hours, enabled=False, reason="Not my call")
    with pytest.raises(NotPermitted):
        rule_create(actor=actor, kind=K.OFF_HOURS, name="Mine", params={}, severity="low", reason="Trying it")
    with pytest.raises(NotPermitted):
        dry_run(actor=actor, rule=off_hours, params={}, severity="low", scope_mccs=[], scope_risk_levels=[],
                scope_merchant=None, days=7)
    assert off_hours.versions.count() == 1


def test_a_case_keeps_the_version_that_raised_it(analyst, off_hours, users):
    shop = live_merchant_with_terminal(make_merchant("版本商户"))
    _night_sales(shop, DAY - timedelta(days=1))
    evaluate_window(first=DAY - timedelta(days=1), last=DAY - timedelta(days=1))
    case = RiskCase.objects.get(rule=off_hours)
    _change(analyst, off_hours, params={**off_hours.current.params, "count": 2}, severity="high")
    _night_sales(shop, DAY)
    evaluate_window(first=DAY, last=DAY)
    case.refresh_from_db()
    assert case.version.number == 1 and case.alert_count == 2 and case.severity == "medium"
    assert sorted(RiskAlert.objects.filter(case=case).values_list("version__number", flat=True)) == [1, 2]


def test_dry_run_writes_nothing_and_shows_proposed_next_to_current(analyst, off_hours):
    shop = live_merchant_with_terminal(make_merchant("试运行商户"))
    _night_sales(shop, DAY, count=2)
    before = (RiskAlert.objects.count(), RiskCase.objects.count(), RiskRuleVersion.objects.count(),
              AuditEvent.objects.count())
    result = dry_run(actor=analyst, rule=off_hours, params={**off_hours.current.params, "count": 2},
                     severity="high", scope_mccs=[], scope_risk_levels=[], scope_merchant=None, days=7)
    assert result["days"] == 7 and len(result["proposed"]) == 1 and result["current"] == []
    assert result["proposed"][0].merchant_name and not result["truncated"]
    assert "2 approved sales" in result["proposed"][0].describe(K.OFF_HOURS)
    assert (RiskAlert.objects.count(), RiskCase.objects.count(), RiskRuleVersion.objects.count(),
            AuditEvent.objects.count()) == before
    with pytest.raises(DomainError, match="Days"):
        dry_run(actor=analyst, rule=off_hours, params={}, severity="high", scope_mccs=[], scope_risk_levels=[],
                scope_merchant=None, days=91)


@pytest.mark.parametrize(("kind", "params", "message"), [
    (K.CARD_VELOCITY, {"count": "many"}, "transactions: enter a whole number"),
    (K.CARD_VELOCITY, {"count": 1}, "transactions: enter a number from 2 to 1000"),
    (K.CARD_VELOCITY, {"minutes": ""}, "within minutes: a value is required"),
    (K.OFF_HOURS, {"opens": "7 am"}, "opens: enter a time as HH:MM"),
    (K.OFF_HOURS, {"opens": "07:00", "closes": "07:00"}, "must differ"),
    (K.REFUND_RATIO, {"ratio": "a third"}, "ratio: enter a number"),
    (K.REFUND_RATIO, {"ratio": "11"}, "ratio: enter a number from 0.01 to 10"),
    (K.LARGE_TICKET, {"min_amount": 10}, "minimum amount: enter an amount from 1.00"),
])
def test_validate_params_names_the_field(db, kind, params, message):
    with pytest.raises(DomainError, match=message):
        validate_params(kind, params)


def test_validate_params_fills_defaults_and_keeps_money_in_fen(db):
    cleaned = validate_params(K.SPLIT_SALES, {"limit": "2000000", "unknown": 1})
    assert cleaned == {"limit": 2000000, "band_percent": 10, "count": 2, "minutes": 30}
    assert set(PARAMETERS) == set(K.values)
    assert validate_params(K.FAR_LOCATION, {"km": "2.50"}) == {"km": "2.50"}
