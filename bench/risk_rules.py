"""Risk rules against their floor: 1,000,000 ledger rows of one day (and a little history before it) generated with
``generate_series``, with planted patterns: night sales (off hours), round credit-card sales, cards used many times
in minutes (card velocity), repeated declines, a terminal run hot (terminal velocity), large tickets against the
merchant's median, and a terminal woken after 40 idle days (dormant).

Ours: ``evaluate_window`` over the day with every shipped rule (each kind's statement inserting its alerts with
``ON CONFLICT DO NOTHING``, then the grouping into cases and their audit events). The floor, in the same run: the
same kinds' bare ``SELECT``s (the findings counted, nothing inserted or grouped). Every planted pattern must be
found, and ours must raise exactly the findings the floor counts. Seconds for the whole day; ``SCALE`` shrinks the
rows; ``BENCH_KEEP=1`` keeps the database (``BENCH_DB``) and its rows for the next run."""

import os
import sys
import time
from datetime import date, timedelta

from _setup import SCALE, django_with_scratch_db, result, scaled

GOAL = 3.0
DAY = date(2025, 3, 14)
MERCHANTS = 50
TERMINALS = 5000
PLANTED = {  # kind: how many findings planted
    "off_hours": 5, "round_amounts": 5, "card_velocity": 20, "repeated_declines": 10, "terminal_velocity": 1,
    "large_ticket": 10, "dormant_terminal": 1,
}

ROWS = """
INSERT INTO transactions_transaction (local_date, merchant_id, terminal_id, mid, tid, type, channel, funding,
    card_token, amount_minor, fee_minor, net_minor, currency, stan, rrn, response_code, status, local_time, at)
SELECT lt.lt::date, (%(merchants)s::bigint[])[1 + g %% %(m)s], 1 + g %% %(t)s,
       lpad((1 + g %% %(m)s)::text, 15, '0'), lpad((1 + g %% %(t)s)::text, 8, '0'),
       CASE WHEN g %% 97 = 5 THEN 'refund' ELSE 'sale' END, 'chip', 'debit', md5(%(salt)s || g::text),
       CASE WHEN g %% 97 = 5 THEN -1 ELSE 1 END * (100 + g %% 90000), 0,
       CASE WHEN g %% 97 = 5 THEN -1 ELSE 1 END * (100 + g %% 90000), 'CNY',
       lpad((g %% 1000000)::text, 6, '0'), lpad((%(base)s + g)::text, 12, '0'), '00', 'approved',
       lt.lt, lt.lt AT TIME ZONE 'Asia/Shanghai'
FROM generate_series(1, %(rows)s) g
CROSS JOIN LATERAL (SELECT %(start)s::timestamp + g * %(step)s::interval AS lt) lt"""

# planted rows: (merchant index, terminal, card, type, status, funding, amount, local time) per pattern
PLANT = """
INSERT INTO transactions_transaction (local_date, merchant_id, terminal_id, mid, tid, type, channel, funding,
    card_token, amount_minor, fee_minor, net_minor, currency, stan, rrn, response_code, status, local_time, at)
SELECT p.lt::date, (%(merchants)s::bigint[])[p.m], p.terminal, lpad(p.m::text, 15, '0'), lpad(p.terminal::text, 8, '0'),
       'sale', 'chip', p.funding, p.card, p.amount, 0, p.amount, 'CNY', '000000',
       lpad((900000000000 + row_number() OVER ())::text, 12, '0'), CASE WHEN p.status = 'declined' THEN '05' ELSE '00'
       END, p.status, p.lt, p.lt AT TIME ZONE 'Asia/Shanghai'
FROM (
    -- off hours: 3 sales at night at merchants 1-5
    SELECT m, 1 + m AS terminal, 'night' || m || n AS card, 'approved' AS status, 'debit' AS funding,
           1234 AS amount, %(day)s + interval '2 hours' + n * interval '1 minute' AS lt
    FROM generate_series(1, 5) m, generate_series(1, 3) n
    UNION ALL  -- round credit-card sales: 3 at merchants 6-10
    SELECT m, 1 + m, 'round' || m || n, 'approved', 'credit', n * 100000,
           %(day)s + interval '9 hours' + n * interval '1 hour'
    FROM generate_series(6, 10) m, generate_series(1, 3) n
    UNION ALL  -- card velocity: 20 cards used 6 times within 10 minutes
    SELECT 11, 12, 'fast' || c, 'approved', 'debit', 5000, %(day)s + interval '10 hours' + c * interval '5 minutes'
           + n * interval '100 seconds'
    FROM generate_series(1, 20) c, generate_series(1, 6) n
    UNION ALL  -- repeated declines: 10 cards declined 4 times within 8 minutes
    SELECT 12, 13, 'declined' || c, 'declined', 'debit', 5000, %(day)s + interval '11 hours' + c * interval '9 minutes'
           + n * interval '2 minutes'
    FROM generate_series(1, 10) c, generate_series(1, 4) n
    UNION ALL  -- terminal velocity: 70 on one terminal within 5 minutes
    SELECT 13, 99999, 'hot' || n, 'approved', 'debit', 3000, %(day)s + interval '12 hours' + n * interval '4 seconds'
    FROM generate_series(1, 70) n
    UNION ALL  -- large tickets: 10 sales of 50,000.00 (the medians are near 450.00)
    SELECT 14 + n, 20 + n, 'large' || n, 'approved', 'debit', 5000000, %(day)s + interval '13 hours'
    FROM generate_series(1, 10) n
    UNION ALL  -- dormant: a terminal last used 40 days before
    SELECT 30, 88888, 'sleepy' || n, 'approved', 'debit', 2000,
           %(day)s - n * interval '40 days' + interval '14 hours'
    FROM generate_series(0, 1) n
) p"""


