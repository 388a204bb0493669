"""Monthly partitions of the ledger: created ahead by a daily job, never a default partition."""

from datetime import date

from django.db import connection
from django.utils import timezone

MONTHS_AHEAD = 3


def _add_months(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def partitions_ensure(*, today: date | None = None, months_ahead: int = MONTHS_AHEAD) -> dict:
    """Create the partitions from this month to ``months_ahead`` months on (idempotent)."""
    today = today or timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute("SELECT transactions_ensure_partitions(%s, %s)",
                       [today.replace(day=1), _add_months(today.replace(day=1), months_ahead)])
        created = cursor.fetchone()[0]
    return {"created": created}


def partition_months() -> list[date]:
    """The first day of every month that has a partition, in order."""
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT to_date(substring(c.relname FROM 'y([0-9]{4}m[0-9]{2})$'), 'YYYY"m"MM')
            FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'transactions_transaction'::regclass ORDER BY 1""")
        return [row[0] for row in cursor.fetchall()]
