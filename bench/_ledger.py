"""The ledger rows the transaction benchmarks read: ``count`` rows spread evenly over the ``days`` days before
today, on the scale data set's live terminals (up to 100,000 of them, each with its merchant and MID), written by
PostgreSQL with ``generate_series`` in blocks of a million (a few minutes for 10,000,000). Loaded only when the
ledger is empty, so ``BENCH_KEEP=1`` reuses them."""

import time

BLOCK = 1_000_000
TERMINALS = 100_000

INSERT = """
WITH t AS (
    SELECT row_number() OVER (ORDER BY t.id) - 1 AS k, t.id, t.merchant_id, t.tid, coalesce(m.mid, '') AS mid
    FROM terminals_terminal t JOIN merchants_merchant m ON m.id = t.merchant_id
    WHERE t.tid IS NOT NULL AND t.tid <> '' ORDER BY t.id LIMIT %(terminals)s
), n AS (SELECT count(*) AS c FROM t), g AS (
    SELECT g, (date_trunc('day', localtimestamp) - make_interval(secs => (g + 1) * %(step)s)) AS lt
    FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS g
)
INSERT INTO transactions_transaction (local_date, merchant_id, terminal_id, mid, tid, type, channel, scheme, funding,
    bin, last4, card_token, amount_minor, fee_minor, net_minor, currency, stan, rrn, auth_code, response_code,
    status, local_time, at, batch_no)
SELECT g.lt::date, t.merchant_id, t.id, t.mid, t.tid,
       (ARRAY['sale','sale','sale','sale','sale','sale','sale','refund','void','completion'])[1 + g.g %% 10],
       (ARRAY['chip','contactless','magstripe','unionpay_qr','other_qr'])[1 + (g.g / 7) %% 5],
       'unionpay', 'debit', '62258800', lpad(((g.g * 7919) %% 10000)::text, 4, '0'), md5(g.g::text) || md5('x'),
       a.amount, a.amount / 200, a.amount - a.amount / 200, 'CNY', lpad((g.g %% 1000000)::text, 6, '0'),
       lpad(g.g::text, 12, '0'), 'A1B2C3', CASE WHEN g.g %% 50 = 0 THEN '05' ELSE '00' END,
       CASE WHEN g.g %% 50 = 0 THEN 'declined' ELSE 'approved' END, g.lt, g.lt AT TIME ZONE 'Asia/Shanghai', '000001'
FROM g JOIN t ON t.k = g.g %% (SELECT c FROM n)
CROSS JOIN LATERAL (SELECT (CASE WHEN g.g %% 10 IN (7, 8) THEN -1 ELSE 1 END) * (100 + (g.g * 37) %% 500000)
                    AS amount) a
"""


def ensure_ledger(count: int, days: int) -> int:
    """Load ``count`` rows over the last ``days`` days when the ledger is empty; the number of rows it holds."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM transactions_transaction)")
        if cursor.fetchone()[0]:
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'transactions_transaction'")
            return _estimate()
    start = time.perf_counter()
    step = days * 86400 / count
    for first in range(0, count, BLOCK):
        last = min(first + BLOCK, count) - 1
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(INSERT, {"terminals": TERMINALS, "step": step, "first": first, "last": last})
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE transactions_transaction")
    print(f"loaded {count:,} ledger rows over {days} days in {time.perf_counter() - start:.0f} s", flush=True)
    return _estimate()


def _estimate() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT sum(reltuples)::bigint FROM pg_class c JOIN pg_inherits i ON i.inhrelid = c.oid "
                       "WHERE i.inhparent = 'transactions_transaction'::regclass")
        return int(cursor.fetchone()[0] or 0)