def _load(rows: int) -> None:
    from django.db import connection

    from tests.factories import make_merchant

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM transactions_transaction")
        loaded = cursor.fetchone()[0]
    if loaded:
        print(f"reusing {loaded:,} ledger rows (BENCH_KEEP=1)", flush=True)
        return
    merchants = [make_merchant(f"风控商户{n}").pk for n in range(MERCHANTS)]
    history = max(rows // 20, 1000)
    with connection.cursor() as cursor:
        cursor.execute("SELECT transactions_ensure_partitions(%s, %s)", [DAY - timedelta(days=60), DAY])
        # the day: 08:00 on, 30 ms apart at full scale (about 8 hours)
        cursor.execute(ROWS, {"start": f"{DAY} 08:00", "step": timedelta(milliseconds=30), "merchants": merchants,
                              "m": MERCHANTS, "t": TERMINALS, "rows": rows, "salt": "d", "base": 0})
        # history: the 30 days before, spread evenly
        cursor.execute(ROWS, {"start": f"{DAY - timedelta(days=30)} 08:00",
                              "step": timedelta(days=29) / history, "merchants": merchants, "m": MERCHANTS,
                              "t": TERMINALS, "rows": history, "salt": "h", "base": 500_000_000})
        cursor.execute(PLANT, {"day": DAY, "merchants": merchants})
        cursor.execute("ANALYZE transactions_transaction")
        cursor.execute("SELECT count(*) FROM transactions_transaction")
        print(f"loaded {cursor.fetchone()[0]:,} ledger rows", flush=True)


def _floor() -> tuple[float, dict]:
    """The shipped rules' bare SELECTs over the day: the findings each kind computes, nothing written."""
    from django.db import connection

    from transactions.models import RiskRule
    from transactions.services.risk_rules import SQL, _arguments, validate_params

    keys = {}
    start = time.perf_counter()
    with connection.cursor() as cursor:
        for rule in RiskRule.objects.select_related("current").filter(current__enabled=True):
            version = rule.current
            args = _arguments(rule.kind, validate_params(rule.kind, version.params), first=DAY, last=DAY,
                              file_id=None, mccs=version.scope_mccs, levels=version.scope_risk_levels,
                              merchant_id=version.scope_merchant_id)
            cursor.execute(f"SELECT f.merchant_id, f.key FROM ({SQL[rule.kind]}) f", args)
            keys[rule.kind] = set(cursor.fetchall())
    return time.perf_counter() - start, keys


def _ours() -> tuple[float, dict]:
    from transactions.models import RiskAlert
    from transactions.services.risk_rules import evaluate_window

    start = time.perf_counter()
    evaluate_window(first=DAY, last=DAY)
    seconds = time.perf_counter() - start
    keys = {}
    for kind, merchant, key in RiskAlert.objects.values_list("rule__kind", "merchant_id", "key"):
        keys.setdefault(kind, set()).add((merchant, key))
    return seconds, keys


def _forget() -> None:
    from transactions.models import RiskAlert, RiskCase

    RiskAlert.objects.all().delete()
    RiskCase.objects.all().delete()


def main() -> int:
    cleanup = django_with_scratch_db(keep=os.environ.get("BENCH_KEEP") == "1")
    try:
        _forget()
        rows = scaled(1_000_000, minimum=10_000)
        started = time.perf_counter()
        _load(rows)
        print(f"generated in {time.perf_counter() - started:.1f} s (SCALE={SCALE:g})", flush=True)
        _floor()  # warm the pages once, for both alike
        floors, ours = [], []
        for attempt in range(3):
            floor_s, floor_keys = _floor()
            floors.append(floor_s)
            _forget()
            seconds, our_keys = _ours()
            ours.append(seconds)
            print(f"run {attempt + 1}: ours {seconds:.3f} s, floor {floor_s:.3f} s", flush=True)
        counts = {kind: len(keys) for kind, keys in our_keys.items()}
        print(f"findings by kind: {counts}", flush=True)
        missed = {kind: (counts.get(kind, 0), planted) for kind, planted in PLANTED.items()
                  if counts.get(kind, 0) < planted}
        differ = {kind for kind in set(our_keys) | {k for k, v in floor_keys.items() if v}
                  if our_keys.get(kind, set()) != floor_keys.get(kind, set())}
        ours_s, floor_s = sorted(ours)[1], sorted(floors)[1]  # medians of three
        passed = result("risk_rules", ours_s, floor_s, GOAL) and not missed and not differ
        if missed or differ:
            print(f"FAIL: planted but not found {missed}; ours and the floor differ on {sorted(differ)}", flush=True)
        _forget()
        return 0 if passed else 1
    finally:
        cleanup()


if __name__ == "__main__":
    sys.exit(main())
