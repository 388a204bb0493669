"""Reconciliation against its floor: 1,000,000 ledger rows against 1,000,000 clearing records of one day, with 0.2 %
planted differences of each kind (amount mismatch, missing on our side, missing on theirs, duplicate — half of the
duplicates in the ledger, half in the clearing records), generated with ``generate_series``.

Ours: ``recon_start(side="clearing", wait=True)`` as a waited run makes it — the default chunks (one per worker) on
``ACQUIRER_JOB_WORKERS`` threads: the inputs' fingerprint, the run, each chunk's one statement (one hash aggregate
of both sides by match key, summaries and breaks written with ``INSERT … SELECT``) and the finish. Every planted
difference must be found, and nothing else. The floor, in the same run: a bare ``SELECT count(*)`` of the full outer
join of the two sides on the match key (RRN + MID + TID) with the run's date filter. Seconds for the whole run;
``SCALE`` shrinks the rows; ``BENCH_KEEP=1`` keeps the database (``BENCH_DB``) and its rows for the next run.
Information lines: the same day in 1 chunk on one thread and in 8 chunks, each compared with the result."""

import os
import sys
import time
from datetime import date

from _setup import SCALE, django_with_scratch_db, result, scaled

GOAL = 2.0
DAY = date(2025, 3, 14)
EVERY = 500  # 0.2 %: one row in 500 of each kind
MERCHANTS = 50


