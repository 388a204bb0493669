"""Redis (cache and Celery broker) down: sign-in still works, a committed request never fails for it, "run
now" answers at once, and /healthz says "degraded" — with details only for staff and the monitoring token.

A dead Redis is a closed port (nothing listens on 127.0.0.1:1); "back" is the real Redis at REDIS_URL.
"""

import os
import time
import uuid
from contextlib import contextmanager

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from acquirer import roles
from acquirer.celery import app
from acquirer.models import AuditEvent, JobRun, Notification, OutboxMessage
from terminals.models import Terminal, Ticket
from tests.celery_worker import broker_answers, real_worker
from tests.factories import PASSWORD, make_user
from tests.terminals.factories import make_terminal

LOGIN = "/accounts/login/"
CLOSED_PORT_FAILURE = 3.0  # seconds: a coarse failure-mode guard, not a speed test
TOKEN = "monitor-token-7f3c1a9e5b2d4c6f8a0e"


def closed_broker(db: int) -> str:
    """A broker URL at a closed port; each test takes its own db number (a failed publish makes a process skip
    publishing to that URL for a few seconds, see acquirer/outbox.py)."""
    return f"redis://127.0.0.1:1/{db}"


def closed_cache(db: int, **extra) -> dict:
    """A ResilientRedisCache at a closed port; each test takes its own db number (its own outage state)."""
    return {"default": {"BACKEND": "acquirer.cache.ResilientRedisCache", "LOCATION": f"redis://127.0.0.1:1/{db}",
                        **extra}}


def _forget_broker_pools() -> None:
    """The app caches its connection pools; kombu keeps one per URL, so they are found again, not closed."""
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def broker_at(url: str):
    """Point the Celery app's broker at ``url`` for the block (a closed port simulates a dead broker)."""
    saved = app.conf.broker_url
    _forget_broker_pools()
    app.conf.broker_url = url
    try:
        yield
    finally:
        _forget_broker_pools()
        app.conf.broker_url = saved


@contextmanager
def default_queue(queue: str):
    """Publish to ``queue`` for the block, so only this test's worker takes what is sent."""
    saved = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        yield
    finally:
        app.conf.task_default_queue = saved


def english(client: Client) -> Client:
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


# --- 1. sign-in with the cache down ------------------------------------------------------------

