"""Builders for risk tests: a rule with its version in force, a case of a merchant with alerts whose linked ledger
rows are real (``make_transaction``), made straight with the ORM (the rules engine is tested elsewhere)."""

import itertools
from datetime import date, timedelta

from django.utils import timezone

from tests.transactions.factories import make_transaction
from transactions.models import RiskAlert, RiskCase, RiskRule, RiskRuleVersion, SettlementHold

_seq = itertools.count(1)


def make_rule(*, kind: str = "large_ticket", name: str | None = None, severity: str = "high") -> RiskRule:
    n = next(_seq)
    rule = RiskRule.objects.create(kind=kind, name=name or f"大额交易 rule {n}")
    version = RiskRuleVersion.objects.create(rule=rule, number=1, enabled=True, severity=severity,
                                             params={"multiple": 5}, reason="first version")
    rule.current = version
    rule.save(update_fields=["current"])
    return rule


def make_case(*, merchant, terminal=None, rule: RiskRule | None = None, status: str = RiskCase.Status.OPEN,
              alerts: int = 2, day: date | None = None, **fields) -> RiskCase:
    """A case of ``merchant`` with ``alerts`` alerts, each linked to one new ledger row on ``terminal``."""
    rule = rule or make_rule()
    case = RiskCase.objects.create(merchant=merchant, rule=rule, version=rule.current, severity=rule.current.severity,
                                   status=status, alert_count=alerts, **fields)
    day = day or timezone.localdate() - timedelta(days=1)
    for index in range(alerts):
        linked, amount = [], 0
        if terminal is not None:
            row = make_transaction(merchant=merchant, terminal=terminal, local_date=day, amount_minor=880000 + index)
            linked, amount = [[row["local_date"].isoformat(), row["id"]]], row["amount_minor"]
        now = timezone.now()
        RiskAlert.objects.create(rule=rule, version=rule.current, merchant=merchant, terminal=terminal, case=case,
                                 key=f"k{case.pk}-{index}", window_start=now - timedelta(hours=1), window_end=now,
                                 facts={"amount": amount}, linked=linked, transactions=len(linked),
                                 amount_minor=amount)
    return case


def make_hold(*, merchant, placed_by, amount_minor: int | None = None, status: str = SettlementHold.Status.ACTIVE,
              **fields) -> SettlementHold:
    values = {"reason": "内部原因 internal: cash-out pattern", "merchant_reason": "风险审查中 Under risk review",
              "review_date": timezone.localdate() + timedelta(days=14)}
    values.update(fields)
    return SettlementHold.objects.create(merchant=merchant, placed_by=placed_by, amount_minor=amount_minor,
                                         status=status, **values)
