"""How a scheduled job walks a large table: in batches by id (keyset), each batch its own short transaction.

``in_batches`` reads the next ``size`` rows after the last id seen, so memory stays flat whatever the table
size, no transaction stays open across batches, and a batch sees rows committed since the previous one. Jobs
write each batch idempotently (``ON CONFLICT DO NOTHING`` or a status check), so a run that stopped half way
is finished by running it again. While a job walks, the garbage collector leaves the objects that were there
before it alone (``_heap_frozen``).
"""

import contextvars
import gc
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connection, connections


def _pk(row):
    if isinstance(row, tuple):
        return row[0]
    if isinstance(row, dict):
        return row["pk"] if "pk" in row else row["id"]
    return row.pk


_frozen = {"depth": 0, "by_us": False}
_frozen_lock = threading.Lock()


@contextmanager
def _heap_frozen():
    """Keep the garbage collector off the objects that existed before the job (the application's modules,
    caches, ...) while it runs: a job allocates objects by the hundred thousand, which triggers full collections
    that each walk that whole heap again (a third of the rent job's time); frozen objects are skipped
    (``gc.freeze``), and the last job to end gives them back (``gc.unfreeze``), so nothing stays uncollected. A
    process that froze its heap itself (e.g. before forking workers) is left as it is."""
    with _frozen_lock:
        _frozen["depth"] += 1
        if _frozen["depth"] == 1 and gc.get_freeze_count() == 0:
            gc.freeze()
            _frozen["by_us"] = True
    try:
        yield
    finally:
        with _frozen_lock:
            _frozen["depth"] -= 1
            if _frozen["depth"] == 0 and _frozen["by_us"]:
                gc.unfreeze()
                _frozen["by_us"] = False


def in_batches(queryset, size: int | None = None) -> Iterator[list]:
    """Lists of at most ``size`` rows (default ``ACQUIRER_BATCH_SIZE``) of ``queryset`` in ascending id order
    (model instances, ``values()`` dicts with ``id`` or ``pk``, or ``values_list()`` tuples whose first value is
    the id: what a job that needs a few fields reads, without a model instance per row)."""
    size = size or settings.ACQUIRER_BATCH_SIZE
    last = None
    with _heap_frozen():
        while True:
            page = queryset.order_by("pk") if last is None else queryset.filter(pk__gt=last).order_by("pk")
            rows = list(page[:size])
            if not rows:
                return
            yield rows
            if len(rows) < size:
                return
            last = _pk(rows[-1])


_DONE = object()


def each_batch(queryset, work: Callable[[list], object], *, size: int | None = None,
               workers: int | None = None) -> Iterator:
    """``work(batch)`` for every batch of :func:`in_batches`, on ``workers`` threads (default
    ``ACQUIRER_JOB_WORKERS``), each with its own database connection; yields what each call returned, in the
    caller's thread, in the order the calls finish. ``work`` opens its own transaction and must not share
    mutable state: it returns what it counted and the caller adds it up.

    One job is Python and PostgreSQL taking turns; two workers overlap them (one builds and hashes a batch while
    the other's is written), and the audit chain lock still orders the events. At most two batches per worker
    are read ahead, so memory stays flat. Called inside a transaction (a caller's, or a test's), the batches run
    in that thread and that transaction: another connection would not see its rows."""
    workers = settings.ACQUIRER_JOB_WORKERS if workers is None else workers
    if workers <= 1 or connection.in_atomic_block:
        for batch in in_batches(queryset, size):
            yield work(batch)
        return
    todo: queue.Queue = queue.Queue(maxsize=workers * 2)
    done: queue.Queue = queue.Queue()
    failures: list[BaseException] = []

    def worker():
        try:
            while (batch := todo.get()) is not _DONE:
                if not failures:
                    try:
                        done.put(work(batch))
                    except BaseException as error:  # handed to the caller's thread below
                        failures.append(error)
        finally:
            connections.close_all()  # this thread's connection
            done.put(_DONE)

    # each thread runs in a copy of the caller's context: the audit origin ("task:…") and the language go along
    threads = [threading.Thread(target=contextvars.copy_context().run, args=(worker,), daemon=True)
               for _n in range(workers)]
    for thread in threads:
        thread.start()
    running, leftovers, batches = workers, [], in_batches(queryset, size)
    try:
        for batch in batches:
            if failures:
                break
            todo.put(batch)
            while not done.empty():
                result = done.get()
                if result is _DONE:
                    running -= 1
                else:
                    yield result
    finally:
        batches.close()
        for _thread in threads:
            todo.put(_DONE)
        while running:
            result = done.get()
            if result is _DONE:
                running -= 1
            else:
                leftovers.append(result)
        for thread in threads:
            thread.join()
    if failures:
        raise failures[0]
    yield from leftovers
