"""The transactional outbox: written in the caller's transaction, sent after commit, relayed while the broker
was down (oldest first, SKIP LOCKED, backoff), pruned after 7 days — and the only way anything is queued."""

import os
import re
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.utils import timezone

from acquirer import outbox, roles
from acquirer.celery import app
from acquirer.models import JobRun, Notification, OutboxMessage
from acquirer.schedule import JOBS, beat_schedule
from acquirer.services.notifications import notify
from tests.test_broker_down import broker_answers, broker_at, closed_broker, default_queue

ROOT = Path(__file__).resolve().parent.parent
EMAIL_TASK = "acquirer.tasks.send_notification_email"


@pytest.fixture
def published(monkeypatch):
    """What reaches the broker (Celery's publish, not our code), in order."""
    sent = []
    monkeypatch.setattr(app, "send_task", lambda name, **kw: sent.append((name, kw["kwargs"])))
    return sent


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_leaves_no_message_and_sends_nothing(users, published):
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(recipient=users["auditor"], kind="t", title="never")
        raise RuntimeError("the change failed")
    assert not OutboxMessage.objects.exists() and not Notification.objects.filter(kind="t").exists()
    assert published == []


@pytest.mark.django_db(transaction=True)
def test_a_committed_message_is_published_right_after_commit_and_marked_sent(users):
    ok, broker = broker_answers()
    if not ok or not os.environ.get("REDIS_URL"):
        pytest.skip(broker if not ok else "needs the real Redis broker to count what it holds")
    import redis

    queue = f"test-{uuid.uuid4().hex[:8]}"
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    try:
        with default_queue(queue):
            with transaction.atomic():
                note = notify(recipient=users["auditor"], kind="t", title="hello")
                assert client.llen(queue) == 0  # nothing before the commit
            assert client.llen(queue) == 1
    finally:
        client.delete(queue)
    message = OutboxMessage.objects.get(task_name=EMAIL_TASK, kwargs={"notification_id": note.pk})
    assert message.sent_at is not None and message.attempts == 1 and message.last_error == ""


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_the_commit_succeeds_fast_and_the_message_waits_with_backoff(users):
    with broker_at(closed_broker(11)):
        started = time.monotonic()
        with transaction.atomic():
            note = notify(recipient=users["auditor"], kind="t", title="hello")
        elapsed = time.monotonic() - started
    assert elapsed < 3.0  # a coarse failure-mode guard, not a speed test
    assert Notification.objects.filter(pk=note.pk).exists()
    message = OutboxMessage.objects.get(kwargs={"notification_id": note.pk})
    assert message.sent_at is None and message.attempts == 1 and "refused" in message.last_error.lower()
    assert message.available_at >= message.created_at + timedelta(seconds=outbox.BACKOFF_BASE_SECONDS)


@pytest.mark.django_db(transaction=True)
def test_after_a_failed_publish_this_process_leaves_new_messages_to_the_relay_for_a_few_seconds(users):
    with broker_at(closed_broker(13)):
        with transaction.atomic():
            first = outbox.enqueue("acquirer.tasks.verify_backup", {"n": 1})
        started = time.monotonic()
        with transaction.atomic():
            second = outbox.enqueue("acquirer.tasks.verify_backup", {"n": 2})
        assert time.monotonic() - started < 0.2  # no second wait on the dead broker
        first.refresh_from_db()
        second.refresh_from_db()
        assert first.attempts == 1 and second.attempts == 0 and second.sent_at is None
        assert second.available_at <= timezone.now()  # due for the relay at once
        assert outbox.outbox_relay()["failed"] == 1  # the relay itself always tries
    second.refresh_from_db()
    assert second.attempts == 1


@pytest.mark.django_db
def test_an_identical_waiting_message_is_not_queued_twice(users):
    first = outbox.enqueue("acquirer.tasks.verify_backup", {})
    assert outbox.enqueue("acquirer.tasks.verify_backup", {}) == first
    other = outbox.enqueue("acquirer.tasks.verify_backup", {"triggered_by": users["auditor"].pk})
    assert other != first and OutboxMessage.objects.count() == 2
    OutboxMessage.objects.filter(pk=first.pk).update(sent_at=timezone.now())
    assert outbox.enqueue("acquirer.tasks.verify_backup", {}) not in (first, other)  # sent ones don't count


@pytest.mark.django_db
def test_relay_sends_due_messages_oldest_first_and_records_a_job_run(published):
    from acquirer.tasks import relay_outbox

    now = timezone.now()
    later = OutboxMessage.objects.create(task_name="b", kwargs={"n": 2}, available_at=now - timedelta(minutes=1))
    earlier = OutboxMessage.objects.create(task_name="a", kwargs={"n": 1}, available_at=now - timedelta(minutes=5))
    OutboxMessage.objects.create(task_name="c", kwargs={"n": 3}, available_at=now + timedelta(minutes=5))
    counts = relay_outbox.apply().get()
    assert published == [("a", {"n": 1}), ("b", {"n": 2})]  # the backing-off one waits
    assert counts == {"sent": 2, "failed": 0, "pending": 1, "pruned": 0}
    earlier.refresh_from_db()
    later.refresh_from_db()
    assert earlier.sent_at and later.sent_at and earlier.attempts == 1
    run = JobRun.objects.get(job="outbox.relay")
    assert run.status == "succeeded" and run.counts == counts


@pytest.mark.django_db
def test_relay_sends_in_batches(published):
    for n in range(7):
        OutboxMessage.objects.create(task_name="t", kwargs={"n": n})
    counts = outbox.outbox_relay(batch_size=3, max_batches=2)
    assert [kwargs["n"] for _name, kwargs in published] == [0, 1, 2, 3, 4, 5]
    assert counts["sent"] == 6 and counts["pending"] == 1


