"""Risk rules: their parameters per kind, versioned changes (always a new version, audited), the set-based SQL each
kind runs over a scope of ledger rows, dry runs and evaluation into alerts (``docs/risk.md``, "Rules engine").

A scope is the rows of one ingested file or a range of local dates; every statement is bounded by ``local_date`` so
the ledger's monthly partitions prune, and reads history for the merchants, terminals and cards in scope through the
ledger's indexes. A finding's ``key`` is deterministic, so evaluating the same rows again adds nothing
(``INSERT … ON CONFLICT (rule_id, merchant_id, key) DO NOTHING``)."""

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db import connection, transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acquirer import audit, policy
from acquirer.exceptions import DomainError
from acquirer.policy import Action
from transactions import roles
from transactions.models import IngestFile, RiskAlert, RiskRule, RiskRuleVersion
from transactions.models.risk import RuleKind, Severity

K = RuleKind
MAX_FINDINGS = 500  # a dry run shows at most this many findings per list
MAX_LINKED = RiskAlert.MAX_LINKED

RULE_ACTIONS = {action.name: action for action in (
    Action("create", roles.MANAGE_RULES, label=gettext_lazy("New rule"), what=gettext_lazy("creating a risk rule"),
           audit_action="risk_rule.created"),
    Action("change", roles.MANAGE_RULES, label=gettext_lazy("Change"), what=gettext_lazy("changing a risk rule"),
           audit_action="risk_rule.changed"),
    Action("enable", roles.MANAGE_RULES, label=gettext_lazy("Enable"), what=gettext_lazy("enabling a risk rule"),
           audit_action="risk_rule.enabled"),
    Action("disable", roles.MANAGE_RULES, label=gettext_lazy("Disable"), what=gettext_lazy("disabling a risk rule"),
           audit_action="risk_rule.disabled"),
    Action("dry_run", roles.MANAGE_RULES, label=gettext_lazy("Dry run"),
           what=gettext_lazy("trying a risk rule on past transactions")),
)}


# --- parameters ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # int | money (fen) | decimal (a string) | time ("HH:MM") | minutes | days | km
    default: object
    minimum: object
    maximum: object
    label: object
    help: object = ""


def _p(name, kind, default, minimum, maximum, label, help_=""):
    return Param(name, kind, default, minimum, maximum, label, help_)


_MULTIPLE = gettext_lazy("multiple")
_COUNT = gettext_lazy("transactions")
_MINUTES = gettext_lazy("within minutes")
PARAMETERS: dict[str, dict[str, Param]] = {kind: {p.name: p for p in params} for kind, params in {
    K.LARGE_TICKET: [
        _p("multiple", "decimal", "5", "1.5", "1000", _MULTIPLE,
           gettext_lazy("How many times the merchant's median approved sale a sale must be.")),
        _p("lookback_days", "days", 30, 7, 180, gettext_lazy("days of history"),
           gettext_lazy("The days before the sale whose approved sales give the median.")),
        _p("min_amount", "money", 100000, 100, 10**11, gettext_lazy("minimum amount"),
           gettext_lazy("Smaller sales are never flagged.")),
    ],
    K.CARD_VELOCITY: [
        _p("count", "int", 5, 2, 1000, _COUNT, gettext_lazy("Approved or declined transactions on one card.")),
        _p("minutes", "minutes", 60, 1, 1440, _MINUTES),
    ],
    K.TERMINAL_VELOCITY: [
        _p("count", "int", 60, 2, 100000, _COUNT, gettext_lazy("Transactions on one terminal.")),
        _p("minutes", "minutes", 10, 1, 1440, _MINUTES),
    ],
    K.SPLIT_SALES: [
        _p("limit", "money", 5000000, 100, 10**11, gettext_lazy("limit"),
           gettext_lazy("The limit sales are split under.")),
        _p("band_percent", "int", 10, 1, 50, gettext_lazy("band below the limit (%)")),
        _p("count", "int", 2, 2, 100, _COUNT, gettext_lazy("Sales on one card at one merchant.")),
        _p("minutes", "minutes", 30, 1, 1440, _MINUTES),
    ],
    K.OFF_HOURS: [
        _p("opens", "time", "07:00", "00:00", "23:59", gettext_lazy("opens")),
        _p("closes", "time", "23:00", "00:00", "23:59", gettext_lazy("closes")),
        _p("count", "int", 3, 1, 100000, _COUNT, gettext_lazy("Approved sales in a day outside the hours.")),
    ],
    K.ROUND_AMOUNTS: [
        _p("unit", "money", 10000, 100, 10**10, gettext_lazy("round to"),
           gettext_lazy("Sales that are whole multiples of this amount.")),
        _p("min_amount", "money", 100000, 100, 10**11, gettext_lazy("minimum amount")),
        _p("count", "int", 3, 1, 100000, _COUNT, gettext_lazy("Approved credit-card sales in a day.")),
    ],
    K.REFUND_RATIO: [
        _p("days", "days", 7, 1, 90, gettext_lazy("days")),
        _p("ratio", "decimal", "0.3", "0.01", "10", gettext_lazy("ratio"),
           gettext_lazy("Refunds and voids divided by sales, by count.")),
        _p("min_sales", "int", 10, 1, 100000, gettext_lazy("minimum sales")),
    ],
    K.REPEATED_DECLINES: [
        _p("count", "int", 3, 2, 1000, _COUNT, gettext_lazy("Declined transactions on one card.")),
        _p("minutes", "minutes", 30, 1, 1440, _MINUTES),
    ],
    K.FAR_LOCATION: [
        _p("km", "km", "5", "0.1", "20000", gettext_lazy("distance (km)"),
           gettext_lazy("From the terminal's installation coordinates.")),
    ],
    K.DORMANT_TERMINAL: [
        _p("days", "days", 30, 1, 730, gettext_lazy("days without transactions")),
    ],
    K.NEW_MERCHANT_VOLUME: [
        _p("new_days", "days", 90, 1, 730, gettext_lazy("new for days"),
           gettext_lazy("Merchants approved less than this many days ago.")),
        _p("multiple", "decimal", "3", "1", "1000", _MULTIPLE,
           gettext_lazy("How many times the declared monthly volume 30 days of approved sales must exceed.")),
    ],
}.items()}


