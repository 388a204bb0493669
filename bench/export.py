"""1,000,000 ledger rows (``SCALE`` shrinks them) to CSV through the ledger exporter (``transactions.exports.
LEDGER``: PostgreSQL's COPY of guarded, labelled cells, handed on in 64 KB blocks), read to the last byte, against
``COPY (SELECT the same rows' plain columns) TO STDOUT`` through psycopg; medians of three runs, alternately, after
an untimed one. The peak resident memory growth while exporting is reported against a 100 MB budget (constant
memory: nothing holds the rows). The rows: the last days of the search benchmark's ledger, or 1,000,000 rows over
nine days when the ledger is empty."""

import statistics
import sys
import time
from datetime import timedelta

from _ledger import ensure_ledger
from _scale import peak_rss_mb, reset_peak_rss, rss_mb, scale_db, users
from _setup import SCALE, result

GOAL = 2.0
RUNS = 3
MEMORY_BUDGET_MB = 100.0
ROWS = 1_000_000
PLAIN = ("id, local_date, local_time, merchant_id, mid, tid, type, channel, scheme, bin, last4, amount_minor, "
         "fee_minor, net_minor, currency, stan, rrn, auth_code, response_code, status, settlement_date")


def main() -> int:
    cleanup = scale_db()
    try:
        from django.db import connection
        from django.utils import timezone

        from acquirer import exports
        from transactions.exports import LEDGER

        wanted = max(1000, int(ROWS * SCALE))
        ensure_ledger(wanted, 9)
        today = timezone.localdate()
        with connection.cursor() as cursor:  # the newest days that hold about ``wanted`` rows
            cursor.execute("SELECT local_date, count(*) FROM transactions_transaction WHERE local_date >= %s "
                           "GROUP BY 1 ORDER BY 1 DESC", [today - timedelta(days=91)])
            total, first = 0, today
            for day, count in cursor.fetchall():
                total, first = total + count, day
                if total >= wanted:
                    break
        filters = {"date_from": first.isoformat(), "date_to": today.isoformat()}
        auditor = users()["audit"]
        floor_sql = (f"SELECT {PLAIN} FROM transactions_transaction WHERE local_date >= '{first}' "
                     f"AND local_date <= '{today}' ORDER BY at DESC, id DESC")  # the same rows in the same order

        def ours() -> tuple[int, int]:
            size = rows = 0
            for block, count in exports.csv_blocks(LEDGER, auditor, filters):
                size += len(block)
                rows += count
            return size, rows

        def floor() -> int:
            connection.ensure_connection()
            size = 0
            with connection.connection.cursor() as cursor, cursor.copy(
                    f"COPY ({floor_sql}) TO STDOUT (FORMAT csv)") as copy:
                for chunk in copy:
                    size += len(chunk)
            return size

        ours()
        times, floors, growths = [], [], []
        for _run in range(RUNS):
            before = rss_mb()
            reset_peak_rss()
            start = time.perf_counter()
            size, rows = ours()
            times.append(time.perf_counter() - start)
            growths.append(max(0.0, peak_rss_mb() - before))
            start = time.perf_counter()
            floor_size = floor()
            floors.append(time.perf_counter() - start)
        ours_s, floor_s = statistics.median(times), statistics.median(floors)
        print(f"export: {rows:,} rows, {size / 1e6:.1f} MB in {ours_s:.2f} s ({rows / ours_s:,.0f} rows/s); COPY "
              f"{floor_size / 1e6:.1f} MB in {floor_s:.2f} s; peak RSS +{max(growths):.1f} MB", flush=True)
        passed = result("export", ours_s, floor_s, GOAL)
        passed &= result("export_memory", max(growths), MEMORY_BUDGET_MB, 1.0)
        return 0 if passed else 1
    finally:
        cleanup()


if __name__ == "__main__":
    sys.exit(main())
