"""Jobs walk tables in keyset batches: every row once, in id order, a bounded number per query."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from acquirer.batches import each_batch, in_batches
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


def _audited_batch(batch):
    """A job's batch: one audited write per row, in the batch's own transaction, on this thread's connection."""
    import threading

    from django.db import transaction

    from acquirer import audit

    with transaction.atomic():
        audit.record_many([{"action": "audit.checkpoint_written", "data": {"n": pk}} for pk, in batch])
    return [pk for pk, in batch], threading.get_ident(), connection.in_atomic_block


def test_batches_on_worker_threads_each_commit_on_their_own_connection(transactional_db):
    import threading

    from acquirer import audit
    from acquirer.models import AuditEvent

    made = sorted(make_user().pk for _ in range(9))
    token = audit.set_origin(audit.Origin(source="task:bench"))
    try:
        results = list(each_batch(User.objects.filter(pk__in=made).values_list("id"), _audited_batch, size=2,
                                  workers=2))
    finally:
        audit.reset_origin(token)
    assert sorted(pk for pks, _thread, _atomic in results for pk in pks) == made  # every row once
    assert len(results) == 5 and {thread for _pks, thread, _atomic in results} - {threading.get_ident()}
    events = AuditEvent.objects.filter(action="audit.checkpoint_written", data__n__in=made)
    assert sorted(events.values_list("data__n", flat=True)) == made
    assert set(events.values_list("source", flat=True)) == {"task:bench"}  # the caller's origin went along
    assert audit.verify_chain().ok  # the chain lock ordered the two threads' events


def test_a_failing_batch_stops_the_walk_and_reaches_the_caller(transactional_db):
    made = sorted(make_user().pk for _ in range(8))

    def work(batch):
        if made[4] in [pk for pk, in batch]:
            raise ValueError("bad batch")
        return len(batch)

    import pytest

    with pytest.raises(ValueError, match="bad batch"):
        list(each_batch(User.objects.filter(pk__in=made).values_list("id"), work, size=2, workers=2))


def test_inside_a_transaction_the_batches_stay_in_it(db):
    made = sorted(make_user().pk for _ in range(3))
    results = list(each_batch(User.objects.filter(pk__in=made).values_list("id"), _audited_batch, size=2,
                              workers=2))
    assert [pks for pks, _thread, _atomic in results] == [made[:2], made[2:]]
    assert all(atomic for _pks, _thread, atomic in results)  # the test's transaction: same thread, same connection
