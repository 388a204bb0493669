"""The ledger's monthly partitions: created ahead by the daily job, idempotently, without blocking readers."""

from datetime import date

import pytest
from django.db import connection

from acquirer.models import JobRun
from transactions.services.partitions import partition_months, partitions_ensure
from transactions.tasks import partitions_ensure as partitions_task

pytestmark = pytest.mark.django_db


def test_partitions_are_created_three_months_ahead_once():
    first = partitions_ensure(today=date(2031, 6, 15))
    assert first == {"created": 4}  # June to September 2031
    assert {date(2031, m, 1) for m in range(6, 10)} <= set(partition_months())
    assert partitions_ensure(today=date(2031, 6, 20)) == {"created": 0}


def test_a_new_partition_is_attached_with_the_ledgers_indexes_and_checks():
    partitions_ensure(today=date(2032, 1, 10), months_ahead=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE relname = %s",
                       ["transactions_transaction_y2032m01"])
        assert cursor.fetchone()[0] == "FOR VALUES FROM ('2032-01-01') TO ('2032-02-01')"
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE tablename = 'transactions_transaction'")
        parent_indexes = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE tablename = 'transactions_transaction_y2032m01'")
        assert cursor.fetchone()[0] == parent_indexes
        cursor.execute("SELECT count(*) FROM pg_constraint "
                       "WHERE conrelid = 'transactions_transaction_y2032m01'::regclass AND conname LIKE '%%_bound'")
        assert cursor.fetchone()[0] == 0  # the temporary bound check is gone


def test_creating_a_partition_never_locks_readers_out():
    """Attaching takes SHARE UPDATE EXCLUSIVE on the ledger, which reads (and pg_dump) do not conflict with."""
    partitions_ensure(today=date(2033, 3, 1), months_ahead=0)
    with connection.cursor() as cursor:
        cursor.execute("""SELECT mode FROM pg_locks WHERE pid = pg_backend_pid()
                          AND relation = 'transactions_transaction'::regclass""")
        modes = {row[0] for row in cursor.fetchall()}
    assert "AccessExclusiveLock" not in modes and "ExclusiveLock" not in modes


def test_the_daily_job_records_a_run():
    partitions_task.apply()
    run = JobRun.objects.get(job="transactions.partitions")
    assert run.status == "succeeded" and "created" in run.counts
