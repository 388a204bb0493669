"""Reconciliation rules: the ledger against the clearing records (categories, tolerance, date window, completions,
duplicates), payouts against the bank's credits, runs that are not done twice and runs that supersede."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command

from acquirer.exceptions import DomainError, NotPermitted
from acquirer.models import AuditEvent
from tests.transactions.factories import live_merchant_with_terminal, make_transaction
from tests.transactions.recon_factories import make_batch, make_clearing, make_ingest_file, make_statement_line
from transactions.models import IngestFile, ReconException, ReconRun, ReconSummary, SettlementBatch
from transactions.services.recon import recon_start

DAY = date.today() - timedelta(days=3)


def _exceptions(run) -> set[tuple]:
    return set(ReconException.objects.filter(run=run).values_list("category", "rrn", "ours_minor", "theirs_minor"))


@pytest.fixture
def shop(merchant_a, users):
    from acquirer import roles

    return live_merchant_with_terminal(merchant_a, users[roles.OPERATIONS_MANAGER])


@pytest.fixture
def day_data(shop):
    """One of each: matched, amount mismatch, missing ours, missing theirs, duplicate (ours and theirs), a preauth
    with two completions against one clearing record, rows that should not clear, and a date-window match."""
    merchant, terminal = shop
    file = make_ingest_file(business_date=DAY)
    rows = {}

    def tx(name, **kw):
        rows[name] = make_transaction(merchant=merchant, terminal=terminal, local_date=DAY, rrn=f"R{name[:11]}",
                                      **kw)
        return rows[name]

    make_clearing(ingest_file=file, row=tx("matched", amount_minor=1000))
    make_clearing(ingest_file=file, row=tx("refund", amount_minor=-500, type="refund"))
    make_clearing(ingest_file=file, row=tx("mismatch", amount_minor=2000), amount_minor=2100)
    tx("missingthr", amount_minor=3000)  # ours only
    make_clearing(ingest_file=file, local_date=DAY, mid=merchant.mid, tid=terminal.tid, rrn="Rmissingour",
                  amount_minor=4000, merchant_id=merchant.pk)
    make_clearing(ingest_file=file, row=tx("dupours", amount_minor=500))
    make_transaction(merchant=merchant, terminal=terminal, local_date=DAY, rrn="Rdupours", amount_minor=500)
    dup = tx("duptheirs", amount_minor=600)
    make_clearing(ingest_file=file, row=dup)
    make_clearing(ingest_file=file, row=dup, stan="999999")
    # a pre-authorisation completed in two parts: one clearing record for the sum; the preauth does not clear
    tx("preauth", type="preauth", amount_minor=9000)
    make_transaction(merchant=merchant, terminal=terminal, local_date=DAY, rrn="Rpreauth", type="completion",
                     amount_minor=3000)
    make_transaction(merchant=merchant, terminal=terminal, local_date=DAY, rrn="Rpreauth", type="completion",
                     amount_minor=2500)
    make_clearing(ingest_file=file, local_date=DAY, mid=merchant.mid, tid=terminal.tid, rrn="Rpreauth",
                  type="completion", amount_minor=5500, merchant_id=merchant.pk)
    # rows that should not clear: declined, voided, a void itself, an open preauth
    tx("declined", status="declined")
    tx("voided", status="voided")
    tx("void", type="void", amount_minor=-1000)
    tx("openpre", type="preauth")
    # the network dated it a day later: within the window, matched
    make_clearing(ingest_file=file, row=tx("nextday", amount_minor=700), local_date=DAY + timedelta(days=1))
    # their record two days later: another date's business, not this run's
    make_clearing(ingest_file=file, local_date=DAY + timedelta(days=2), mid=merchant.mid, tid=terminal.tid,
                  rrn="Rlater", amount_minor=100, merchant_id=merchant.pk)
    return rows


EXPECTED = {
    ("amount_mismatch", "Rmismatch", 2000, 2100),
    ("missing_theirs", "Rmissingthr", 3000, None),
    ("missing_ours", "Rmissingour", None, 4000),
    ("duplicate", "Rdupours", 1000, 500),
    ("duplicate", "Rduptheirs", 600, 1200),
}


@pytest.mark.django_db
@pytest.mark.parametrize("chunks", [1, 3, 8])
def test_clearing_run_finds_each_kind_of_break_and_nothing_else(day_data, chunks):
    run = recon_start(side="clearing", business_date=DAY, chunks=chunks, wait=True)
    assert run.status == ReconRun.Status.DONE and run.finished_at
    assert _exceptions(run) == EXPECTED
    totals = {category: value["count"] for category, value in run.totals.items()}
    assert totals == {"matched": 4, "amount_mismatch": 1, "missing_ours": 1, "missing_theirs": 1, "duplicate": 2}
    assert run.totals["matched"]["ours"] == 1000 - 500 + 5500 + 700
    assert set(run.chunk_set.values_list("status", flat=True)) == {"done"} and run.chunk_set.count() == chunks
    exc = ReconException.objects.get(run=run, rrn="Rmismatch")
    assert exc.difference_minor == -100 and exc.status == "open" and exc.transaction_id == day_data["mismatch"]["id"]
    assert exc.clearing_record_id and exc.merchant_id == day_data["mismatch"]["merchant_id"]
    assert AuditEvent.objects.filter(action="recon_run.finished", target_id=str(run.pk)).exists()


@pytest.mark.django_db
def test_tolerance_lets_a_small_difference_match(day_data, settings):
    settings.ACQUIRER_RECON_TOLERANCE_MINOR = 100
    run = recon_start(side="clearing", business_date=DAY, chunks=2, wait=True)
    assert run.tolerance_minor == 100
    assert "Rmismatch" not in {row[1] for row in _exceptions(run)}
    assert run.totals["matched"]["count"] == 5


@pytest.mark.django_db
def test_a_zero_day_window_misses_the_record_dated_a_day_later(day_data, settings):
    settings.ACQUIRER_RECON_WINDOW_DAYS = 0
    run = recon_start(side="clearing", business_date=DAY, chunks=1, wait=True)
    assert ("missing_theirs", "Rnextday", 700, None) in _exceptions(run)


@pytest.mark.django_db
def test_the_same_inputs_are_not_reconciled_twice_and_a_correction_supersedes(day_data, shop):
    first = recon_start(side="clearing", business_date=DAY, chunks=2, wait=True)
    again = recon_start(side="clearing", business_date=DAY, chunks=4, wait=True)
    assert again.pk == first.pk and ReconRun.objects.count() == 1
    # a corrected clearing file arrives with the missing record
    merchant, terminal = shop
    fix = make_ingest_file(business_date=DAY, content="correction")
    make_clearing(ingest_file=fix, row=day_data["missingthr"])
    second = recon_start(side="clearing", business_date=DAY, chunks=2, wait=True)
    first.refresh_from_db()
    assert second.pk != first.pk and first.status == "superseded" and first.superseded_by_id == second.pk
    assert {f["sha256"] for f in second.inputs} == {fix.sha256, IngestFile.objects.exclude(pk=fix.pk).get().sha256}
    assert set(ReconException.objects.filter(run=first).values_list("status", flat=True)) == {"superseded"}
    assert _exceptions(first) == EXPECTED  # kept readable
    assert _exceptions(second) == EXPECTED - {("missing_theirs", "Rmissingthr", 3000, None)}
    assert ReconSummary.objects.filter(run=first).exists()


@pytest.mark.django_db
def test_a_late_ledger_row_changes_the_inputs(day_data, shop):
    first = recon_start(side="clearing", business_date=DAY, chunks=1, wait=True)
    merchant, terminal = shop
    make_transaction(merchant=merchant, terminal=terminal, local_date=DAY, rrn="Rlate", amount_minor=10)
    second = recon_start(side="clearing", business_date=DAY, chunks=1, wait=True)
    assert second.pk != first.pk and ("missing_theirs", "Rlate", 10, None) in _exceptions(second)


@pytest.mark.django_db
def test_bank_side_marks_matched_payouts_paid(shop, merchant_b):
    merchant, _terminal = shop
    file = make_ingest_file(kind=IngestFile.Kind.BANK_STATEMENT, business_date=DAY)
    paid = make_batch(merchant=merchant, payout_date=DAY, payout_minor=10000, reference="PAYOK")
    short = make_batch(merchant=merchant, payout_date=DAY, payout_minor=5000, reference="PAYSHORT")
    make_batch(merchant=merchant, payout_date=DAY, payout_minor=7000, reference="PAYMISSING")
    make_batch(merchant=merchant, payout_date=DAY, payout_minor=1, reference="PAYOPEN", status="open")
    make_statement_line(ingest_file=file, value_date=DAY, amount_minor=10000, reference="PAYOK")
    make_statement_line(ingest_file=file, value_date=DAY + timedelta(days=1), amount_minor=4900,
                        reference="PAYSHORT")
    make_statement_line(ingest_file=file, value_date=DAY, amount_minor=123, reference="UNKNOWN")
    make_statement_line(ingest_file=file, value_date=DAY, amount_minor=-50, reference="FEE")  # a debit: ignored
    run = recon_start(side="bank", business_date=DAY, chunks=3, wait=True)
    assert set(ReconException.objects.filter(run=run).values_list("category", "reference", "ours_minor",
                                                                  "theirs_minor")) == {
        ("amount_mismatch", "PAYSHORT", 5000, 4900), ("missing_theirs", "PAYMISSING", 7000, None),
        ("missing_ours", "UNKNOWN", None, 123)}
    paid.refresh_from_db()
    short.refresh_from_db()
    assert paid.status == SettlementBatch.Status.PAID and paid.paid_at is not None
    assert short.status == SettlementBatch.Status.IN_PAYOUT
    assert run.totals["matched"]["count"] == 1
    assert ReconException.objects.get(run=run, reference="PAYSHORT").settlement_batch_id == short.pk
    # the paid batch does not change the inputs: the same run again is the same run
    assert recon_start(side="bank", business_date=DAY, chunks=3, wait=True).pk == run.pk


@pytest.mark.django_db
def test_starting_a_run_needs_the_permission(users, day_data):
    from acquirer import roles

    with pytest.raises(NotPermitted):
        recon_start(side="clearing", business_date=DAY, actor=users[roles.RISK_ANALYST])
    with pytest.raises(DomainError):
        recon_start(side="nonsense", business_date=DAY)
    with pytest.raises(DomainError):
        recon_start(side="clearing", business_date=DAY, chunks=0)
    run = recon_start(side="clearing", business_date=DAY, actor=users[roles.OPERATIONS_MANAGER], chunks=2)
    assert run.status == "queued" and run.started_by == users[roles.OPERATIONS_MANAGER]
    from acquirer.models import OutboxMessage

    assert OutboxMessage.objects.filter(task_name="transactions.tasks.recon_chunk").count() == 2


@pytest.mark.django_db
def test_reconcile_command_prints_one_line_per_side(day_data, capsys):
    call_command("reconcile", "--date", DAY.isoformat(), "--chunks", "2")
    lines = capsys.readouterr().out.strip().splitlines()
    run = ReconRun.objects.get(side="clearing")
    assert lines[0] == (f"reconciled side=clearing date={DAY} matched=4 amount_mismatch=1 missing_ours=1 "
                        f"missing_theirs=1 duplicate=2 run={run.pk}")
    assert lines[1].startswith(f"reconciled side=bank date={DAY} matched=0 ")
