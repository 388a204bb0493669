"""How a scheduled job walks a large table: in batches by id (keyset), each batch its own short transaction.

``in_batches`` reads the next ``size`` rows after the last id seen, so memory stays flat whatever the table
size, no transaction stays open across batches, and a batch sees rows committed since the previous one. Jobs
write each batch idempotently (``ON CONFLICT DO NOTHING`` or a status check), so a run that stopped half way
is finished by running it again. While a job walks, the garbage collector leaves the objects that were there
before it alone (``_heap_frozen``).
"""

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings


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
