"""Risk rows for the page tests, built with the ORM: a rule with its version in force, alerts grouped into a case,
evidence and settlement holds. The services are tested on their own (``risk_factories.py``)."""

import itertools
from datetime import date, timedelta

from django.utils import timezone

from transactions.models import RiskAlert, RiskCase, RiskEvidence, RiskRule, RiskRuleVersion, SettlementHold

_seq = itertools.count(1)
INTERNAL_REASON = "Internal: card testing suspected by the analyst"
MERCHANT_REASON = "Routine review of recent activity"


def make_rule(*, kind: str = "card_velocity", name: str | None = None, enabled: bool = True,
              params: dict | None = None, severity: str = "medium", by=None) -> RiskRule:
    rule = RiskRule.objects.create(kind=kind, name=name or f"Rule {next(_seq)} card velocity")
    version = RiskRuleVersion.objects.create(rule=rule, number=1, enabled=enabled, severity=severity,
                                             params=params or {"count": 5, "minutes": 60}, reason="first version",
                                             created_by=by)
    rule.current = version
    rule.save(update_fields=["current"])
    return rule


def make_case(*, rule: RiskRule, merchant, status: str = "open", alerts: int = 1, opened_days_ago: int = 0,
              linked: list | None = None, **fields) -> RiskCase:
    opened = timezone.now() - timedelta(days=opened_days_ago)
    case = RiskCase.objects.create(merchant=merchant, rule=rule, version=rule.current, severity=rule.current.severity,
                                   status=status, opened_at=opened, last_alert_at=opened, alert_count=alerts,
                                   **fields)
    for _ in range(alerts):
        make_alert(rule=rule, merchant=merchant, case=case, linked=linked or [])
    return case


def make_alert(*, rule: RiskRule, merchant, case=None, linked=(), created_at=None, count: int = 6) -> RiskAlert:
    now = created_at or timezone.now()
    return RiskAlert.objects.create(rule=rule, version=rule.current, merchant_id=merchant.pk, case=case,
                                    key=f"card:{next(_seq)}", window_start=now - timedelta(minutes=30),
                                    window_end=now, facts={"count": count, "minutes": 60}, linked=list(linked),
                                    transactions=count, amount_minor=123400, created_at=now)


def make_note(*, case: RiskCase, text: str = "Called the merchant: no answer", by=None) -> RiskEvidence:
    return RiskEvidence.objects.create(case=case, kind=RiskEvidence.Kind.NOTE, text=text, created_by=by)


def make_hold(*, merchant, case=None, status: str = "active", amount_minor: int | None = None, placed_by=None,
              release_requested_by=None, reason: str = INTERNAL_REASON, merchant_reason: str = MERCHANT_REASON,
              released_at=None) -> SettlementHold:
    return SettlementHold.objects.create(merchant=merchant, case=case, amount_minor=amount_minor, reason=reason,
                                         merchant_reason=merchant_reason, status=status, placed_by=placed_by,
                                         release_requested_by=release_requested_by, released_at=released_at,
                                         review_date=date.today() + timedelta(days=14))
