"""Reads of risk monitoring, always through ``acquirer.access.scope``: staff and auditors see rules, cases and
holds; a merchant user sees only its own merchant's holds (rules, alerts, cases and evidence have no tenant
field, so a merchant sees none of them). Lists are keyset pages with a constant number of queries."""

from datetime import date, timedelta

from django.contrib.auth.models import Permission
from django.db.models import Count, Q
from django.utils import timezone

from acquirer.access import get_scoped, scope
from acquirer.lists import bounded_count, start_of_local_day
from acquirer.models import AuditEvent, User
from terminals.models import Terminal
from transactions import roles
from transactions.models import (
    RiskAlert,
    RiskCase,
    RiskEvidence,
    RiskRule,
    RiskRuleVersion,
    SettlementHold,
    Transaction,
)

RULE_ORDER = ("name",)  # names are unique
CASE_ORDER = ("-opened_at", "-id")
CASE_FIELDS = ("merchant__legal_name", "rule__name", "severity", "status", "opened_at", "last_alert_at",
               "alert_count", "assigned_to__username", "major", "report_due", "reported_at")
HOLD_ORDER = ("-placed_at", "-id")
AGES = {"1": 1, "3": 3, "7": 7, "30": 30}
OPEN_CASE = [RiskCase.Status.OPEN, RiskCase.Status.INVESTIGATING, RiskCase.Status.ESCALATED]
# what a merchant's holds page shows: still holding, waiting for the second person, or released lately
PORTAL_HOLD_DAYS = 30
MAX_LINKED_SHOWN = 200


# --- rules ------------------------------------------------------------------------------------------------------

def risk_rule_list(*, actor, days: int = 30):
    """Every rule with its version in force and the alerts it raised in the last ``days`` days (one query)."""
    since = timezone.now() - timedelta(days=days)
    return (scope(RiskRule.objects.select_related("current", "current__scope_merchant"), actor)
            .annotate(recent_alerts=Count("alerts", filter=Q(alerts__created_at__gte=since)))
            .order_by(*RULE_ORDER))


def risk_rule_get(*, actor, pk: int) -> RiskRule:
    return get_scoped(RiskRule.objects.select_related("current", "current__scope_merchant"), actor, pk=pk)


def risk_rule_versions(*, actor, rule: RiskRule):
    """A rule's versions, newest first, with who made each."""
    return (scope(RiskRuleVersion.objects.filter(rule=rule), actor)
            .select_related("created_by", "scope_merchant").order_by("-number"))


# --- cases ------------------------------------------------------------------------------------------------------

def risk_case_list(*, actor, filters: dict | None = None):
    """Cases, newest first, filtered by status ("open" for every case still to work on), rule, merchant,
    severity, age ("opened more than n days ago") and regulator report ("due": :func:`risk_report_due_q`)."""
    filters = filters or {}
    qs = scope(RiskCase.objects.select_related("merchant", "rule", "assigned_to"), actor)
    status = filters.get("status")
    if status == "open_all":
        qs = qs.filter(status__in=OPEN_CASE)
    elif status:
        qs = qs.filter(status=status)
    if filters.get("rule"):
        qs = qs.filter(rule_id=filters["rule"].pk if hasattr(filters["rule"], "pk") else filters["rule"])
    if filters.get("merchant"):
        qs = qs.filter(merchant_id=filters["merchant"])
    if filters.get("severity"):
        qs = qs.filter(severity=filters["severity"])
    if filters.get("age") in AGES:
        qs = qs.filter(opened_at__lt=timezone.now() - timedelta(days=AGES[filters["age"]]))
    if filters.get("report") == "due":
        qs = qs.filter(risk_report_due_q())
    return qs.order_by(*CASE_ORDER)


REPORT_NEAR_DAYS = 3  # "near its deadline": due within this many days


def risk_report_due_q(today: date | None = None) -> Q:
    """Major risk events not yet reported to the regulator whose deadline has passed or is within 3 days."""
    limit = (today or timezone.localdate()) + timedelta(days=REPORT_NEAR_DAYS)
    return Q(major=True, reported_at__isnull=True, report_due__isnull=False, report_due__lte=limit)


