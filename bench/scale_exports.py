"""The full-size exports against their floor: the merchant register CSV and the audit trail CSV, each by the way
people actually get it — the synchronous view (``ops:merchant-export``, ``audit:event-export``, read to the last
byte through the test client) when the result fits ``ACQUIRER_EXPORT_SYNC_ROWS``, otherwise the job's writer
``acquirer.exports.write_stored`` (into private, encrypted storage; the stored file's size read afterwards) —
against PostgreSQL's own ``COPY (SELECT the same columns ...) TO STDOUT`` of the same rows through psycopg
(seconds for the whole export, medians of three runs each, goal ≤ 2 ×); and the growth of the process's peak
resident memory while the export is written (in MB, against a budget of 100 MB: the exports must not hold the data
in memory).

Information lines follow each export: the CSV alone as the core produces it (no request, no storage); for the
view, the same rows through ``write_stored`` (what a larger result gets); for a stored file, how long sealing
(AES-256-GCM) and writing the same number of bytes takes on its own, so the share of the encryption is visible.
"""

import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _scale import clients, peak_rss_mb, reset_peak_rss, rss_mb, scale_db, users
from _setup import per_call, result

GOAL = 2.0
RUNS = 3  # of ours and of the floor, alternately: the medians are compared
MEMORY_BUDGET_MB = 100.0

MERCHANT_COLUMNS = ("id, mid, legal_name, trading_name, merchant_type, uscc, legal_rep_name, legal_rep_id_masked, "
                    "mcc, region_code, address, status, coalesce(nullif(risk_override, ''), risk_level), currency, "
                    "expected_monthly_volume, contact_phone, approved_at, next_inspection_due")
AUDIT_COLUMNS = ("id, at, actor_label, role, merchant_id, action, target_type, target_id, target_repr, before, "
                 "after, data, ip, source, hash")


def measure_export(name: str, produce: Callable[[], int], floor_sql: str, how: str = "") -> tuple[bool, int]:
    """Run ``produce()`` (which writes the whole export and returns its size in bytes) and the floor (``floor_sql``
    copied out by the server) :data:`RUNS` times each, alternately, and compare their medians — on a machine shared
    with other work one run of either swings by half; the peak RSS growth is the largest of our runs. Prints the
    time line and the memory line; returns whether both pass and the export's size. One untimed run first, so the
    first request's imports, URL resolution and connection set-up are not counted as the export."""
    produce()
    ours, floors, growths = [], [], []
    for _run in range(RUNS):
        before = rss_mb()
        reset_peak_rss()
        start = time.perf_counter()
        size = produce()
        ours.append(time.perf_counter() - start)
        growths.append(max(0.0, peak_rss_mb() - before))
        floor, floor_size = copy_out(floor_sql)
        floors.append(floor)
    ours_s, floor_s, growth = statistics.median(ours), statistics.median(floors), max(growths)
    print(f"{name}: {size / 1e6:.1f} MB in {ours_s:.2f} s {how}; COPY {floor_size / 1e6:.1f} MB in "
          f"{floor_s:.2f} s (medians of {RUNS}); peak RSS +{growth:.1f} MB", flush=True)
    passed = result(f"export_{name}", ours_s, floor_s, GOAL)
    passed &= result(f"export_{name}_memory", growth, MEMORY_BUDGET_MB, 1.0)
    return passed, size


def copy_out(sql: str) -> tuple[float, int]:
    """Seconds and bytes of ``COPY (sql) TO STDOUT (FORMAT csv)``, every chunk read by the client."""
    from django.db import connection

    connection.ensure_connection()
    start = time.perf_counter()
    size = 0
    with connection.connection.cursor() as cursor, cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)") as copy:
        for chunk in copy:
            size += len(chunk)
    return time.perf_counter() - start, size