@pytest.mark.django_db
def test_relay_stops_at_the_first_broker_failure_and_backs_off_that_message():
    first = OutboxMessage.objects.create(task_name="acquirer.tasks.clear_expired_sessions", kwargs={})
    others = [OutboxMessage.objects.create(task_name="acquirer.tasks.verify_backup", kwargs={"n": n})
              for n in range(3)]
    with broker_at(closed_broker(12)):
        started = time.monotonic()
        counts = outbox.outbox_relay()
        elapsed = time.monotonic() - started
    assert counts == {"sent": 0, "failed": 1, "pending": 4, "pruned": 0} and elapsed < 3.0
    first.refresh_from_db()
    assert first.attempts == 1 and first.available_at > timezone.now() and "refused" in first.last_error.lower()
    for other in others:
        other.refresh_from_db()
        assert other.attempts == 0 and other.sent_at is None  # not hammered while the broker is down


@pytest.mark.django_db
def test_each_failed_publish_doubles_the_wait_up_to_ten_minutes():
    waits = {}
    with broker_at(closed_broker(14)):
        for earlier_failures in (0, 2, 6):
            message = OutboxMessage.objects.create(task_name="t", kwargs={"n": earlier_failures},
                                                   attempts=earlier_failures)
            before = timezone.now()
            assert outbox.outbox_relay()["failed"] == 1  # the earlier ones now wait: only this one is due
            message.refresh_from_db()
            waits[earlier_failures] = round((message.available_at - before).total_seconds())
    assert 15 <= waits[0] <= 17 and 60 <= waits[2] <= 62 and 600 <= waits[6] <= 602


@pytest.mark.django_db(transaction=True)
def test_relay_skips_a_message_another_relay_holds(published):
    held = OutboxMessage.objects.create(task_name="held", kwargs={})
    free = OutboxMessage.objects.create(task_name="free", kwargs={})
    locked, release = threading.Event(), threading.Event()

    def other_relay():
        try:
            with transaction.atomic():
                OutboxMessage.objects.select_for_update().get(pk=held.pk)
                locked.set()
                release.wait(timeout=20)
        finally:
            connection.close()

    thread = threading.Thread(target=other_relay)
    thread.start()
    try:
        assert locked.wait(timeout=20)
        started = time.monotonic()
        counts = outbox.outbox_relay()
        assert time.monotonic() - started < 5  # did not wait for the lock
    finally:
        release.set()
        thread.join()
    assert published == [("free", {})] and counts["sent"] == 1 and counts["pending"] == 1
    held.refresh_from_db()
    free.refresh_from_db()
    assert held.sent_at is None and held.attempts == 0 and free.sent_at is not None


@pytest.mark.django_db
def test_relay_deletes_sent_messages_older_than_seven_days(published):
    now = timezone.now()
    old = OutboxMessage.objects.create(task_name="t", kwargs={"n": 1}, sent_at=now - timedelta(days=8))
    recent = OutboxMessage.objects.create(task_name="t", kwargs={"n": 2}, sent_at=now - timedelta(days=6))
    waiting = OutboxMessage.objects.create(task_name="t", kwargs={"n": 3}, created_at=now - timedelta(days=30),
                                           available_at=now + timedelta(minutes=5))
    assert outbox.outbox_relay()["pruned"] == 1
    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {recent.pk, waiting.pk}
    assert not OutboxMessage.objects.filter(pk=old.pk).exists()


@pytest.mark.django_db
def test_retry_email_job_queues_through_the_outbox_once_per_notification(users, settings):
    from acquirer.tasks import retry_notification_emails

    note = notify(recipient=users["auditor"], kind="t", title="hello")  # its message is still waiting
    Notification.objects.filter(pk=note.pk).update(created_at=note.created_at - timedelta(hours=1))
    assert retry_notification_emails.apply().get() == {"queued": 1}
    assert retry_notification_emails.apply().get() == {"queued": 1}
    assert OutboxMessage.objects.filter(task_name=EMAIL_TASK, kwargs={"notification_id": note.pk}).count() == 1


@pytest.mark.django_db
def test_a_failed_job_alert_is_queued_through_the_outbox(users):
    from acquirer.jobs import run_job

    with pytest.raises(RuntimeError):
        run_job("test.broken", lambda: (_ for _ in ()).throw(RuntimeError("disk full")))
    alert = Notification.objects.get(kind="job.failed", recipient=users[roles.OPERATIONS_MANAGER])
    assert OutboxMessage.objects.filter(task_name=EMAIL_TASK, kwargs={"notification_id": alert.pk}).exists()


def test_the_relay_is_a_scheduled_job_every_minute():
    import acquirer.tasks  # noqa: F401 - registers the tasks

    job = JOBS["outbox.relay"]
    assert job["task"] in app.tasks and job["period"] == 60
    assert beat_schedule()["outbox.relay"]["schedule"].remaining_estimate(timezone.now()) <= timedelta(minutes=1)


def test_no_code_publishes_to_the_broker_except_the_outbox():
    """`.delay()`, `.apply_async()` and `send_task` would fail a request while the broker is down."""
    pattern = re.compile(r"\.delay\(|\.apply_async\(|\bsend_task\(")
    offenders = []
    for app_dir in ("acquirer", "merchants", "terminals", "transactions", "complaints", "compliance"):
        for path in (ROOT / app_dir).rglob("*.py"):
            if path.name == "outbox.py" or "migrations" in path.parts:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if pattern.search(line) and not line.lstrip().startswith("#"):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []
