"""Reconciliation scales out: the chunks are Celery tasks that any worker takes. The same day split in 1 chunk and
in 8 chunks, run by two real worker processes on one queue, gives exactly the same summaries and breaks; a broker
that is down does not fail the start."""

import os
import subprocess
import sys
import time
import uuid
from contextlib import ExitStack, contextmanager
from datetime import date, timedelta

import pytest
from django.db import connection

from acquirer import roles
from acquirer.models import OutboxMessage
from terminals.models import Terminal
from tests.celery_worker import broker_answers
from tests.terminals.factories import make_terminal
from tests.test_broker_down import broker_at, closed_broker, default_queue
from tests.transactions.factories import live_merchant_with_terminal, make_transaction
from tests.transactions.recon_factories import make_clearing, make_ingest_file
from transactions.models import ReconChunk, ReconException, ReconRun, ReconSummary
from transactions.services.recon import recon_start

DAY = date.today() - timedelta(days=4)


@contextmanager
def worker(queue: str, name: str, log_path):
    """A real Celery worker process on the test database, consuming ``queue``, named ``name`` (two of them on one
    queue need their own names), taking one task at a time."""
    db = connection.settings_dict
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "acquirer.settings.test",
           "DATABASE_URL": "postgres://{}@{}:{}/{}".format(
               db["USER"], (db["HOST"] or "localhost").replace("/", "%2F"), db["PORT"] or 5432, db["NAME"])}
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "acquirer", "worker", "-P", "solo", "-Q", queue, "-l", "INFO",
         "--prefetch-multiplier", "1", "--without-gossip", "--without-mingle", "--without-heartbeat",
         "-n", f"{name}@%h"], env=env, stdout=log_path.open("w"), stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_ready(logs, seconds: int = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if all(" ready." in log.read_text() for log in logs):
            return
        time.sleep(0.3)
    raise AssertionError("workers not ready:\n" + "\n".join(log.read_text()[-2000:] for log in logs))


def _wait_done(run: ReconRun, logs, seconds: int = 120) -> ReconRun:
    deadline = time.time() + seconds
    while time.time() < deadline:
        run.refresh_from_db()
        if run.status in (ReconRun.Status.DONE, ReconRun.Status.FAILED):
            return run
        time.sleep(0.3)
    raise AssertionError(f"run still {run.status}:\n" + "\n".join(log.read_text()[-3000:] for log in logs))


def _seed(merchant_a, merchant_b, manager) -> None:
    """Two merchants, 400 ledger rows and their clearing records, with breaks of every kind planted."""
    file = make_ingest_file(business_date=DAY)
    for merchant in (merchant_a, merchant_b):
        merchant, terminal = live_merchant_with_terminal(merchant, manager)
        other = make_terminal(status=Terminal.Status.ACTIVE, merchant=merchant)
        for n in range(200):
            row = make_transaction(merchant=merchant, terminal=terminal if n % 2 else other, local_date=DAY,
                                   amount_minor=100 + n, rrn=f"{merchant.pk:04d}{n:08d}")
            if n % 37 == 1:
                continue  # missing on their side
            amount = row["amount_minor"] + (5 if n % 41 == 2 else 0)  # amount mismatch
            make_clearing(ingest_file=file, row=row, amount_minor=amount)
            if n % 43 == 3:
                make_clearing(ingest_file=file, row=row, stan="999999")  # duplicate on their side
        for n in range(7):  # missing on our side
            make_clearing(ingest_file=file, local_date=DAY, mid=merchant.mid, tid=terminal.tid,
                          rrn=f"{merchant.pk:04d}{900 + n:08d}", amount_minor=50 + n, merchant_id=merchant.pk)


def _result(run: ReconRun):
    summaries = {}
    for row in ReconSummary.objects.filter(run=run).values("merchant_id", "category", "count", "ours_minor",
                                                           "theirs_minor"):
        key = (row["merchant_id"], row["category"])
        total = summaries.setdefault(key, [0, 0, 0])
        total[0] += row["count"]
        total[1] += row["ours_minor"]
        total[2] += row["theirs_minor"]
    breaks = set(ReconException.objects.filter(run=run).values_list(
        "category", "merchant_id", "mid", "tid", "rrn", "transaction_id", "clearing_record_id", "ours_minor",
        "theirs_minor", "difference_minor"))
    return summaries, breaks


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_one_chunk_and_eight_chunks_on_two_workers_give_the_same_result(users, merchant_a, merchant_b, tmp_path):
    ok, broker = broker_answers()
    if not ok:
        pytest.skip(broker)
    _seed(merchant_a, merchant_b, users[roles.OPERATIONS_MANAGER])
    queue = f"test-{uuid.uuid4().hex[:8]}"
    logs = [tmp_path / "worker1.log", tmp_path / "worker2.log"]
    with ExitStack() as stack:
        for number, log in enumerate(logs, 1):
            stack.enter_context(worker(queue, f"recon{number}-{queue}", log))
        stack.enter_context(default_queue(queue))
        _wait_ready(logs)
        one = _wait_done(recon_start(side="clearing", business_date=DAY, chunks=1), logs)
        assert one.status == ReconRun.Status.DONE, one.message
        expected = _result(one)
        # the same inputs are not reconciled twice: set the first run aside to run the day again in 8 chunks
        ReconException.objects.filter(run=one).delete()
        ReconSummary.objects.filter(run=one).delete()
        ReconChunk.objects.filter(run=one).delete()
        one.delete()
        eight = _wait_done(recon_start(side="clearing", business_date=DAY, chunks=8), logs)
    assert eight.status == ReconRun.Status.DONE, eight.message
    assert _result(eight) == expected
    summaries, breaks = expected
    categories = {category for _merchant, category in summaries}
    assert categories == {"matched", "amount_mismatch", "missing_ours", "missing_theirs", "duplicate"}
    assert len(breaks) == 2 * (6 + 5 + 5 + 7)  # per merchant: 6 missing theirs, 5 mismatches, 5 duplicates, 7 ours
    chunks = list(eight.chunk_set.values_list("status", "worker"))
    assert len(chunks) == 8 and {status for status, _w in chunks} == {"done"}
    workers = {name.split("@")[0] for _s, name in chunks}
    assert workers <= {f"recon1-{queue}", f"recon2-{queue}"} and len(workers) == 2, workers
    assert eight.totals["matched"]["count"] == summaries_count(summaries, "matched")


def summaries_count(summaries, category) -> int:
    return sum(value[0] for (merchant, cat), value in summaries.items() if cat == category)


@pytest.mark.django_db(transaction=True)
def test_a_start_with_the_broker_down_commits_and_waits_for_the_relay(users, merchant_a):
    manager = users[roles.OPERATIONS_MANAGER]
    merchant, terminal = live_merchant_with_terminal(merchant_a, manager)
    make_transaction(merchant=merchant, terminal=terminal, local_date=DAY)
    with broker_at(closed_broker(7)):
        started = time.monotonic()
        run = recon_start(side="clearing", business_date=DAY, actor=manager, chunks=3)
        assert time.monotonic() - started < 3.0
    run.refresh_from_db()
    assert run.status == ReconRun.Status.QUEUED and run.chunk_set.count() == 3
    messages = OutboxMessage.objects.filter(task_name="transactions.tasks.recon_chunk")
    assert messages.count() == 3 and not messages.filter(sent_at__isnull=False).exists()


def _set_aside(run: ReconRun) -> None:
    ReconException.objects.filter(run=run).delete()
    ReconSummary.objects.filter(run=run).delete()
    ReconChunk.objects.filter(run=run).delete()
    run.delete()


@pytest.mark.django_db(transaction=True)
def test_a_waited_run_works_its_chunks_on_threads_with_the_same_result(users, merchant_a, merchant_b, settings):
    """``wait=True`` outside a transaction: the chunks run side by side on ``ACQUIRER_JOB_WORKERS`` threads, each
    with its own connection, and give what one chunk gives; the last chunk to finish finishes the run."""
    settings.ACQUIRER_JOB_WORKERS = 2
    with connection.cursor() as cursor:  # the ledger is unmanaged: a transactional test before may have left rows
        cursor.execute("DELETE FROM transactions_transaction WHERE local_date = %s", [DAY])
    _seed(merchant_a, merchant_b, users[roles.OPERATIONS_MANAGER])
    one = recon_start(side="clearing", business_date=DAY, chunks=1, wait=True)
    assert one.status == ReconRun.Status.DONE, one.message
    expected = _result(one)
    _set_aside(one)
    five = recon_start(side="clearing", business_date=DAY, chunks=5, wait=True)
    assert five.status == ReconRun.Status.DONE, five.message
    assert _result(five) == expected
    assert set(five.chunk_set.values_list("status", flat=True)) == {"done"}
    assert five.totals["matched"]["count"] == summaries_count(expected[0], "matched")
    _set_aside(five)
    default = recon_start(side="clearing", business_date=DAY, wait=True)  # one chunk per worker
    assert default.chunks == 2 and _result(default) == expected
