"""What the database keeps for the reconciliation as rows are written: the ``repeated`` mark on keys that are not
alone on their side (so every other key is matched by one hash join), and the change log a run's fingerprint is
read from. Both are written by triggers, for every writer: these tests write with plain SQL and the ORM."""

import threading
import time
from datetime import date, timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections, transaction

from tests.transactions.factories import live_merchant_with_terminal, make_transaction
from tests.transactions.recon_factories import make_clearing, make_ingest_file
from transactions.models import ClearingRecord, InputChange, ReconException, ReconRun, Transaction
from transactions.services.recon import recon_start

DAY = date.today() - timedelta(days=3)


@pytest.fixture
def shop(merchant_a, users):
    from acquirer import roles

    return live_merchant_with_terminal(merchant_a, users[roles.OPERATIONS_MANAGER])


def _repeated(model, rrn: str) -> list[bool]:
    return sorted(model.objects.filter(rrn=rrn).values_list("repeated", flat=True))


@pytest.mark.django_db
def test_a_key_on_two_ledger_rows_of_one_day_marks_both_and_nothing_else(shop):
    merchant, terminal = shop
    for stan in ("000001", "000002"):
        make_transaction(merchant=merchant, terminal=terminal, local_date=DAY, rrn="RTWICE", stan=stan)
    make_transaction(merchant=merchant, terminal=terminal, local_date=DAY, rrn="RALONE")
    # the same key the next day, and a void of the lone sale (never reconciled): nothing repeated
    make_transaction(merchant=merchant, terminal=terminal, local_date=DAY + timedelta(days=1), rrn="RALONE")
    make_transaction(merchant=merchant, terminal=terminal, local_date=DAY, rrn="RALONE", type="void",
                     amount_minor=-10000)
    assert _repeated(Transaction, "RTWICE") == [True, True]
    assert _repeated(Transaction, "RALONE") == [False, False, False]


@pytest.mark.django_db
def test_clearing_records_of_one_key_within_the_horizon_are_marked(shop):
    merchant, terminal = shop
    file = make_ingest_file(business_date=DAY)
    key = {"mid": merchant.mid, "tid": terminal.tid, "merchant_id": merchant.pk, "amount_minor": 100}
    make_clearing(ingest_file=file, local_date=DAY, rrn="RNEAR", **key)
    make_clearing(ingest_file=file, local_date=DAY + timedelta(days=14), rrn="RNEAR", **key)
    make_clearing(ingest_file=file, local_date=DAY, rrn="RFAR", **key)
    make_clearing(ingest_file=file, local_date=DAY + timedelta(days=15), rrn="RFAR", **key)
    assert _repeated(ClearingRecord, "RNEAR") == [True, True]
    assert _repeated(ClearingRecord, "RFAR") == [False, False]


@pytest.mark.django_db
def test_a_wider_window_than_the_marks_cover_is_refused(settings, shop):
    settings.ACQUIRER_RECON_WINDOW_DAYS = 8
    with pytest.raises(ImproperlyConfigured, match="0 to 7"):
        recon_start(side="clearing", business_date=DAY, wait=True)


@pytest.mark.django_db
def test_a_voided_original_changes_the_inputs(shop):
    """A void arriving later marks its original voided: the fingerprint (the change log) moves, the run is made
    again, and the clearing record of the voided sale is now one our side does not have."""
    merchant, terminal = shop
    file = make_ingest_file(business_date=DAY)
    sale = make_transaction(merchant=merchant, terminal=terminal, local_date=DAY, rrn="RVOIDME", amount_minor=800)
    make_clearing(ingest_file=file, row=sale)
    first = recon_start(side="clearing", business_date=DAY, chunks=1, wait=True)
    assert not ReconException.objects.filter(run=first).exists()
    assert recon_start(side="clearing", business_date=DAY, chunks=1, wait=True).pk == first.pk
    logged = InputChange.objects.filter(source="ledger", local_date=DAY).count()
    Transaction.objects.filter(local_date=DAY, id=sale["id"]).update(status="voided")
    assert InputChange.objects.filter(source="ledger", local_date=DAY).count() == logged + 1
    # a change that is not an input (the settlement date) logs nothing
    Transaction.objects.filter(local_date=DAY, id=sale["id"]).update(settlement_date=DAY)
    assert InputChange.objects.filter(source="ledger", local_date=DAY).count() == logged + 1
    second = recon_start(side="clearing", business_date=DAY, chunks=1, wait=True)
    assert second.pk != first.pk
    assert list(ReconException.objects.filter(run=second).values_list("category", "rrn")) == [
        ("missing_ours", "RVOIDME")]


@pytest.mark.django_db
def test_a_repeated_key_with_one_row_in_scope_is_judged_as_one(shop):
    """A sale and a declined retry under one key are both marked (the mark does not know the status); the run
    judges the key by aggregate and finds the one approved sale matched."""
    merchant, terminal = shop
    file = make_ingest_file(business_date=DAY)
    sale = make_transaction(merchant=merchant, terminal=terminal, local_date=DAY, rrn="RRETRY", amount_minor=300)
    make_transaction(merchant=merchant, terminal=terminal, local_date=DAY, rrn="RRETRY", amount_minor=300,
                     status="declined")
    make_clearing(ingest_file=file, row=sale)
    assert _repeated(Transaction, "RRETRY") == [True, True]
    run = recon_start(side="clearing", business_date=DAY, chunks=2, wait=True)
    assert run.status == ReconRun.Status.DONE and not ReconException.objects.filter(run=run).exists()
    assert run.totals["matched"]["count"] == 1 and run.totals["matched"]["ours"] == 300


@pytest.mark.django_db(transaction=True)
def test_two_transactions_inserting_one_key_side_by_side_both_mark_it(shop):
    """Each of two open transactions cannot see the other's new row. The trigger's lock makes the later look-up
    wait for the earlier commit, so the key is marked on both rows all the same."""
    merchant, terminal = shop
    file = make_ingest_file(business_date=DAY)
    key = {"local_date": DAY, "mid": merchant.mid, "tid": terminal.tid, "rrn": "RRACE", "merchant_id": merchant.pk,
           "amount_minor": 100}
    inserted, failures = threading.Event(), []

    def first():
        try:
            with transaction.atomic():
                make_clearing(ingest_file=file, stan="000001", **key)
                inserted.set()
                time.sleep(1.0)  # the second inserts meanwhile; its trigger waits for this commit
        except Exception as error:  # reported in the test's thread
            failures.append(error)
            inserted.set()
        finally:
            connections.close_all()

    thread = threading.Thread(target=first)
    thread.start()
    assert inserted.wait(10)
    started = time.monotonic()
    with transaction.atomic():
        make_clearing(ingest_file=file, stan="000002", **key)
    waited = time.monotonic() - started
    thread.join(10)
    assert not failures
    assert waited > 0.5  # it did wait for the first transaction
    assert _repeated(ClearingRecord, "RRACE") == [True, True]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM transactions_inputchange WHERE source = 'clearing'")
        assert cursor.fetchone()[0] == 2
