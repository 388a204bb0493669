"""The transactional outbox: how anything is queued for Celery after a commit.

:func:`enqueue` writes an :class:`~acquirer.models.OutboxMessage` in the caller's transaction, so the task
exists if and only if the change that asked for it committed. Right after the commit it is published with
the broker's short timeouts (``acquirer/celery.py``); a failure is recorded on the row and never reaches
the request. The ``outbox.relay`` job (every minute) publishes whatever is still pending, oldest first, in
batches of rows locked with ``SKIP LOCKED`` (two relays never send the same row), backing off per row, and
deletes sent rows after :data:`RETENTION`. A dead broker therefore delays work but fails no request.

Delivery is at least once (a crash between publishing and marking the row sent publishes it again), which
every task of the project tolerates: tasks take ids and are safe to run twice.
"""

import logging
import threading
import time
from datetime import timedelta

from django.db import transaction
from django.db.models import Count, Min, Q
from django.utils import timezone

from acquirer.models import OutboxMessage

log = logging.getLogger(__name__)

BATCH_SIZE = 100
MAX_BATCHES = 20
RETENTION = timedelta(days=7)
# After a failed publish a row waits 15 s, 30 s, 60 s … at most 10 minutes before the relay tries it again.
BACKOFF_BASE_SECONDS = 15
BACKOFF_MAX_SECONDS = 600
# After a failed publish, requests of this process stop trying to publish for a few seconds (the rows
# wait for the relay), so a broker that hangs costs one request its timeout, not every request.
SKIP_AFTER_FAILURE_SECONDS = 10
# A pending message older than this makes the health check say "degraded".
STALE_AFTER = timedelta(minutes=5)

_skip_until: dict[str, float] = {}
_skip_lock = threading.Lock()


def enqueue(task_name: str, kwargs: dict) -> OutboxMessage:
    """Queue Celery task ``task_name`` with ``kwargs`` (JSON) once the caller's transaction commits.

    Call it inside the transaction that makes the change (a service): the row commits or rolls back with
    it. The publish after commit takes at most about a second and never raises. An identical message
    (same task and kwargs) still waiting is not queued twice; that one is returned.
    """
    message = (OutboxMessage.objects.filter(task_name=task_name, kwargs=kwargs, sent_at__isnull=True)
               .order_by("id").first())
    if message is None:
        message = OutboxMessage.objects.create(task_name=task_name, kwargs=kwargs)
    transaction.on_commit(lambda: _send_after_commit(message))
    return message


def enqueue_many(task_name: str, kwargs_list: list[dict]) -> list[OutboxMessage]:
    """:func:`enqueue` for a batch job's messages, written with one insert. For messages known to be new
    (kwargs naming rows the batch just created), so there is no waiting twin to look for."""
    messages = OutboxMessage.objects.bulk_create([OutboxMessage(task_name=task_name, kwargs=kwargs)
                                                  for kwargs in kwargs_list])
    for message in messages:
        transaction.on_commit(lambda message=message: _send_after_commit(message))
    return messages


def _broker_key() -> str:
    from acquirer.celery import app

    return str(app.conf.broker_write_url or "")


def _skipping() -> bool:
    return _skip_until.get(_broker_key(), 0.0) > time.monotonic()


def _skip_for_a_while() -> None:
    with _skip_lock:
        _skip_until[_broker_key()] = time.monotonic() + SKIP_AFTER_FAILURE_SECONDS


def _send_after_commit(message: OutboxMessage) -> None:
    """Publish one message right after its commit; on any failure leave it to the relay."""
    if _skipping():
        return
    try:
        with transaction.atomic():
            row = (OutboxMessage.objects.select_for_update(skip_locked=True)
                   .filter(pk=message.pk, sent_at__isnull=True).first())
            if row is None:
                return  # already sent, or the relay holds it right now
            _publish(row)
        message.sent_at, message.attempts, message.last_error = row.sent_at, row.attempts, row.last_error
    except Exception:  # noqa: BLE001 - never fail the request that committed; the row stays pending
        log.exception("outbox: could not send message %s after commit", message.pk)


def _publish(row: OutboxMessage) -> bool:
    """Send one locked row to the broker and record the outcome on it."""
    from acquirer.celery import app

    now = timezone.now()
    row.attempts += 1
    try:
        app.send_task(row.task_name, kwargs=row.kwargs)
    except Exception as error:  # noqa: BLE001 - broker errors come in many classes; the row keeps the text
        row.last_error = f"{type(error).__name__}: {error}"[:1000]
        delay = min(BACKOFF_BASE_SECONDS * 2 ** (row.attempts - 1), BACKOFF_MAX_SECONDS)
        row.available_at = now + timedelta(seconds=delay)
        row.save(update_fields=["attempts", "last_error", "available_at"])
        _skip_for_a_while()
        log.warning("outbox: broker refused %s #%s (attempt %s): %s", row.task_name, row.pk, row.attempts,
                    row.last_error)
        return False
    row.sent_at = now
    row.last_error = ""
    row.save(update_fields=["attempts", "last_error", "sent_at"])
    return True


def outbox_relay(*, batch_size: int = BATCH_SIZE, max_batches: int = MAX_BATCHES) -> dict:
    """Publish pending messages that are due, oldest first; stop at the first broker failure.

    Each batch is one transaction holding its rows with ``SELECT … FOR UPDATE SKIP LOCKED``. Sent rows
    older than :data:`RETENTION` are deleted. Returns counts for the job run.
    """
    sent = failed = 0
    for _batch in range(max_batches):
        with transaction.atomic():
            rows = list(OutboxMessage.objects.select_for_update(skip_locked=True)
                        .filter(sent_at__isnull=True, available_at__lte=timezone.now())
                        .order_by("available_at", "id")[:batch_size])
            broker_down = False
            for row in rows:
                if _publish(row):
                    sent += 1
                else:
                    failed += 1
                    broker_down = True
                    break
        if broker_down or len(rows) < batch_size:
            break
    pruned, _detail = OutboxMessage.objects.filter(sent_at__lt=timezone.now() - RETENTION).delete()
    pending = OutboxMessage.objects.filter(sent_at__isnull=True).count()
    return {"sent": sent, "failed": failed, "pending": pending, "pruned": pruned}


def outbox_backlog() -> dict:
    """For the health check: how many messages wait, how long the oldest has, how many failed already."""
    now = timezone.now()
    stats = OutboxMessage.objects.filter(sent_at__isnull=True).aggregate(
        pending=Count("id"), failing=Count("id", filter=Q(attempts__gt=0)), oldest=Min("created_at"))
    oldest = stats["oldest"]
    return {"pending": stats["pending"], "failing": stats["failing"],
            "oldest_seconds": int((now - oldest).total_seconds()) if oldest else 0,
            "stale": bool(oldest and now - oldest > STALE_AFTER)}
