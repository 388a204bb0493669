"""Per-day number sequences (``WO-20261123-0001``): one ``DailyCounter`` row per sequence and day.

:func:`next_numbers` takes the next numbers with one upsert (``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``):
concurrent callers queue on the counter row until the first one commits, so numbers never repeat, and a
rolled-back transaction gives its numbers back. The first use of a day starts after ``start()`` (e.g. the
highest number already written that day before the counter existed).
"""

from collections.abc import Callable
from datetime import date

from django.db import connection

from acquirer.models import DailyCounter

_TABLE = DailyCounter._meta.db_table
_BUMP = f"UPDATE {_TABLE} SET value = value + %s WHERE name = %s AND day = %s RETURNING value"
_UPSERT = (f"INSERT INTO {_TABLE} (name, day, value) VALUES (%s, %s, %s) ON CONFLICT (name, day) "
           f"DO UPDATE SET value = {_TABLE}.value + %s RETURNING value")


def next_numbers(name: str, day: date, count: int = 1, *, start: Callable[[], int] = lambda: 0) -> range:
    """``count`` consecutive numbers of sequence ``name`` on ``day``; call inside the caller's transaction
    (the counter row stays locked until it ends)."""
    with connection.cursor() as cursor:
        cursor.execute(_BUMP, [count, name, day])
        row = cursor.fetchone()
        if row is None:
            cursor.execute(_UPSERT, [name, day, start() + count, count])
            row = cursor.fetchone()
    return range(row[0] - count + 1, row[0] + 1)


def next_number(name: str, day: date, *, start: Callable[[], int] = lambda: 0) -> int:
    """The next number of sequence ``name`` on ``day`` (see :func:`next_numbers`)."""
    return next_numbers(name, day, start=start)[0]
