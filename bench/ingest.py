"""The clearing-file ingest against its floor: ``ingest_path(kind="clearing")`` end to end on a 1,000,000-line
clearing file (``SCALE`` shrinks it) — the whole-file checks and SHA-256, the sealed stored copy, ``COPY`` of
the file into the staging table, the set-based checks and one insert per range of lines into
``transactions_clearingrecord`` (its unique key and indexes), the row report and the audit event — against the
floor: a raw ``COPY … (FORMAT csv, HEADER)`` of the same file into the table the rows land in (a table shaped like
``transactions_clearingrecord`` with the file's columns, its primary key and the same indexes and unique key, read
from the catalogue), i.e. what loading the file costs without our checks, idempotency and reporting. Both in
seconds for the whole file, in the same run, each the best of two runs on a fresh (truncated or recreated) table
(ours after an untimed warm-up on a small file). The same raw COPY into a plain table without keys or indexes is
printed as information."""

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

_FILE_COLUMNS = """clearing_date date, local_date date, mid varchar(15), tid varchar(8), rrn varchar(12),
    stan varchar(6), type varchar(12), amount numeric(14, 2), currency varchar(3), interchange_fee numeric(14, 2),
    masked_pan text"""
_COPY_COLUMNS = "clearing_date, local_date, mid, tid, rrn, stan, type, amount, currency, interchange_fee, masked_pan"


def _write_file(path: Path, rows: int) -> None:
    from django.db import connection

    from transactions.parsers.clearing import HEADER

    with path.open("wb") as handle, connection.cursor() as cursor:
        handle.write((",".join(HEADER) + "\n").encode())
        with cursor.cursor.copy(_GENERATE.replace("%(rows)s", str(int(rows))).replace("%%", "%")) as copy:
            for block in copy:
                handle.write(block)


def _floor_table() -> None:
    """The table the rows land in, as a raw COPY can fill it: ``transactions_clearingrecord``'s key columns with the
    file's own columns, its primary key (``bigserial``), and every index and unique constraint it has now (read
    from the catalogue, so the floor follows the model's indexes)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'transactions_clearingrecord' "
                       "AND indexname <> 'transactions_clearingrecord_pkey'")
        indexes = [row[0] for row in cursor.fetchall()]
        cursor.execute(f"DROP TABLE IF EXISTS bench_clearing_floor; CREATE TABLE bench_clearing_floor (id bigserial "
                       f"PRIMARY KEY, {_FILE_COLUMNS})")
        for number, definition in enumerate(indexes):
            on = definition.split(" ON ", 1)[1].replace("public.transactions_clearingrecord", "bench_clearing_floor")
            unique = "UNIQUE " if definition.startswith("CREATE UNIQUE") else ""
            cursor.execute(f"CREATE {unique}INDEX bench_clearing_floor_{number} ON {on}")
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE tablename = 'bench_clearing_floor'")
        assert cursor.fetchone()[0] == len(indexes) + 1


def _copy_file(path: Path, table: str) -> float:
    from django.db import connection, transaction

    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor, path.open("rb") as handle, cursor.cursor.copy(
            f"COPY {table} ({_COPY_COLUMNS}) FROM STDIN (FORMAT csv, HEADER)") as copy:
        while block := handle.read(1024 * 1024):
            copy.write(block)
    return time.perf_counter() - start


def _floor(path: Path) -> float:
    """A raw COPY of the file into the table shaped like the clearing records, with their keys and indexes."""
    _floor_table()
    return _copy_file(path, "bench_clearing_floor")


def _plain_copy(path: Path) -> float:
    """Information: the same raw COPY into a plain table with the file's columns (no key, no index)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_clearing_plain")
        cursor.execute(f"CREATE TABLE bench_clearing_plain ({_FILE_COLUMNS})")
    elapsed = _copy_file(path, "bench_clearing_plain")
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_clearing_plain")
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
            plain = min(_plain_copy(path) for _ in range(2))
            print(f"ours {ours:.3f} s ({rows / ours:,.0f} lines/s), floor {floor:.3f} s ({rows / floor:,.0f} lines/s); "
                  f"information: the raw COPY into a plain table without keys or indexes {plain:.3f} s "
                  f"(ours = {ours / plain:.2f} x that)", flush=True)
            with connection.cursor() as cursor:
                cursor.execute("DROP TABLE IF EXISTS bench_clearing_floor")
        passed = result("ingest", ours, floor, GOAL)
    finally:
        cleanup()
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
