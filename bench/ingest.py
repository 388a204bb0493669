"""The clearing-file ingest against its floor: ``ingest_path(kind="clearing")`` end to end on a 1,000,000-line
clearing file (``SCALE`` shrinks it) — the whole-file checks and SHA-256, the sealed stored copy, ``COPY`` of the
raw lines into the staging table, one set-based check-and-insert per block into ``transactions_clearingrecord``
(its unique key and indexes), the row report and the audit event — against a raw ``COPY … (FORMAT csv, HEADER)``
of the same file into a plain table with the file's columns (no index), in the same run. Both in seconds for the
whole file, each the best of two runs on a fresh table (the first of ours after an untimed warm-up on a small
file)."""

import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from _setup import django_with_scratch_db, result, scaled

GOAL = 1.5
CLEARING_DATE = date(2026, 11, 30)

_GENERATE = """
COPY (
    SELECT '2026-11-30', to_char(date '2026-11-29' - (g %% 3), 'YYYY-MM-DD'), 'MID' || lpad((g %% 200)::text, 12, '0'),
           'T' || lpad((g %% 20000)::text, 7, '0'), lpad(g::text, 12, '0'), lpad((g %% 1000000)::text, 6, '0'),
           CASE WHEN g %% 50 = 0 THEN 'refund' ELSE 'sale' END,
           CASE WHEN g %% 50 = 0 THEN '-' ELSE '' END || ((g %% 100000) / 100)::text || '.'
               || lpad((g %% 100)::text, 2, '0'),
           'CNY', '0.' || lpad((g %% 60)::text, 2, '0'),
           CASE WHEN g %% 10 = 0 THEN NULL ELSE '62258800******' || lpad((g %% 10000)::text, 4, '0') END
    FROM generate_series(1, %(rows)s) g
) TO STDOUT (FORMAT csv)"""

_FLOOR_TABLE = """
DROP TABLE IF EXISTS bench_clearing_floor;
CREATE TABLE bench_clearing_floor (
    clearing_date date, local_date date, mid varchar(15), tid varchar(8), rrn varchar(12), stan varchar(6),
    type varchar(12), amount numeric(14, 2), currency varchar(3), interchange_fee numeric(14, 2), masked_pan text)"""


def _write_file(path: Path, rows: int) -> None:
    from django.db import connection

    from transactions.parsers.clearing import HEADER

    with path.open("wb") as handle, connection.cursor() as cursor:
        handle.write((",".join(HEADER) + "\n").encode())
        with cursor.cursor.copy(_GENERATE.replace("%(rows)s", str(int(rows))).replace("%%", "%")) as copy:
            for block in copy:
                handle.write(block)


def _floor(path: Path) -> float:
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute(_FLOOR_TABLE)
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor, path.open("rb") as handle, cursor.cursor.copy(
            "COPY bench_clearing_floor FROM STDIN (FORMAT csv, HEADER)") as copy:
        while block := handle.read(1024 * 1024):
            copy.write(block)
    return time.perf_counter() - start


_INDEXED_TABLE = """
DROP TABLE IF EXISTS bench_clearing_indexed;
CREATE TABLE bench_clearing_indexed (
    id bigserial PRIMARY KEY, clearing_date date, local_date date, mid varchar(15), tid varchar(8), rrn varchar(12),
    stan varchar(6), type varchar(12), amount numeric(14, 2), currency varchar(3), interchange_fee numeric(14, 2),
    masked_pan text, UNIQUE (local_date, tid, stan, rrn, type));
CREATE INDEX ON bench_clearing_indexed (local_date, rrn);
CREATE INDEX ON bench_clearing_indexed (clearing_date)"""


def _indexed_copy(path: Path) -> float:
    """Information: the same raw COPY into a table with the clearing records' keys and indexes."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute(_INDEXED_TABLE)
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor, path.open("rb") as handle, cursor.cursor.copy(
            "COPY bench_clearing_indexed (clearing_date, local_date, mid, tid, rrn, stan, type, amount, currency, "
            "interchange_fee, masked_pan) FROM STDIN (FORMAT csv, HEADER)") as copy:
        while block := handle.read(1024 * 1024):
            copy.write(block)
    elapsed = time.perf_counter() - start
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_clearing_indexed")
    return elapsed


def _ours(path: Path, rows: int) -> float:
    from django.db import connection

    from transactions.services.ingest import ingest_path

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE transactions_clearingrecord CASCADE")
    start = time.perf_counter()
    record = ingest_path(kind="clearing", path=path, source="command")
    elapsed = time.perf_counter() - start
    assert (record.status, record.rows, record.new, record.rejected) == ("done", rows, rows, 0), (
        record.status, record.rows, record.new, record.rejected, record.message, record.errors[:3])
    return elapsed


def main() -> int:
    cleanup = django_with_scratch_db()
    try:
        from django.conf import settings
        from django.db import connection

        rows = scaled(1_000_000, 1000)
        with tempfile.TemporaryDirectory() as folder:
            settings.MEDIA_ROOT = Path(folder) / "media"
            path = Path(folder) / "clearing.csv"
            warm = Path(folder) / "warm.csv"
            _write_file(warm, 1000)
            _write_file(path, rows)
            print(f"clearing file: {rows:,} lines, {path.stat().st_size / 1e6:.1f} MB", flush=True)
            _ours(warm, 1000)
            floor = min(_floor(path) for _ in range(2))
            ours = min(_ours(path, rows) for _ in range(2))
            indexed = _indexed_copy(path)
            print(f"ours {rows / ours:,.0f} lines/s, floor {rows / floor:,.0f} lines/s; information: raw COPY into a "
                  f"table with the same keys and indexes {indexed:.3f} s (ours = {ours / indexed:.2f} x that)",
                  flush=True)
            with connection.cursor() as cursor:
                cursor.execute("DROP TABLE IF EXISTS bench_clearing_floor")
        passed = result("ingest", ours, floor, GOAL)
    finally:
        cleanup()
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
