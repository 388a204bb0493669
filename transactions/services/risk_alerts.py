"""Alerts into cases: an alert joins the open case of its merchant and rule whose last alert is within
``ACQUIRER_RISK_CASE_WINDOW_DAYS`` (7) of it, else alerts of one merchant and rule close together open one case
(``docs/risk.md``, "Cases"). Set-based: a few statements whatever the number of alerts."""

import os

from django.conf import settings
from django.db import connection

from acquirer import audit
from transactions.models import RiskCase

_LOCK = 0x5249534B  # "RISK": one grouping at a time, so two evaluations never open twin cases


def case_window_days() -> int:
    value = getattr(settings, "ACQUIRER_RISK_CASE_WINDOW_DAYS", None) or os.environ.get(
        "ACQUIRER_RISK_CASE_WINDOW_DAYS", "7")
    return int(value)


JOIN_OPEN = """
UPDATE transactions_riskalert a SET case_id = c.id
FROM (
    SELECT DISTINCT ON (a.id) a.id AS alert_id, c.id
    FROM transactions_riskalert a
    JOIN transactions_riskcase c ON c.merchant_id = a.merchant_id AND c.rule_id = a.rule_id
         AND c.status IN ('open', 'investigating', 'escalated')
         AND c.last_alert_at >= a.window_end - make_interval(days => %(days)s)
         AND c.last_alert_at <= a.window_end + make_interval(days => %(days)s)
    WHERE a.id = ANY(%(ids)s) AND a.case_id IS NULL
    ORDER BY a.id, c.last_alert_at DESC, c.id DESC
) c
WHERE a.id = c.alert_id"""

# The rest: per merchant and rule, runs of alerts with gaps under the window open one case each (the version and
# severity of the run's first alert).
OPEN_NEW = """
WITH rest AS (
    SELECT a.id, a.merchant_id, a.rule_id, a.version_id, a.window_end,
           CASE WHEN a.window_end - lag(a.window_end) OVER w <= make_interval(days => %(days)s) THEN 0 ELSE 1 END
               AS starts
    FROM transactions_riskalert a
    WHERE a.id = ANY(%(ids)s) AND a.case_id IS NULL
    WINDOW w AS (PARTITION BY a.merchant_id, a.rule_id ORDER BY a.window_end, a.id)
), runs AS (
    SELECT *, sum(starts) OVER (PARTITION BY merchant_id, rule_id ORDER BY window_end, id) AS run FROM rest
), firsts AS (
    SELECT DISTINCT ON (merchant_id, rule_id, run) merchant_id, rule_id, run, version_id, window_end
    FROM runs ORDER BY merchant_id, rule_id, run, window_end, id
), opened AS (
    INSERT INTO transactions_riskcase (merchant_id, rule_id, version_id, severity, status, status_changed_at,
        opened_at, last_alert_at, alert_count, outcome_reason, major)
    SELECT f.merchant_id, f.rule_id, f.version_id, v.severity, 'open', now(), now(), f.window_end, 0, '', false
    FROM firsts f JOIN transactions_riskruleversion v ON v.id = f.version_id
    ORDER BY f.merchant_id, f.rule_id, f.run
    RETURNING id, merchant_id, rule_id, last_alert_at
), numbered AS (
    SELECT o.id AS case_id, f.merchant_id, f.rule_id, f.run
    FROM (SELECT *, row_number() OVER (ORDER BY merchant_id, rule_id, last_alert_at, id) AS k FROM opened) o
    JOIN (SELECT *, row_number() OVER (ORDER BY merchant_id, rule_id, window_end, run) AS k FROM firsts) f
      ON f.k = o.k
), linked AS (
    UPDATE transactions_riskalert a SET case_id = n.case_id
    FROM runs r JOIN numbered n ON n.merchant_id = r.merchant_id AND n.rule_id = r.rule_id AND n.run = r.run
    WHERE a.id = r.id
    RETURNING a.id
)
SELECT case_id FROM numbered"""

COUNTS = """
UPDATE transactions_riskcase c SET alert_count = s.n, last_alert_at = greatest(c.last_alert_at, s.last)
FROM (SELECT case_id, count(*) AS n, max(window_end) AS last FROM transactions_riskalert
      WHERE case_id IN (SELECT case_id FROM transactions_riskalert WHERE id = ANY(%(ids)s)) GROUP BY case_id) s
WHERE c.id = s.case_id"""


def group_alerts(alert_ids) -> int:
    """Put the alerts ``alert_ids`` (new, without a case) into cases; returns the number of cases opened. Runs
    inside the caller's transaction."""
    ids = list(alert_ids)
    if not ids:
        return 0
    args = {"ids": ids, "days": case_window_days()}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK])
        cursor.execute(JOIN_OPEN, args)
        cursor.execute(OPEN_NEW, args)
        opened = [row[0] for row in cursor.fetchall()]
        cursor.execute(COUNTS, args)
    if opened:
        cases = RiskCase.objects.filter(pk__in=opened).select_related("rule", "merchant")
        audit.record_many([{"action": "risk_case.opened", "target": case, "merchant_id": case.merchant_id,
                            "data": {"rule": case.rule.name, "merchant": str(case.merchant),
                                     "severity": case.severity, "alerts": case.alert_count}}
                           for case in cases])
    return len(opened)