def defaults(kind: str) -> dict:
    return {name: param.default for name, param in PARAMETERS[kind].items()}


def _refuse(param: Param, message: str):
    raise DomainError(_("%(field)s: %(message)s") % {"field": param.label, "message": message})


def _clean(param: Param, value):
    if value is None or value == "":
        _refuse(param, _("a value is required."))
    if param.kind == "time":
        try:
            moment = datetime.strptime(str(value).strip(), "%H:%M")
        except ValueError:
            _refuse(param, _("enter a time as HH:MM."))
        return moment.strftime("%H:%M")
    if param.kind in ("decimal", "km"):
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            _refuse(param, _("enter a number."))
        low, high = Decimal(str(param.minimum)), Decimal(str(param.maximum))
        if not low <= number <= high:
            _refuse(param, _("enter a number from %(low)s to %(high)s.") % {"low": low, "high": high})
        return str(number.normalize()) if number == number.to_integral() else str(number)
    try:
        number = int(str(value).strip())
    except ValueError:
        _refuse(param, _("enter a whole number."))
    if not param.minimum <= number <= param.maximum:
        if param.kind == "money":
            _refuse(param, _("enter an amount from %(low)s to %(high)s.")
                    % {"low": _money(param.minimum), "high": _money(param.maximum)})
        _refuse(param, _("enter a number from %(low)s to %(high)s.") % {"low": param.minimum, "high": param.maximum})
    return number


def validate_params(kind: str, params: dict) -> dict:
    """The parameters of a ``kind`` cleaned (missing ones take their defaults; unknown ones are dropped), or a
    :class:`DomainError` naming the field. Money is in minor units (fen)."""
    if kind not in PARAMETERS:
        raise DomainError(_("Unknown kind of rule."))
    params = params or {}
    cleaned = {name: _clean(param, params.get(name, param.default)) for name, param in PARAMETERS[kind].items()}
    if kind == K.OFF_HOURS and cleaned["opens"] == cleaned["closes"]:
        raise DomainError(_("The opening and closing times must differ."))
    return cleaned


def _clean_scope(scope_mccs, scope_risk_levels) -> tuple[list, list]:
    mccs = sorted({str(m).strip() for m in scope_mccs or () if str(m).strip()})
    for mcc in mccs:
        if not (len(mcc) == 4 and mcc.isdigit()):
            raise DomainError(_("MCCs: %(mcc)s is not a four-digit MCC.") % {"mcc": mcc})
    levels = sorted({str(level) for level in scope_risk_levels or ()})
    for level in levels:
        if level not in ("low", "medium", "high"):
            raise DomainError(_("Risk ratings: choose low, medium or high."))
    return mccs, levels


def _check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise DomainError(_("Say why (at least five characters)."))
    return reason


def _check_severity(severity: str) -> str:
    if severity not in Severity.values:
        raise DomainError(_("Choose a severity."))
    return severity


# --- versions ------------------------------------------------------------------------------------------------------