def _load(rows: int) -> dict:
    """The day's ledger and clearing records (kept from an earlier run with ``BENCH_KEEP=1``); returns the planted
    differences by RRN."""
    from django.db import connection

    from tests.factories import make_merchant
    from transactions.models import IngestFile

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM transactions_clearingrecord")
        loaded = cursor.fetchone()[0]
    if loaded:
        print(f"reusing {loaded:,} clearing records (BENCH_KEEP=1)", flush=True)
        return _planted(rows)

    merchants = [make_merchant(f"对账商户{n}").pk for n in range(MERCHANTS)]
    file = IngestFile.objects.create(kind="clearing", original_name="bench-clearing.csv", sha256="b" * 64,
                                     status="done", business_date=DAY)
    with connection.cursor() as cursor:
        cursor.execute("SELECT transactions_ensure_partitions(%s, %s)", [DAY, DAY])
        # g % EVERY: 0 missing on their side, 1 amount mismatch, 2 duplicated in the clearing records,
        # 3 duplicated in the ledger; extra clearing records with new RRNs: missing on our side
        cursor.execute("""
            INSERT INTO transactions_transaction (local_date, merchant_id, terminal_id, mid, tid, type, channel,
                amount_minor, fee_minor, net_minor, currency, stan, rrn, response_code, status, local_time, at)
            SELECT %(day)s, (%(merchants)s::bigint[])[1 + g %% %(m)s], 1 + g %% 5000,
                   lpad((1 + g %% %(m)s)::text, 15, '0'), lpad((1 + g %% 5000)::text, 8, '0'),
                   CASE WHEN g %% 97 = 5 THEN 'refund' ELSE 'sale' END, 'chip',
                   CASE WHEN g %% 97 = 5 THEN -1 ELSE 1 END * (100 + g %% 90000), 0,
                   CASE WHEN g %% 97 = 5 THEN -1 ELSE 1 END * (100 + g %% 90000), 'CNY',
                   lpad((g %% 1000000)::text, 6, '0'), lpad(g::text, 12, '0'), '00', 'approved',
                   %(day)s + interval '8 hours' + g * interval '30 ms',
                   (%(day)s + interval '8 hours' + g * interval '30 ms') AT TIME ZONE 'Asia/Shanghai'
            FROM generate_series(1, %(rows)s) g""",
                       {"day": DAY, "merchants": merchants, "m": MERCHANTS, "rows": rows})
        cursor.execute("""
            INSERT INTO transactions_transaction (local_date, merchant_id, terminal_id, mid, tid, type, channel,
                amount_minor, fee_minor, net_minor, currency, stan, rrn, response_code, status, local_time, at)
            SELECT local_date, merchant_id, terminal_id, mid, tid, type, channel, amount_minor, fee_minor, net_minor,
                   currency, 'DUPDUP', rrn, response_code, status, local_time, at
            FROM transactions_transaction WHERE local_date = %(day)s AND rrn::bigint %% %(every)s = 3""",
                       {"day": DAY, "every": EVERY})
        cursor.execute("""
            INSERT INTO transactions_clearingrecord (clearing_date, local_date, mid, tid, rrn, stan, type, amount_minor,
                currency, interchange_minor, bin, last4, merchant_id, ingest_file_id, source_line)
            SELECT local_date + 1, local_date, mid, tid, rrn, stan, type,
                   amount_minor + CASE WHEN rrn::bigint %% %(every)s = 1 THEN 7 ELSE 0 END,
                   currency, 0, '', '', merchant_id, %(file)s, rrn::bigint
            FROM transactions_transaction
            WHERE local_date = %(day)s AND rrn::bigint %% %(every)s <> 0 AND stan <> 'DUPDUP'
            UNION ALL
            SELECT local_date + 1, local_date, mid, tid, rrn, 'DUPDUP', type, amount_minor, currency, 0, '', '',
                   merchant_id, %(file)s, -rrn::bigint
            FROM transactions_transaction WHERE local_date = %(day)s AND rrn::bigint %% %(every)s = 2
            UNION ALL
            SELECT %(day)s::date + 1, %(day)s, lpad((1 + g %% %(m)s)::text, 15, '0'),
                   lpad((1 + g %% 5000)::text, 8, '0'), lpad((%(rows)s + g)::text, 12, '0'), '000000', 'sale',
                   100 + g, 'CNY', 0, '', '', (%(merchants)s::bigint[])[1 + g %% %(m)s], %(file)s, %(rows)s + g
            FROM generate_series(1, %(missing)s) g""",
                       {"day": DAY, "every": EVERY, "file": file.pk, "m": MERCHANTS, "rows": rows,
                        "merchants": merchants, "missing": rows // EVERY})
        cursor.execute("ANALYZE transactions_transaction")
        cursor.execute("ANALYZE transactions_clearingrecord")
        cursor.execute("SELECT count(*) FROM transactions_transaction")
        ledger = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM transactions_clearingrecord")
        clearing = cursor.fetchone()[0]
    print(f"loaded {ledger:,} ledger rows and {clearing:,} clearing records", flush=True)
    return _planted(rows)


def _planted(rows: int) -> dict:
    planted = {}
    for g in range(1, rows + 1):
        kind = g % EVERY
        if kind in (0, 1, 2, 3):
            planted[f"{g:012d}"] = {0: "missing_theirs", 1: "amount_mismatch", 2: "duplicate", 3: "duplicate"}[kind]
    for g in range(1, rows // EVERY + 1):
        planted[f"{rows + g:012d}"] = "missing_ours"
    return planted


def _floor() -> float:
    """The two sides as the run reads them (our rows of the day, their records of the window), joined bare."""
    from django.db import connection

    with connection.cursor() as cursor:
        start = time.perf_counter()
        cursor.execute("""SELECT count(*)
                          FROM (SELECT rrn, mid, tid FROM transactions_transaction WHERE local_date = %(day)s) l
                          FULL JOIN (SELECT rrn, mid, tid FROM transactions_clearingrecord
                                     WHERE local_date BETWEEN %(day)s::date - 1 AND %(day)s::date + 1) c
                          ON l.rrn = c.rrn AND l.mid = c.mid AND l.tid = c.tid""", {"day": DAY})
        cursor.fetchone()
        return time.perf_counter() - start


def _ours(chunks: int | None):
    from transactions.services.recon import recon_start

    start = time.perf_counter()
    run = recon_start(side="clearing", business_date=DAY, chunks=chunks, wait=True)
    return time.perf_counter() - start, run


def _forget(run) -> None:
    from transactions.models import ReconChunk, ReconException, ReconRun, ReconSummary

    ReconException.objects.filter(run=run).delete()
    ReconSummary.objects.filter(run=run).delete()
    ReconChunk.objects.filter(run=run).delete()
    ReconRun.objects.filter(pk=run.pk).delete()


def _forget_all() -> None:
    from transactions.models import ReconRun

    ReconRun.objects.update(superseded_by=None)
    for run in ReconRun.objects.all():
        _forget(run)


def main() -> int:
    cleanup = django_with_scratch_db(keep=os.environ.get("BENCH_KEEP") == "1")
    try:
        from transactions.models import ReconException
        from transactions.services.recon import default_chunks, workers

        _forget_all()  # runs a kept database may still hold
        rows = scaled(1_000_000, minimum=10_000)
        started = time.perf_counter()
        planted = _load(rows)
        print(f"generated in {time.perf_counter() - started:.1f} s (SCALE={SCALE:g})", flush=True)
        _floor()  # warm both tables' pages once, for both sides alike
        floors, ours = [], []
        run = None
        for attempt in range(3):
            floors.append(_floor())
            if run is not None:
                _forget(run)
            seconds, run = _ours(None)
            ours.append(seconds)
            print(f"run {attempt + 1}: ours {seconds:.3f} s ({default_chunks()} chunks on {workers()} threads), "
                  f"floor {floors[-1]:.3f} s", flush=True)
        found = dict(ReconException.objects.filter(run=run).values_list("rrn", "category"))
        missed = {rrn: kind for rrn, kind in planted.items() if found.get(rrn) != kind}
        extra = {rrn: kind for rrn, kind in found.items() if rrn not in planted}
        print(f"planted {len(planted):,} differences; found {len(found):,}; missed or misjudged {len(missed)}; "
              f"found beyond the planted {len(extra)}; totals "
              f"{ {key: value['count'] for key, value in run.totals.items()} }", flush=True)
        _forget(run)
        for chunks in (1, 8):
            seconds, other = _ours(chunks)
            same = dict(ReconException.objects.filter(run=other).values_list("rrn", "category")) == found
            _forget(other)
            print(f"the same day in {chunks} chunk{'s' if chunks > 1 else ''} on {min(workers(), chunks)} "
                  f"thread{'s' if min(workers(), chunks) > 1 else ''}: {seconds:.3f} s, "
                  f"{'the same' if same else 'NOT the same'} breaks", flush=True)
            missed = missed if same else {**missed, "chunks": chunks}
        ours_s, floor_s = sorted(ours)[1], sorted(floors)[1]  # medians of three
        passed = result("reconcile", ours_s, floor_s, GOAL) and not missed and not extra
        if missed or extra:
            print(f"FAIL: missed {list(missed.items())[:5]} extra {list(extra.items())[:5]}", flush=True)
        return 0 if passed else 1
    finally:
        cleanup()


if __name__ == "__main__":
    sys.exit(main())
