"""How a scheduled job walks a large table: in batches by id (keyset), each batch its own short transaction.

``in_batches`` reads the next ``size`` rows after the last id seen, so memory stays flat whatever the table
size, no transaction stays open across batches, and a batch sees rows committed since the previous one. Jobs
write each batch idempotently (``ON CONFLICT DO NOTHING`` or a status check), so a run that stopped half way
is finished by running it again.
"""

from collections.abc import Iterator

from django.conf import settings


def _pk(row):
    if isinstance(row, dict):
        return row["pk"] if "pk" in row else row["id"]
    return row.pk


def in_batches(queryset, size: int | None = None) -> Iterator[list]:
    """Lists of at most ``size`` rows (default ``ACQUIRER_BATCH_SIZE``) of ``queryset`` in ascending id order
    (model instances or ``values()`` dicts with ``id`` or ``pk``)."""
    size = size or settings.ACQUIRER_BATCH_SIZE
    last = None
    while True:
        page = queryset.order_by("pk") if last is None else queryset.filter(pk__gt=last).order_by("pk")
        rows = list(page[:size])
        if not rows:
            return
        yield rows
        if len(rows) < size:
            return
        last = _pk(rows[-1])
