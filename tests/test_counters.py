"""Per-day number sequences (``acquirer.counters``): sequential under concurrency, starting after a given number
on a day's first use."""

import threading
from datetime import date

import pytest
from django.db import connection, transaction

from acquirer.counters import next_number, next_numbers
from acquirer.models import DailyCounter

DAY = date(2026, 11, 23)


@pytest.mark.django_db
def test_numbers_follow_each_other_per_name_and_day_and_start_after_the_given_start():
    assert [next_number("a", DAY) for _ in range(3)] == [1, 2, 3]
    assert next_number("a", date(2026, 11, 24)) == 1
    assert list(next_numbers("b", DAY, 3, start=lambda: 7)) == [8, 9, 10]
    assert next_number("b", DAY, start=lambda: 100) == 11  # the start only counts on the day's first use
    assert DailyCounter.objects.get(name="b", day=DAY).value == 11


@pytest.mark.django_db(transaction=True)
def test_numbers_are_sequential_under_concurrency():
    taken, errors = [], []
    start = threading.Barrier(8)

    def take():
        try:
            start.wait()
            for _ in range(10):
                with transaction.atomic():
                    taken.append(next_number("concurrent", DAY))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors and sorted(taken) == list(range(1, 81))