def risk_case_get(*, actor, pk: int) -> RiskCase:
    """One case (404 when missing; merchants never see cases)."""
    return get_scoped(RiskCase.objects.select_related("merchant", "rule", "version", "assigned_to", "decided_by"),
                      actor, pk=pk)


def risk_case_alerts(*, actor, case: RiskCase, limit: int = 100):
    return list(scope(RiskAlert.objects.filter(case=case), actor).select_related("terminal", "rule")
                .order_by("-created_at", "-id")[:limit])


def risk_case_evidence(*, actor, case: RiskCase):
    return list(scope(RiskEvidence.objects.filter(case=case), actor).select_related("created_by")
                .order_by("created_at", "id"))


def risk_evidence_file_get(*, actor, case_pk: int, pk: int) -> RiskEvidence:
    """One evidence file of a case (404 when missing, not a file, or another case's)."""
    return get_scoped(RiskEvidence.objects.select_related("case").filter(case_id=case_pk, kind="file"), actor, pk=pk)


def risk_case_transactions(*, actor, case: RiskCase, alerts: list, evidence: list) -> list:
    """The ledger rows behind the case's alerts and the rows linked as evidence (at most ``MAX_LINKED_SHOWN``),
    read by their (local date, id) key in one query."""
    keys = []
    for alert in alerts:
        keys.extend((day, pk) for day, pk in alert.linked)
    keys.extend((item.transaction_date.isoformat(), item.transaction_id) for item in evidence
                if item.kind == RiskEvidence.Kind.TRANSACTION and item.transaction_id)
    wanted = list(dict.fromkeys((str(day), int(pk)) for day, pk in keys))[:MAX_LINKED_SHOWN]
    if not wanted:
        return []
    condition = Q()
    for day, pk in wanted:
        condition |= Q(local_date=day, id=pk)
    return list(scope(Transaction.objects.filter(merchant_id=case.merchant_id), actor).filter(condition)
                .order_by("-local_date", "-id"))


def risk_case_history(*, actor, case: RiskCase, evidence: list, limit: int = 100):
    """The audit events of the case and of its evidence, newest first (the case's timeline)."""
    targets = Q(target_type=case._meta.label_lower, target_id=str(case.pk))
    if evidence:
        targets |= Q(target_type=RiskEvidence._meta.label_lower, target_id__in=[str(e.pk) for e in evidence])
    return scope(AuditEvent.objects.select_related("actor"), actor).filter(targets).order_by("-id")[:limit]


def risk_case_terminals(*, actor, case: RiskCase):
    """The case merchant's active terminals (the ones that can be suspended)."""
    return scope(Terminal.objects.filter(merchant_id=case.merchant_id, status=Terminal.Status.ACTIVE), actor
                 ).order_by("tid", "id")


def risk_case_assignee_choices(*, actor):
    """Active staff who handle risk cases."""
    app_label, codename = roles.HANDLE_CASE.split(".")
    perms = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    return (scope(User.objects.filter(kind=User.Kind.STAFF, is_active=True), actor)
            .filter(Q(groups__permissions__in=perms) | Q(user_permissions__in=perms) | Q(is_superuser=True))
            .distinct().order_by("username"))


# --- holds ------------------------------------------------------------------------------------------------------

def hold_list(*, actor, filters: dict | None = None):
    """Holds, newest first, filtered by status ("in_force" for active or release requested)."""
    filters = filters or {}
    qs = scope(SettlementHold.objects.select_related("merchant", "case", "placed_by", "release_requested_by",
                                                      "released_by"), actor)
    status = filters.get("status")
    if status == "in_force":
        qs = qs.filter(status__in=[SettlementHold.Status.ACTIVE, SettlementHold.Status.RELEASE_REQUESTED])
    elif status:
        qs = qs.filter(status=status)
    if filters.get("merchant"):
        qs = qs.filter(merchant_id=filters["merchant"])
    return qs.order_by(*HOLD_ORDER)