def _version_data(version: RiskRuleVersion) -> dict:
    return {"version": version.number, "enabled": version.enabled, "severity": version.severity,
            "params": version.params, "scope_mccs": version.scope_mccs, "scope_risk_levels": version.scope_risk_levels,
            "scope_merchant": version.scope_merchant_id}


@transaction.atomic
def rule_create(*, actor, kind: str, name: str, params: dict, severity: str, scope_mccs=(), scope_risk_levels=(),
                scope_merchant=None, enabled: bool = False, reason: str) -> RiskRule:
    policy.require(actor, RULE_ACTIONS["create"])
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Name the rule."))
    if RiskRule.objects.filter(name=name).exists():
        raise DomainError(_("A rule with this name exists already."))
    params = validate_params(kind, params)
    mccs, levels = _clean_scope(scope_mccs, scope_risk_levels)
    rule = RiskRule.objects.create(kind=kind, name=name)
    version = RiskRuleVersion.objects.create(
        rule=rule, number=1, enabled=bool(enabled), severity=_check_severity(severity), params=params,
        scope_mccs=mccs, scope_risk_levels=levels, scope_merchant=scope_merchant, reason=_check_reason(reason),
        created_by=actor)
    rule.current = version
    rule.save(update_fields=["current"])
    audit.record("risk_rule.created", actor=actor, target=rule, after=_version_data(version),
                 data={"kind": kind, "reason": version.reason})
    return rule


