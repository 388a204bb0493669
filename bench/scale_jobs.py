"""The scheduled jobs over the full data set: the monthly rent (``rent_charge_month``), the stale-terminal check
(``terminals_flag_stale``) and the preventive maintenance plan (``maintenance_create_due``), each run so that every
live terminal gets a row (the rent of this month; "today" moved past the stale limit and past every terminal's
maintenance date).

Per job three lines:

- ``job_<name>``: seconds per row written, against one plain ``INSERT ... SELECT`` of the same rows into an empty
  copy of the table (same indexes, no audit events). Goal ≤ 33 ×: the rent job must make ≥ 10,000 charges per
  second with their audit events (100 µs each) and the floor is ~3 µs per row on this machine (bench/README.md);
  the other two jobs write one row and one audit event per terminal too, so they get the same budget.
- ``job_<name>_longest_transaction``: the longest transaction of the job's database session, sampled every 0.1 s
  from ``pg_stat_activity`` on another connection, against 2 s (batches keep locks and the audit chain short).
- ``job_<name>_memory``: growth of the process's peak RSS during the job in MB, against 500 MB.
- ``job_rent_rate``: seconds per rent charge against 100 µs (10,000 charges a second, each with its audit event).

The jobs change the data, so they run on a copy of the scale database (``CREATE DATABASE ... TEMPLATE``), dropped
afterwards; ``bench_scale`` stays as loaded.
"""

import sys
import threading
import time
from datetime import timedelta

from _scale import DB, peak_rss_mb, reset_peak_rss, rss_mb, scale_db
from _setup import result

RATE_GOAL = 33.0
LONGEST_TRANSACTION_S = 2.0
MEMORY_BUDGET_MB = 500.0
RENT_BUDGET_S = 1 / 10_000  # seconds per rent charge, audit event included
COPY = f"{DB}_jobs"


class TransactionSampler(threading.Thread):
    """Polls, on its own connection, how long the backend ``pid`` has been in its current transaction; keeps
    the longest."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.longest, self.done = pid, 0.0, threading.Event()

    def run(self):
        with _admin_connection(COPY) as conn:
            while not self.done.is_set():
                row = conn.execute("SELECT extract(epoch FROM clock_timestamp() - xact_start) FROM pg_stat_activity "
                                   "WHERE pid = %s AND xact_start IS NOT NULL", [self.pid]).fetchone()
                if row and row[0] is not None:
                    self.longest = max(self.longest, float(row[0]))
                self.done.wait(0.1)


def _admin_connection(dbname: str):
    import psycopg
    from django.db import connection

    params = connection.settings_dict
    return psycopg.connect(dbname=dbname, user=params["USER"], password=params["PASSWORD"] or None,
                           host=params["HOST"] or None, port=params["PORT"] or None, autocommit=True)


def _use_copy_of_scale_db() -> None:
    """Point Django at a fresh copy of the scale database."""
    from django.db import connection

    connection.close()
    with _admin_connection("postgres") as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{COPY}"')
        admin.execute(f'CREATE DATABASE "{COPY}" TEMPLATE "{DB}"')
    connection.settings_dict["NAME"] = COPY


def _drop_copy() -> None:
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = DB
    with _admin_connection("postgres") as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{COPY}"')


def _jobs() -> list[tuple[str, object, str, object]]:
    """(name, model written, counts key of the rows written, call) of each job."""
    from django.conf import settings
    from django.utils import timezone

    from terminals.models import HealthFlag, RentCharge, WorkOrder
    from terminals.services.health import terminals_flag_stale
    from terminals.services.money import month_start, rent_charge_month
    from terminals.services.workorders import maintenance_create_due

    today = timezone.localdate()
    past_stale = today + timedelta(days=settings.ACQUIRER_TERMINAL_STALE_DAYS + 5)
    return [
        ("rent", RentCharge, "charged", lambda: rent_charge_month(month=month_start(today), today=today)),
        ("stale", HealthFlag, "flagged", lambda: terminals_flag_stale(today=past_stale)),
        ("maintenance", WorkOrder, "created", lambda: maintenance_create_due(today=today + timedelta(days=200))),
    ]


def measure_job(name: str, model, key: str, call) -> bool:
    """Run ``call`` watched by the sampler; then the floor: the rows it wrote copied by one INSERT ... SELECT."""
    from django.db import connection
    from django.db.models import Max

    table = model._meta.db_table
    last_id = model.objects.aggregate(top=Max("id"))["top"] or 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        sampler = TransactionSampler(cursor.fetchone()[0])
    before = rss_mb()
    reset_peak_rss()
    sampler.start()
    start = time.perf_counter()
    counts = call()
    seconds = time.perf_counter() - start
    sampler.done.set()
    sampler.join()
    growth = max(0.0, peak_rss_mb() - before)
    rows = counts[key]
    assert rows == model.objects.filter(id__gt=last_id).count() and rows > 0, counts
    floor = _insert_select(table, last_id)
    print(f"job {name}: {rows} rows in {seconds:.1f} s ({rows / seconds:,.0f} per second), {counts}", flush=True)
    passed = result(f"job_{name}", seconds / rows, floor / rows, RATE_GOAL)
    if name == "rent":  # the issue's own figure: 10,000 charges a second with their audit events
        passed &= result("job_rent_rate", seconds / rows, RENT_BUDGET_S, 1.0)
    passed &= result(f"job_{name}_longest_transaction", sampler.longest, LONGEST_TRANSACTION_S, 1.0)
    passed &= result(f"job_{name}_memory", growth, MEMORY_BUDGET_MB, 1.0)
    return passed


def _insert_select(table: str, last_id: int) -> float:
    """Seconds of one INSERT ... SELECT of the rows above ``last_id`` into an empty copy of ``table``."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE bench_floor (LIKE {table} INCLUDING ALL)")
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO bench_floor SELECT * FROM {table} WHERE id > %s", [last_id])
    seconds = time.perf_counter() - start
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_floor")
    return seconds


def main() -> int:
    cleanup = scale_db()
    try:
        _use_copy_of_scale_db()
        try:
            passed = True
            for job in _jobs():
                passed &= measure_job(*job)
        finally:
            _drop_copy()
        return 0 if passed else 1
    finally:
        cleanup()


if __name__ == "__main__":
    sys.exit(main())