def view_export(client, url_name: str, query: dict) -> Callable[[], int]:
    """The export view's streamed body, through the test client."""
    from django.urls import reverse

    def produce() -> int:
        response = client.get(reverse(url_name), query)
        assert response.status_code == 200, response.status_code
        try:
            return sum(len(chunk) for chunk in response.streaming_content)
        finally:
            response.close()

    return produce


def stored_export(exporter, actor) -> Callable[[], int]:
    """The job's writer: the whole CSV into private, encrypted storage (``progress`` does nothing here; the job's
    own sets ``rows_written`` about once a second)."""
    from django.conf import settings
    from django.utils import translation

    from acquirer import exports, files

    def produce() -> int:
        with translation.override("en"):
            stored_name, _rows = exports.write_stored(exporter=exporter, actor=actor, filters={}, fmt="csv",
                                                      progress=lambda rows: None)
        size = (Path(settings.MEDIA_ROOT) / stored_name).stat().st_size
        files.delete_stored(stored_name)
        return size

    return produce


def sealing_alone(size: int) -> float:
    """Seconds to seal and write ``size`` bytes through the same private writer (AES-256-GCM, fsync), no query."""
    from acquirer import exports, files

    block = os.urandom(exports.BLOCK)
    start = time.perf_counter()
    with files.private_writer(folder=exports.FOLDER, extension=".csv") as (stored_name, writer):
        for _n in range(max(1, size // len(block))):
            writer.write(block)
    seconds = time.perf_counter() - start
    files.delete_stored(stored_name)
    return seconds


def seconds(produce: Callable[[], object]) -> float:
    """The median seconds of :data:`RUNS` calls of ``produce``, after an untimed one."""
    return statistics.median(per_call(produce, RUNS, warmup=1))


def export(name: str, exporter, actor, client, url_name: str, floor_sql: str) -> bool:
    """One export by the path its reader gets: the view when the result fits, else the job's writer. Then, for
    reading the figure: the CSV alone as the core produces it (no request, no storage), and the other path."""
    from django.utils import translation

    from acquirer import exports

    def csv_alone():
        with translation.override("en"):
            return sum(len(block) for block, _rows in exports.csv_blocks(exporter, actor, {}))

    if exports.small_enough(exporter, actor, {}):
        passed, _size = measure_export(name, view_export(client, url_name, {"format": "csv"}), floor_sql,
                                       "through the view")
        print(f"{name}: the CSV alone (no request around it) {seconds(csv_alone):.2f} s; the same rows stored by "
              f"write_stored (the path above the sync limit) {seconds(stored_export(exporter, actor)):.2f} s",
              flush=True)
        return passed
    passed, size = measure_export(name, stored_export(exporter, actor), floor_sql, "stored by write_stored")
    print(f"{name}: the CSV alone (no storage) {seconds(csv_alone):.2f} s; sealing and writing {size / 1e6:.1f} MB "
          f"alone (AES-256-GCM, fsync) {sealing_alone(size):.2f} s", flush=True)
    return passed


def main() -> int:
    cleanup = scale_db()
    media = tempfile.mkdtemp(prefix="bench-exports-")
    try:
        from django.conf import settings

        from acquirer.audit_export import AUDIT_TRAIL
        from acquirer.models import AuditEvent
        from merchants.exports import REGISTER
        from merchants.models import Merchant

        settings.MEDIA_ROOT = Path(media)
        people, signed_in = users(), clients()
        passed = export("merchants_csv", REGISTER, people["ops"], signed_in["ops"], "ops:merchant-export",
                        f"SELECT {MERCHANT_COLUMNS} FROM {Merchant._meta.db_table} ORDER BY id")
        passed &= export("audit_csv", AUDIT_TRAIL, people["audit"], signed_in["audit"], "audit:event-export",
                         f"SELECT {AUDIT_COLUMNS} FROM {AuditEvent._meta.db_table} ORDER BY id DESC")
        return 0 if passed else 1
    finally:
        shutil.rmtree(media, ignore_errors=True)
        cleanup()


if __name__ == "__main__":
    sys.exit(main())
