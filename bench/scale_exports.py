"""The full-size exports against their floor: the merchant register CSV (``ops:merchant-export``) and the audit
trail CSV (``audit:event-export``), each read to the last byte through the test client, against PostgreSQL's own
``COPY (SELECT the same columns ...) TO STDOUT`` of the same rows through psycopg (seconds for the whole export,
goal ≤ 2 ×); and the growth of the process's peak resident memory while the export streams (in MB, against a
budget of 100 MB: the exports must not hold the data in memory).

``measure_export`` takes any callable that returns the export's chunks, so the same measurement applies to
another way of producing the file (e.g. a background job's file writer).
"""

import sys
import time
from collections.abc import Callable, Iterable

from _scale import clients, peak_rss_mb, reset_peak_rss, rss_mb, scale_db
from _setup import result

GOAL = 2.0
MEMORY_BUDGET_MB = 100.0

MERCHANT_COLUMNS = ("id, mid, legal_name, trading_name, merchant_type, uscc, legal_rep_name, legal_rep_id_masked, "
                    "mcc, region_code, address, status, coalesce(nullif(risk_override, ''), risk_level), currency, "
                    "expected_monthly_volume, contact_phone, approved_at, next_inspection_due")
AUDIT_COLUMNS = ("id, at, actor_label, role, merchant_id, action, target_type, target_id, target_repr, before, "
                 "after, data, ip, source, hash")


def measure_export(name: str, produce: Callable[[], Iterable[bytes]], floor_sql: str) -> bool:
    """Consume every chunk ``produce()`` returns, timed, with the peak RSS growth; then the floor: ``floor_sql``
    copied out by the server. Prints the time line and the memory line."""
    before = rss_mb()
    reset_peak_rss()
    start = time.perf_counter()
    size = sum(len(chunk) for chunk in produce())
    ours = time.perf_counter() - start
    growth = max(0.0, peak_rss_mb() - before)
    floor, floor_size = copy_out(floor_sql)
    print(f"{name}: {size / 1e6:.1f} MB in {ours:.2f} s; COPY {floor_size / 1e6:.1f} MB in {floor:.2f} s; "
          f"peak RSS +{growth:.1f} MB", flush=True)
    passed = result(f"export_{name}", ours, floor, GOAL)
    passed &= result(f"export_{name}_memory", growth, MEMORY_BUDGET_MB, 1.0)
    return passed


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


def view_export(client, url_name: str, query: dict) -> Callable[[], Iterable[bytes]]:
    """The export view's streamed body, through the test client."""
    from django.urls import reverse

    def produce():
        response = client.get(reverse(url_name), query)
        assert response.status_code == 200, response.status_code
        try:
            yield from response.streaming_content
        finally:
            response.close()

    return produce


def main() -> int:
    cleanup = scale_db()
    try:
        from acquirer.models import AuditEvent
        from merchants.models import Merchant

        signed_in = clients()
        merchants = view_export(signed_in["ops"], "ops:merchant-export", {"format": "csv"})
        passed = measure_export("merchants_csv", merchants,
                                f"SELECT {MERCHANT_COLUMNS} FROM {Merchant._meta.db_table} ORDER BY id")
        passed &= measure_export("audit_csv", view_export(signed_in["audit"], "audit:event-export", {}),
                                 f"SELECT {AUDIT_COLUMNS} FROM {AuditEvent._meta.db_table} ORDER BY id DESC")
        return 0 if passed else 1
    finally:
        cleanup()


if __name__ == "__main__":
    sys.exit(main())
