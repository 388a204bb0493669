"""Jobs walk tables in keyset batches: every row once, in id order, a bounded number per query."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from acquirer.batches import in_batches
from acquirer.models import User
from tests.factories import make_user


def test_every_row_once_in_id_order_in_bounded_batches(db):
    made = sorted(make_user().pk for _ in range(12))
    people = User.objects.filter(pk__in=made)
    with CaptureQueriesContext(connection) as queries:
        batches = list(in_batches(people, size=5))
    assert [len(batch) for batch in batches] == [5, 5, 2]
    assert [user.pk for batch in batches for user in batch] == made
    assert len(queries) == 3 and all("OFFSET" not in q["sql"] and "LIMIT 5" in q["sql"] for q in queries)


def test_values_rows_and_an_exact_multiple(db):
    made = sorted(make_user().pk for _ in range(4))
    batches = list(in_batches(User.objects.filter(pk__in=made).values("id", "username"), size=2))
    assert [[row["id"] for row in batch] for batch in batches] == [made[:2], made[2:]]
    assert list(in_batches(User.objects.none())) == []


def test_values_list_rows_start_with_the_id(db):
    made = sorted(make_user().pk for _ in range(5))
    batches = list(in_batches(User.objects.filter(pk__in=made).values_list("id", "username"), size=2))
    assert [[row[0] for row in batch] for batch in batches] == [made[:2], made[2:4], made[4:]]


def test_a_walk_freezes_the_heap_for_the_collector_and_gives_it_back(db):
    import gc

    made = [make_user().pk for _ in range(3)]
    assert gc.get_freeze_count() == 0
    for batch in in_batches(User.objects.filter(pk__in=made).values_list("id"), size=2):
        assert gc.get_freeze_count() > 0 and batch
        for _ in in_batches(User.objects.filter(pk__in=made).values_list("id"), size=2):  # a walk inside a walk
            pass
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0