@pytest.mark.django_db
def test_login_through_the_real_page_works_while_the_redis_cache_is_down(settings):
    settings.CACHES = closed_cache(1)
    user = make_user()
    started = time.monotonic()
    response = Client().post(LOGIN, {"login": user.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert response.wsgi_request.session["_auth_user_id"] == str(user.pk)
    assert time.monotonic() - started < CLOSED_PORT_FAILURE
    assert AuditEvent.objects.filter(action="user.login", actor=user).exists()
    assert cache.degraded


@pytest.mark.django_db
def test_login_rate_limit_still_holds_per_process_while_the_cache_is_down(settings):
    settings.CACHES = closed_cache(2)
    user = make_user()
    for i in range(20):
        Client(REMOTE_ADDR="10.9.9.9").post(LOGIN, {"login": f"someone{i}", "password": "wrong-password-1"})
    refused = Client(REMOTE_ADDR="10.9.9.9").post(LOGIN, {"login": user.username, "password": PASSWORD})
    assert refused.status_code in (200, 429) and "_auth_user_id" not in refused.wsgi_request.session
    assert Client(REMOTE_ADDR="10.9.9.10").post(LOGIN, {"login": user.username,
                                                        "password": PASSWORD}).status_code == 302


@pytest.mark.django_db
def test_cache_outage_is_logged_once_and_values_live_in_local_memory(settings, caplog):
    settings.CACHES = closed_cache(3, RETRY_AFTER=0)  # retry Redis on every call: still one log line
    for n in range(5):
        cache.set(f"k{n}", n)
    assert [cache.get(f"k{n}") for n in range(5)] == [0, 1, 2, 3, 4]
    assert cache.add("k0", "again") is False and cache.incr("k1", 10) == 11
    with pytest.raises(ValueError):
        cache.incr("missing")  # Django's contract is kept: incr of a missing key raises
    outage_lines = [r for r in caplog.records if r.name == "acquirer.cache" and "unreachable" in r.getMessage()]
    assert len(outage_lines) == 1 and "127.0.0.1:1/3" in outage_lines[0].getMessage()


@pytest.mark.django_db
def test_the_cache_uses_redis_and_reports_ok_when_redis_answers(settings):
    url = os.environ.get("REDIS_URL", "")
    if not url or not broker_answers()[0]:
        pytest.skip("needs the real Redis at REDIS_URL")
    settings.CACHES = {"default": {"BACKEND": "acquirer.cache.ResilientRedisCache", "LOCATION": url,
                                   "KEY_PREFIX": f"test-{uuid.uuid4().hex[:8]}"}}
    cache.set("probe", "from redis", 30)
    import redis

    assert any(redis.Redis.from_url(url).scan_iter(match=f"{cache.key_prefix}:*"))
    assert cache.get("probe") == "from redis" and not cache.degraded
    cache.delete("probe")


# --- 2. a committed request never fails because the broker is down ---------------------------

@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_fault_report_with_the_broker_down_succeeds_and_its_email_goes_out_once_the_broker_is_back(
        users, merchant_a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    terminal = make_terminal(status=Terminal.Status.ACTIVE, merchant=merchant_a)
    client = english(Client())
    client.force_login(users["merchant_a"])
    with broker_at(closed_broker(1)):
        started = time.monotonic()
        response = client.post(reverse("portal:ticket-create"), {
            "terminal": terminal.pk, "category": "hardware", "severity": "high",
            "description": "The terminal does not read chip cards"})
        elapsed = time.monotonic() - started
    ticket = Ticket.objects.get()  # exactly one: the merchant saw success, nothing to retry
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:ticket-detail", kwargs={"pk": ticket.pk})
    assert elapsed < CLOSED_PORT_FAILURE
    page = client.get(response["Location"]).content.decode()
    assert f"your fault report is ticket {ticket.number}" in page
    notice = Notification.objects.get(kind="ticket.raised", recipient=users[roles.CUSTOMER_SERVICE])
    assert notice.email_status == Notification.Email.PENDING
    message = OutboxMessage.objects.get(task_name="acquirer.tasks.send_notification_email",
                                        kwargs={"notification_id": notice.pk})
    assert message.sent_at is None and message.attempts == 1 and "refused" in message.last_error.lower()
    assert message.available_at > message.created_at  # backs off before the relay tries again

    ok, broker = broker_answers()
    if not ok:
        pytest.skip(broker)
    queue = f"test-{uuid.uuid4().hex[:8]}"
    OutboxMessage.objects.update(available_at=timezone.now())  # the backoff is over
    from acquirer.tasks import relay_outbox

    log = tmp_path / "worker.log"
    with real_worker(queue, log), default_queue(queue):
        counts = relay_outbox.apply().get()
        assert counts["sent"] >= 1 and counts["failed"] == 0 and counts["pending"] == 0
        deadline = time.time() + 60
        while time.time() < deadline:
            notice.refresh_from_db()
            if notice.email_status != Notification.Email.PENDING:
                break
            time.sleep(0.5)
    assert notice.email_status == Notification.Email.SENT, f"worker log:\n{log.read_text()[-3000:]}"
    message.refresh_from_db()
    assert message.sent_at is not None and message.attempts == 2 and message.last_error == ""
    run = JobRun.objects.get(job="outbox.relay")
    assert run.status == "succeeded" and run.counts["sent"] == counts["sent"]
    assert Ticket.objects.count() == 1


# --- 3. "run now" with the broker down ---------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_run_now_with_the_broker_down_answers_at_once_and_says_the_job_waits_for_the_queue(clients, users):
    manager = english(clients[roles.OPERATIONS_MANAGER])
    with broker_at(closed_broker(2)):
        started = time.monotonic()
        response = manager.post(reverse("ops:job-run", kwargs={"job": "audit.verify_chain"}))
        elapsed = time.monotonic() - started
    assert response.status_code == 302 and response["Location"] == reverse("ops:job-list")
    assert elapsed < CLOSED_PORT_FAILURE
    page = manager.get(response["Location"]).content.decode()
    assert "The task queue is unreachable right now. Job Audit trail verification is saved" in page
    assert "alert-warning" in page
    message = OutboxMessage.objects.get(task_name="acquirer.tasks.verify_audit_chain")
    assert message.sent_at is None and message.kwargs == {"triggered_by": users[roles.OPERATIONS_MANAGER].pk}
    assert AuditEvent.objects.filter(action="job.run_requested", data__job="audit.verify_chain").exists()


@pytest.mark.django_db(transaction=True)
def test_run_now_with_the_broker_up_says_queued_and_marks_the_message_sent(clients, users, monkeypatch):
    sent = []
    monkeypatch.setattr(app, "send_task", lambda name, **kw: sent.append((name, kw)))  # the broker, not our code
    manager = english(clients[roles.OPERATIONS_MANAGER])
    response = manager.post(reverse("ops:job-run", kwargs={"job": "sessions.clear_expired"}), follow=True)
    assert "Job Clear expired sessions queued" in response.content.decode()
    assert sent == [("acquirer.tasks.clear_expired_sessions",
                     {"kwargs": {"triggered_by": users[roles.OPERATIONS_MANAGER].pk}})]
    assert OutboxMessage.objects.get(task_name="acquirer.tasks.clear_expired_sessions").sent_at is not None


# --- 4. /healthz: a status for everyone, details for staff and the monitoring token ------------

DETAIL_KEYS = {"status", "time", "database", "broker", "cache", "outbox", "backups", "jobs"}


@pytest.mark.django_db
def test_healthz_tells_anonymous_callers_only_the_status(client, settings):
    settings.ACQUIRER_HEALTHZ_TOKEN = TOKEN
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json().keys() == {"status"}
    assert response.json()["status"] in ("ok", "degraded")
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


@pytest.mark.django_db
@pytest.mark.parametrize("header", [f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", "Bearer ", TOKEN, f"Basic {TOKEN}"])
def test_healthz_with_a_wrong_token_tells_only_the_status(client, settings, header):
    settings.ACQUIRER_HEALTHZ_TOKEN = TOKEN
    response = client.get("/healthz", headers={"Authorization": header})
    assert response.json().keys() == {"status"}


@pytest.mark.django_db
def test_healthz_without_a_configured_token_accepts_no_bearer(client, settings):
    settings.ACQUIRER_HEALTHZ_TOKEN = ""
    assert client.get("/healthz", headers={"Authorization": "Bearer "}).json().keys() == {"status"}


@pytest.mark.django_db
def test_healthz_with_the_monitoring_token_gives_every_detail(client, settings):
    from acquirer.tasks import clear_expired_sessions

    settings.ACQUIRER_HEALTHZ_TOKEN = TOKEN
    clear_expired_sessions.apply()
    body = client.get("/healthz", headers={"Authorization": f"Bearer {TOKEN}"}).json()
    assert body.keys() == DETAIL_KEYS
    assert body["database"] is True and body["cache"] == "ok"
    assert body["jobs"]["sessions.clear_expired"]["last_outcome"] == "succeeded"
    assert set(body["jobs"]) >= {"outbox.relay", "backups.nightly"}
    assert body["outbox"] == {"pending": 0, "failing": 0, "oldest_seconds": 0, "stale": False}


@pytest.mark.django_db
def test_healthz_gives_details_to_staff_but_not_to_merchants_or_auditors(clients):
    assert clients[roles.FIELD_ENGINEER].get("/healthz").json().keys() == DETAIL_KEYS
    for actor in ("merchant_a", "auditor"):
        assert clients[actor].get("/healthz").json().keys() == {"status"}, actor


@pytest.mark.django_db
def test_healthz_gives_no_details_to_staff_who_skipped_a_required_second_factor(clients, settings):
    settings.ACQUIRER_REQUIRE_MFA = True
    assert clients[roles.FIELD_ENGINEER].get("/healthz").json().keys() == {"status"}


@pytest.mark.django_db
def test_healthz_says_degraded_with_200_when_broker_and_cache_are_down_and_the_outbox_is_stale(
        clients, client, settings):
    from acquirer import outbox

    settings.CACHES = closed_cache(4)
    with broker_at(closed_broker(3)):
        outbox.enqueue("acquirer.tasks.clear_expired_sessions", {})
        OutboxMessage.objects.update(created_at=timezone.now() - outbox.STALE_AFTER * 2)
        anonymous = client.get("/healthz")
        staff = clients[roles.OPERATIONS_MANAGER].get("/healthz")
    assert anonymous.status_code == 200 and anonymous.json() == {"status": "degraded"}
    body = staff.json()
    assert staff.status_code == 200 and body["status"] == "degraded"
    assert body["broker"] is False and body["cache"] == "degraded"
    assert body["outbox"]["pending"] == 1 and body["outbox"]["stale"] is True