def _new_version(*, actor, rule: RiskRule, action: str, reason: str, **fields) -> RiskRuleVersion:
    rule = RiskRule.objects.select_for_update().get(pk=rule.pk)
    before = rule.current
    number = (rule.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = RiskRuleVersion.objects.create(rule=rule, number=number, reason=_check_reason(reason),
                                             created_by=actor, **fields)
    rule.current = version
    rule.save(update_fields=["current"])
    audit.record(action, actor=actor, target=rule, before=_version_data(before) if before else None,
                 after=_version_data(version), data={"reason": version.reason})
    return version


@transaction.atomic
def rule_change(*, actor, rule: RiskRule, params: dict, severity: str, scope_mccs, scope_risk_levels, scope_merchant,
                enabled: bool, reason: str) -> RiskRuleVersion:
    """A new version of ``rule`` (number + 1) that becomes the version in force."""
    policy.require(actor, RULE_ACTIONS["change"])
    params = validate_params(rule.kind, params)
    mccs, levels = _clean_scope(scope_mccs, scope_risk_levels)
    return _new_version(actor=actor, rule=rule, action="risk_rule.changed", reason=reason, enabled=bool(enabled),
                        severity=_check_severity(severity), params=params, scope_mccs=mccs,
                        scope_risk_levels=levels, scope_merchant=scope_merchant)


@transaction.atomic
def rule_set_enabled(*, actor, rule: RiskRule, enabled: bool, reason: str) -> RiskRuleVersion:
    """A new version copying the one in force with ``enabled`` set."""
    policy.require(actor, RULE_ACTIONS["enable" if enabled else "disable"])
    current = RiskRule.objects.select_related("current").get(pk=rule.pk).current
    return _new_version(actor=actor, rule=rule, action="risk_rule.enabled" if enabled else "risk_rule.disabled",
                        reason=reason, enabled=bool(enabled), severity=current.severity, params=current.params,
                        scope_mccs=current.scope_mccs, scope_risk_levels=current.scope_risk_levels,
                        scope_merchant_id=current.scope_merchant_id)


# --- the SQL of each kind ------------------------------------------------------------------------------------------
# Every statement yields: merchant_id, terminal_id, key, window_start, window_end, facts (jsonb), linked (jsonb
# [[local_date, id], …] at most MAX_LINKED), transactions, amount_minor. Parameters: %(first)s / %(last)s (the
# scope's local dates), %(file)s (an ingest file or NULL), %(mccs)s, %(levels)s, %(merchant)s (the version's scope)
# and the kind's own.

SCOPE = """
scope AS MATERIALIZED (
    SELECT t.* FROM transactions_transaction t JOIN merchants_merchant m ON m.id = t.merchant_id
    WHERE t.local_date BETWEEN %(first)s AND %(last)s
      AND (%(file)s::bigint IS NULL OR t.ingest_file_id = %(file)s::bigint)
      AND (cardinality(%(mccs)s::text[]) = 0 OR m.mcc = ANY(%(mccs)s::text[]))
      AND (cardinality(%(levels)s::text[]) = 0
           OR coalesce(nullif(m.risk_override, ''), m.risk_level) = ANY(%(levels)s::text[]))
      AND (%(merchant)s::bigint IS NULL OR t.merchant_id = %(merchant)s::bigint)
)"""

LINKED = f"""(SELECT jsonb_agg(jsonb_build_array(x.local_date, x.id) ORDER BY x.at, x.id)
              FROM (SELECT * FROM unnest(l.rows) AS r(local_date date, id bigint, at timestamptz)
                    LIMIT {MAX_LINKED}) x)"""


def _velocity(*, partition: str, where: str, key: str, extra_facts: str = "") -> str:
    """At least %(count)s rows matching ``where`` on one ``partition`` within %(minutes)s minutes, through a window
    function over the scope's cards/terminals and their rows of the window before. A finding is the flagged windows
    of one partition whose first row falls in the same hour; its key names that hour."""
    return f"""
WITH {SCOPE},
parts AS (SELECT DISTINCT {partition} AS p FROM scope t WHERE {where}),
hist AS (
    SELECT t.local_date, t.id, t.at, t.merchant_id, t.terminal_id, t.amount_minor, {partition} AS p,
           s.id IS NOT NULL AS in_scope, count(*) OVER w AS n, min(t.at) OVER w AS started
    FROM transactions_transaction t LEFT JOIN (SELECT id FROM scope) s ON s.id = t.id
    WHERE t.local_date BETWEEN %(first)s::date - 1 AND %(last)s AND {partition} IN (SELECT p FROM parts) AND {where}
    WINDOW w AS (PARTITION BY {partition} ORDER BY t.at
                 RANGE BETWEEN make_interval(mins => %(minutes)s) PRECEDING AND CURRENT ROW)
),
flagged AS (
    SELECT p, merchant_id, date_trunc('hour', started) AS hour, min(started) AS window_start, max(at) AS window_end,
           max(n) AS peak, min(terminal_id) AS terminal_id
    FROM hist WHERE in_scope AND n >= %(count)s GROUP BY p, merchant_id, date_trunc('hour', started)
),
l AS (
    SELECT f.*, array_agg(ROW(h.local_date, h.id, h.at) ORDER BY h.at, h.id) AS rows, count(h.id) AS rows_n,
           sum(h.amount_minor) AS total
    FROM flagged f JOIN hist h ON h.p = f.p AND h.at BETWEEN f.window_start AND f.window_end
    GROUP BY f.p, f.merchant_id, f.hour, f.window_start, f.window_end, f.peak, f.terminal_id
)
SELECT l.merchant_id, {"l.terminal_id" if partition == "t.terminal_id" else "NULL::bigint"} AS terminal_id,
       {key} || ':' || to_char(l.hour AT TIME ZONE 'UTC', 'YYYYMMDDHH24') AS key,
       l.window_start, l.window_end,
       jsonb_build_object('count', l.rows_n, 'peak', l.peak, 'minutes', %(minutes)s{extra_facts}) AS facts,
       {LINKED} AS linked, l.rows_n AS transactions, l.total AS amount_minor
FROM l"""


def _day_count(*, where: str, key: str, facts: str) -> str:
    """At least %(count)s rows matching ``where`` at one merchant on one local date (the merchants' days in scope)."""
    return f"""
WITH {SCOPE},
days AS (SELECT DISTINCT merchant_id, local_date FROM scope),
l AS (
    SELECT t.merchant_id, t.local_date, count(*) AS n, sum(t.amount_minor) AS total, min(t.at) AS window_start,
           max(t.at) AS window_end, array_agg(ROW(t.local_date, t.id, t.at) ORDER BY t.at, t.id) AS rows
    FROM transactions_transaction t JOIN days d ON d.merchant_id = t.merchant_id AND d.local_date = t.local_date
    WHERE t.local_date BETWEEN %(first)s AND %(last)s AND {where}
    GROUP BY t.merchant_id, t.local_date HAVING count(*) >= %(count)s
)
SELECT l.merchant_id, NULL::bigint AS terminal_id, '{key}:' || l.local_date AS key, l.window_start, l.window_end,
       jsonb_build_object('count', l.n, 'date', l.local_date{facts}) AS facts, {LINKED} AS linked,
       l.n AS transactions, l.total AS amount_minor
FROM l"""


def _single(*, select: str, key: str = "'txn:' || t.local_date || ':' || t.id") -> str:
    return select.replace("{SCOPE}", SCOPE).replace("{KEY}", key)


SALE_OK = "t.type = 'sale' AND t.status = 'approved'"

SQL = {
    K.LARGE_TICKET: _single(select="""
WITH {SCOPE},
candidates AS (SELECT * FROM scope t WHERE """ + SALE_OK + """ AND t.amount_minor >= %(min_amount)s),
medians AS (
    SELECT d.merchant_id, d.local_date, h.median, h.sales
    FROM (SELECT DISTINCT merchant_id, local_date FROM candidates) d
    CROSS JOIN LATERAL (
        SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x.amount_minor) AS median, count(*) AS sales
        FROM transactions_transaction x
        WHERE x.merchant_id = d.merchant_id AND x.local_date BETWEEN d.local_date - %(lookback_days)s
              AND d.local_date - 1
          AND x.local_date BETWEEN %(first)s::date - %(lookback_days)s AND %(last)s
          AND x.type = 'sale' AND x.status = 'approved') h
)
SELECT t.merchant_id, t.terminal_id, {KEY} AS key, t.at AS window_start, t.at AS window_end,
       jsonb_build_object('amount_minor', t.amount_minor, 'median_minor', round(m.median)::bigint,
                          'times', round(t.amount_minor / m.median::numeric, 1)::text,
                          'lookback_days', %(lookback_days)s, 'sales', m.sales) AS facts,
       jsonb_build_array(jsonb_build_array(t.local_date, t.id)) AS linked, 1 AS transactions, t.amount_minor
FROM candidates t JOIN medians m ON m.merchant_id = t.merchant_id AND m.local_date = t.local_date
WHERE m.median > 0 AND t.amount_minor >= %(multiple)s::numeric * m.median::numeric"""),
    K.CARD_VELOCITY: _velocity(partition="t.card_token", where="t.card_token <> '' AND t.status IN ('approved', "
                               "'declined')", key="'card:' || l.p"),
    K.TERMINAL_VELOCITY: _velocity(partition="t.terminal_id", where="true", key="'terminal:' || l.p"),
    K.REPEATED_DECLINES: _velocity(partition="t.card_token", where="t.card_token <> '' AND t.status = 'declined'",
                                   key="'declines:' || l.p"),
    K.SPLIT_SALES: _velocity(
        partition="(t.merchant_id::text || ':' || t.card_token)",
        where="t.card_token <> '' AND " + SALE_OK + " AND t.amount_minor <= %(limit)s "
              "AND t.amount_minor * 100 >= %(limit)s::bigint * (100 - %(band_percent)s)",
        key="'split:' || split_part(l.p, ':', 2)",
        extra_facts=", 'limit_minor', %(limit)s::bigint, 'band_percent', %(band_percent)s"),
    K.OFF_HOURS: _day_count(
        where=SALE_OK + """ AND CASE WHEN %(opens)s::time < %(closes)s::time
                 THEN t.local_time::time < %(opens)s::time OR t.local_time::time >= %(closes)s::time
                 ELSE t.local_time::time < %(opens)s::time AND t.local_time::time >= %(closes)s::time END""",
        key="hours", facts=", 'opens', %(opens)s::text, 'closes', %(closes)s::text"),
    K.ROUND_AMOUNTS: _day_count(
        where=SALE_OK + " AND t.funding = 'credit' AND t.amount_minor >= %(min_amount)s "
                        "AND t.amount_minor %% %(unit)s = 0",
        key="round", facts=", 'unit_minor', %(unit)s::bigint, 'min_amount_minor', %(min_amount)s::bigint"),
    K.REFUND_RATIO: """
WITH """ + SCOPE + """,
days AS (SELECT DISTINCT merchant_id, local_date FROM scope),
l AS (
    SELECT d.merchant_id, d.local_date, s.sales, s.refunds, s.window_start, s.window_end, s.rows, s.total
    FROM days d CROSS JOIN LATERAL (
        SELECT count(*) FILTER (WHERE x.type = 'sale' AND x.status <> 'declined') AS sales,
               count(*) FILTER (WHERE x.type IN ('refund', 'void') AND x.status <> 'declined') AS refunds,
               min(x.at) AS window_start, max(x.at) AS window_end,
               array_agg(ROW(x.local_date, x.id, x.at) ORDER BY x.at, x.id)
                   FILTER (WHERE x.type IN ('refund', 'void') AND x.status <> 'declined') AS rows,
               coalesce(sum(-x.amount_minor) FILTER (WHERE x.type IN ('refund', 'void') AND x.status <> 'declined'),
                        0) AS total
        FROM transactions_transaction x
        WHERE x.merchant_id = d.merchant_id AND x.local_date BETWEEN d.local_date - %(days)s + 1 AND d.local_date
          AND x.local_date BETWEEN %(first)s::date - %(days)s + 1 AND %(last)s) s
    WHERE s.sales >= %(min_sales)s AND s.refunds >= %(ratio)s::numeric * s.sales
)
SELECT l.merchant_id, NULL::bigint AS terminal_id, 'ratio:' || l.local_date AS key, l.window_start, l.window_end,
       jsonb_build_object('sales', l.sales, 'refunds', l.refunds, 'days', %(days)s,
                          'ratio', round(l.refunds::numeric / l.sales, 2)::text) AS facts,
       """ + LINKED + """ AS linked, l.refunds AS transactions, l.total AS amount_minor
FROM l""",
    K.FAR_LOCATION: _single(select="""
WITH {SCOPE},
d AS (
    SELECT t.*, 2 * 6371.0088 * asin(sqrt(
               power(sin(radians((t.latitude - k.install_latitude)::float8) / 2), 2)
               + cos(radians(t.latitude::float8)) * cos(radians(k.install_latitude::float8))
                 * power(sin(radians((t.longitude - k.install_longitude)::float8) / 2), 2))) AS km
    FROM scope t JOIN terminals_terminal k ON k.id = t.terminal_id
    WHERE t.latitude IS NOT NULL AND t.longitude IS NOT NULL AND k.install_latitude IS NOT NULL
      AND k.install_longitude IS NOT NULL
)
SELECT t.merchant_id, t.terminal_id, {KEY} AS key, t.at AS window_start, t.at AS window_end,
       jsonb_build_object('km', round(t.km::numeric, 1)::text, 'limit_km', %(km)s::text) AS facts,
       jsonb_build_array(jsonb_build_array(t.local_date, t.id)) AS linked, 1 AS transactions, t.amount_minor
FROM d t WHERE t.km > %(km)s::float8"""),
    K.DORMANT_TERMINAL: """
WITH """ + SCOPE + """,
firsts AS (
    SELECT DISTINCT ON (terminal_id, local_date) terminal_id, local_date, merchant_id, id, at, amount_minor
    FROM scope ORDER BY terminal_id, local_date, at, id
),
l AS (
    SELECT f.*, p.at AS previous_at
    FROM firsts f CROSS JOIN LATERAL (
        SELECT x.at FROM transactions_transaction x
        WHERE x.terminal_id = f.terminal_id AND x.at < f.at AND x.local_date <= f.local_date
        ORDER BY x.at DESC, x.id DESC LIMIT 1) p
    WHERE p.at < f.at - make_interval(days => %(days)s)
)
SELECT l.merchant_id, l.terminal_id, 'terminal:' || l.terminal_id || ':' || l.local_date AS key,
       l.previous_at AS window_start, l.at AS window_end,
       jsonb_build_object('idle_days', extract(day FROM l.at - l.previous_at)::int, 'days', %(days)s) AS facts,
       jsonb_build_array(jsonb_build_array(l.local_date, l.id)) AS linked, 1 AS transactions, l.amount_minor
FROM l""",
    K.NEW_MERCHANT_VOLUME: """
WITH """ + SCOPE + """,
days AS (
    SELECT d.merchant_id, d.local_date, m.expected_monthly_volume, m.approved_at
    FROM (SELECT DISTINCT merchant_id, local_date FROM scope) d JOIN merchants_merchant m ON m.id = d.merchant_id
    WHERE m.approved_at IS NOT NULL AND m.expected_monthly_volume > 0
      AND m.approved_at > d.local_date - make_interval(days => %(new_days)s)
),
l AS (
    SELECT d.*, s.volume, s.window_start, s.window_end, s.n
    FROM days d CROSS JOIN LATERAL (
        SELECT coalesce(sum(x.amount_minor), 0) AS volume, min(x.at) AS window_start, max(x.at) AS window_end,
               count(*) AS n
        FROM transactions_transaction x
        WHERE x.merchant_id = d.merchant_id AND x.local_date BETWEEN d.local_date - 29 AND d.local_date
          AND x.local_date BETWEEN %(first)s::date - 29 AND %(last)s AND x.type = 'sale' AND x.status = 'approved') s
    WHERE s.volume > %(multiple)s::numeric * d.expected_monthly_volume * 100
)
SELECT l.merchant_id, NULL::bigint AS terminal_id, 'volume:' || l.local_date AS key, l.window_start, l.window_end,
       jsonb_build_object('volume_minor', l.volume, 'expected_minor', (l.expected_monthly_volume * 100)::bigint,
                          'times', round(l.volume / (l.expected_monthly_volume * 100), 1)::text,
                          'approved_on', (l.approved_at AT TIME ZONE 'Asia/Shanghai')::date) AS facts,
       '[]'::jsonb AS linked, l.n AS transactions, l.volume AS amount_minor
FROM l""",
}


# --- evaluation ----------------------------------------------------------------------------------------------------

@dataclass
class Finding:
    merchant_id: int
    merchant_name: str
    terminal_id: int | None
    key: str
    window_start: datetime
    window_end: datetime
    facts: dict
    transactions: int
    amount_minor: int
    linked: list = field(default_factory=list)

    def describe(self, kind: str) -> str:
        return describe(kind, self.facts)


def _arguments(kind: str, params: dict, *, first: date, last: date, file_id: int | None, mccs, levels,
               merchant_id) -> dict:
    return {**params, "first": first, "last": last, "file": file_id, "mccs": list(mccs or []),
            "levels": list(levels or []), "merchant": merchant_id}


def _findings_sql(kind: str) -> str:
    return SQL[kind]


def findings(kind: str, params: dict, *, first: date, last: date, file_id: int | None = None, mccs=(), levels=(),
             merchant_id=None, limit: int | None = None) -> list[Finding]:
    """What ``kind`` with ``params`` finds over the scope, written nowhere."""
    sql = f"""SELECT f.*, coalesce(nullif(m.trading_name, ''), m.legal_name) AS merchant_name
              FROM ({_findings_sql(kind)}) f JOIN merchants_merchant m ON m.id = f.merchant_id
              ORDER BY f.window_start, f.merchant_id, f.key"""
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    args = _arguments(kind, params, first=first, last=last, file_id=file_id, mccs=mccs, levels=levels,
                      merchant_id=merchant_id)
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        columns = [c.name for c in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    return [Finding(merchant_id=r["merchant_id"], merchant_name=r["merchant_name"], terminal_id=r["terminal_id"],
                    key=r["key"], window_start=r["window_start"], window_end=r["window_end"],
                    facts=_loads(r["facts"]), transactions=int(r["transactions"] or 0),
                    amount_minor=int(r["amount_minor"] or 0), linked=_loads(r["linked"]) or []) for r in rows]


def _loads(value):
    return json.loads(value) if isinstance(value, str) else value


def dry_run(*, actor, rule: RiskRule, params: dict, severity: str, scope_mccs, scope_risk_levels, scope_merchant,
            days: int) -> dict:
    """The proposed settings and the version in force over the last ``days`` days (1-90), side by side, written
    nowhere. Each list holds at most :data:`MAX_FINDINGS` findings (``truncated`` says which were cut)."""
    policy.require(actor, RULE_ACTIONS["dry_run"])
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= 90:
        raise DomainError(_("Days: enter a number from 1 to 90."))
    _check_severity(severity)
    params = validate_params(rule.kind, params)
    mccs, levels = _clean_scope(scope_mccs, scope_risk_levels)
    last = timezone.localdate()
    first = last - timedelta(days=days - 1)
    proposed = findings(rule.kind, params, first=first, last=last, mccs=mccs, levels=levels,
                        merchant_id=getattr(scope_merchant, "pk", scope_merchant), limit=MAX_FINDINGS + 1)
    current_version = rule.current
    current = []
    if current_version is not None:
        current = findings(rule.kind, validate_params(rule.kind, current_version.params), first=first, last=last,
                           mccs=current_version.scope_mccs, levels=current_version.scope_risk_levels,
                           merchant_id=current_version.scope_merchant_id, limit=MAX_FINDINGS + 1)
    truncated = {"proposed": len(proposed) > MAX_FINDINGS, "current": len(current) > MAX_FINDINGS}
    return {"proposed": proposed[:MAX_FINDINGS], "current": current[:MAX_FINDINGS], "days": days,
            "first": first, "last": last, "truncated": truncated["proposed"] or truncated["current"],
            "truncated_lists": truncated}


# The ledger keeps no foreign keys: a terminal the alert cannot point at is left out of it.
INSERT = """
INSERT INTO transactions_riskalert (rule_id, version_id, merchant_id, terminal_id, key, window_start, window_end,
    facts, linked, transactions, amount_minor, source, ingest_file_id, created_at)
SELECT %(rule_id)s, %(version_id)s, f.merchant_id, (SELECT k.id FROM terminals_terminal k WHERE k.id = f.terminal_id),
       f.key, f.window_start, f.window_end, f.facts,
       coalesce(f.linked, '[]'::jsonb), f.transactions, coalesce(f.amount_minor, 0), %(source)s, %(file)s, now()
FROM ({sql}) f
ON CONFLICT (rule_id, merchant_id, key) DO NOTHING
RETURNING id"""


def _evaluate(*, first: date, last: date, file_id: int | None, source: str) -> dict:
    from transactions.services.risk_alerts import group_alerts

    rules = list(RiskRule.objects.select_related("current").filter(current__enabled=True).order_by("id"))
    counts, new_ids = {}, []
    for rule in rules:
        version = rule.current
        params = validate_params(rule.kind, version.params)
        args = {**_arguments(rule.kind, params, first=first, last=last, file_id=file_id, mccs=version.scope_mccs,
                             levels=version.scope_risk_levels, merchant_id=version.scope_merchant_id),
                "rule_id": rule.pk, "version_id": version.pk, "source": source}
        with connection.cursor() as cursor:
            cursor.execute(INSERT.replace("{sql}", SQL[rule.kind]), args)
            ids = [row[0] for row in cursor.fetchall()]
        counts[rule.name] = len(ids)
        new_ids += ids
    cases = group_alerts(new_ids)
    return {"rules": len(rules), "alerts": len(new_ids), "cases": cases, "by_rule": counts}


@transaction.atomic
def evaluate_window(*, first: date, last: date, source: str = "nightly") -> dict:
    """Every enabled rule (its version in force and scope) over the ledger rows of ``first``-``last``."""
    return _evaluate(first=first, last=last, file_id=None, source=source)


@transaction.atomic
def evaluate_file(*, ingest_file_id: int) -> dict:
    """Every enabled rule over the rows one ingested file brought (bounded by the file's local dates)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(local_date), max(local_date) FROM transactions_transaction "
                       "WHERE ingest_file_id = %s", [ingest_file_id])
        first, last = cursor.fetchone()
    if first is None or not IngestFile.objects.filter(pk=ingest_file_id).exists():
        return {"rules": 0, "alerts": 0, "cases": 0, "by_rule": {}}
    return _evaluate(first=first, last=last, file_id=ingest_file_id, source="batch")


def risk_nightly() -> dict:
    """The nightly job: yesterday's rows (the rules read their own history)."""
    yesterday = timezone.localdate() - timedelta(days=1)
    return evaluate_window(first=yesterday, last=yesterday)


# --- words ---------------------------------------------------------------------------------------------------------

def _money(minor) -> str:
    return number_format(Decimal(int(minor or 0)) / 100, decimal_pos=2, force_grouping=True)


def describe(kind: str, facts: dict) -> str:
    """One sentence a person reads about a finding's facts."""
    f = facts or {}
    if kind == K.LARGE_TICKET:
        return _("A sale of %(amount)s is %(times)s times the merchant's median of %(median)s over %(days)s days.") % {
            "amount": _money(f.get("amount_minor")), "times": f.get("times"), "median": _money(f.get("median_minor")),
            "days": f.get("lookback_days")}
    if kind == K.CARD_VELOCITY:
        return _("%(count)s transactions on one card within %(minutes)s minutes.") % f
    if kind == K.TERMINAL_VELOCITY:
        return _("%(count)s transactions on one terminal within %(minutes)s minutes.") % f
    if kind == K.REPEATED_DECLINES:
        return _("%(count)s declined transactions on one card within %(minutes)s minutes.") % f
    if kind == K.SPLIT_SALES:
        return _("%(count)s sales on one card within %(minutes)s minutes, each just under the limit of %(limit)s.") % {
            "count": f.get("count"), "minutes": f.get("minutes"), "limit": _money(f.get("limit_minor"))}
    if kind == K.OFF_HOURS:
        return _("%(count)s approved sales on %(date)s outside the hours %(opens)s-%(closes)s.") % f
    if kind == K.ROUND_AMOUNTS:
        return _("%(count)s credit-card sales on %(date)s in whole multiples of %(unit)s.") % {
            "count": f.get("count"), "date": f.get("date"), "unit": _money(f.get("unit_minor"))}
    if kind == K.REFUND_RATIO:
        return _("%(refunds)s refunds and voids against %(sales)s sales over %(days)s days (a ratio of %(ratio)s).") % f
    if kind == K.FAR_LOCATION:
        return _("A transaction %(km)s km from the terminal's installation address (more than %(limit)s km).") % {
            "km": f.get("km"), "limit": f.get("limit_km")}
    if kind == K.DORMANT_TERMINAL:
        return _("The terminal was used again after %(idle)s days without transactions.") % {"idle": f.get("idle_days")}
    if kind == K.NEW_MERCHANT_VOLUME:
        return _("A merchant approved on %(approved)s took %(volume)s in 30 days, %(times)s times its declared "
                 "monthly volume of %(expected)s.") % {
            "approved": f.get("approved_on"), "volume": _money(f.get("volume_minor")), "times": f.get("times"),
            "expected": _money(f.get("expected_minor"))}
    return _("A finding of this rule.")