def hold_get(*, actor, pk: int) -> SettlementHold:
    return get_scoped(SettlementHold.objects.select_related("merchant", "case", "placed_by"), actor, pk=pk)


def portal_hold_list(*, actor, today: date | None = None):
    """A merchant's own holds that still hold money back, wait for release, or were released in the last
    ``PORTAL_HOLD_DAYS`` days; only the columns a merchant may see are read (never the internal reason)."""
    since = timezone.now() - timedelta(days=PORTAL_HOLD_DAYS)
    return (scope(SettlementHold.objects.all(), actor)
            .filter(Q(status__in=[SettlementHold.Status.ACTIVE, SettlementHold.Status.RELEASE_REQUESTED])
                    | Q(status=SettlementHold.Status.RELEASED, released_at__gte=since))
            .only("id", "merchant_id", "amount_minor", "currency", "held_minor", "merchant_reason", "review_date",
                  "status", "placed_at", "released_at")
            .order_by(*HOLD_ORDER))


def risk_open_case_count(*, actor):
    return bounded_count(risk_case_list(actor=actor, filters={"status": "open_all"}))


# --- charts -----------------------------------------------------------------------------------------------------

def _days(first: date, count: int) -> list[date]:
    return [first + timedelta(days=n) for n in range(count)]


def risk_alerts_trend(*, actor, days: int = 30, today: date | None = None) -> dict:
    """Alerts raised per rule per day over the last ``days`` days (every day, zero included): one query."""
    today = today or timezone.localdate()
    first = today - timedelta(days=days - 1)
    since = start_of_local_day(first)
    rows = (scope(RiskAlert.objects.filter(created_at__gte=since), actor)
            .values("rule_id", "rule__name", "created_at__date").annotate(n=Count("id"))
            .order_by("rule__name", "created_at__date"))
    rules: dict = {}
    for row in rows:
        rule = rules.setdefault(row["rule_id"], {"rule_id": row["rule_id"], "name": row["rule__name"], "by_day": {}})
        rule["by_day"][row["created_at__date"]] = row["n"]
    day_list = _days(first, days)
    for rule in rules.values():
        rule["counts"] = [rule["by_day"].get(day, 0) for day in day_list]
        rule["total"] = sum(rule["counts"])
    totals = [sum(rule["by_day"].get(day, 0) for rule in rules.values()) for day in day_list]
    return {"days": day_list, "rules": list(rules.values()), "totals": totals}


def risk_outcomes_trend(*, actor, days: int = 30, today: date | None = None) -> list[dict]:
    """Cases decided per day over the last ``days`` days, by where they stand now (a closed case no longer
    shows its outcome): one query."""
    today = today or timezone.localdate()
    first = today - timedelta(days=days - 1)
    since = start_of_local_day(first)
    rows = (scope(RiskCase.objects.filter(decided_at__gte=since), actor)
            .values("decided_at__date").annotate(
                confirmed=Count("id", filter=Q(status=RiskCase.Status.CONFIRMED)),
                false_positive=Count("id", filter=Q(status=RiskCase.Status.FALSE_POSITIVE)),
                escalated=Count("id", filter=Q(status=RiskCase.Status.ESCALATED)),
                closed=Count("id", filter=Q(status=RiskCase.Status.CLOSED)),
                total=Count("id"))
            .order_by("decided_at__date"))
    by_day = {row["decided_at__date"]: row for row in rows}
    empty = {"confirmed": 0, "false_positive": 0, "escalated": 0, "closed": 0, "total": 0}
    return [{"day": day, **{key: by_day.get(day, empty)[key] for key in empty}} for day in _days(first, days)]


def risk_scope_merchant(*, actor, pk: int | None):
    """The merchant a rule version is narrowed to, by its number (None when none is given or it does not exist)."""
    from merchants.models import Merchant

    if not pk:
        return None
    return scope(Merchant.objects.all(), actor).filter(pk=pk).first()
