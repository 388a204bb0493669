"""Ingest of the host journal, CSV and ISO 8583: rows into the ledger with fees, idempotency, row reports,
voids and reversals, refusals, and no card number anywhere afterwards."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from merchants.models import ContractFee
from terminals.models import Terminal
from tests.transactions.factories import TEST_PAN, live_merchant_with_terminal
from tests.transactions.ingest_support import journal_row
from transactions.demo.files import write_journal_csv, write_journal_iso
from transactions.models import IngestFile, Transaction
from transactions.services.ingest import ingest_path

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(merchant_a, users):
    merchant, terminal = live_merchant_with_terminal(merchant_a, users["operations_manager"])
    return merchant, terminal


def test_csv_journal_happy_path(shop, tmp_path):
    merchant, terminal = shop
    path = tmp_path / "j.csv"
    write_journal_csv(path, [journal_row(merchant, terminal, amount=Decimal("123.45")),
                             journal_row(merchant, terminal, channel="unionpay_qr", pan="")])
    record = ingest_path(kind="journal-csv", path=path)
    assert (record.status, record.rows, record.new, record.duplicates, record.rejected) == ("done", 2, 2, 0, 0)
    rows = list(Transaction.objects.filter(ingest_file=record).order_by("source_line"))
    assert [r.amount_minor for r in rows] == [12345, 10000]
    assert rows[0].fee_minor == 62  # 0.5 % of 123.45 = 0.61725 -> 0.62
    assert rows[0].net_minor == 12345 - 62
    assert rows[0].bin == TEST_PAN[:8] and rows[0].last4 == TEST_PAN[-4:] and len(rows[0].card_token) == 64
    assert rows[1].bin == "" and rows[1].channel == "unionpay_qr"
    terminal.refresh_from_db()
    assert terminal.last_seen_at is not None and terminal.last_transaction_at == max(r.at for r in rows)


def test_iso_journal_happy_path(shop, tmp_path):
    merchant, terminal = shop
    path = tmp_path / "j.iso"
    write_journal_iso(path, [journal_row(merchant, terminal, latitude=Decimal("31.2304"),
                                         longitude=Decimal("121.4737")),
                             journal_row(merchant, terminal, type="refund", amount=Decimal("20.00"))])
    record = ingest_path(kind="journal", path=path)
    assert (record.status, record.rows, record.new, record.rejected) == ("done", 2, 2, 0), record.errors
    rows = list(Transaction.objects.filter(ingest_file=record).order_by("source_line"))
    assert rows[0].latitude == Decimal("31.230400")
    assert rows[1].type == "refund" and rows[1].amount_minor == -2000 and rows[1].fee_minor == -10



def test_same_file_twice_adds_nothing_and_counts_duplicates(shop, tmp_path):
    merchant, terminal = shop
    path = tmp_path / "j.csv"
    write_journal_csv(path, [journal_row(merchant, terminal) for _ in range(3)])
    assert ingest_path(kind="journal-csv", path=path).new == 3
    again = ingest_path(kind="journal-csv", path=path)
    assert (again.rows, again.new, again.duplicates) == (3, 0, 3)
    assert Transaction.objects.filter(merchant_id=merchant.pk).count() == 3


def test_same_transaction_in_two_files_is_added_once(shop, tmp_path):
    merchant, terminal = shop
    shared = journal_row(merchant, terminal)
    write_journal_csv(tmp_path / "a.csv", [shared, journal_row(merchant, terminal)])
    write_journal_iso(tmp_path / "b.iso", [shared])
    assert ingest_path(kind="journal-csv", path=tmp_path / "a.csv").new == 2
    second = ingest_path(kind="journal", path=tmp_path / "b.iso")
    assert (second.new, second.duplicates) == (0, 1)


def test_malformed_rows_are_reported_with_line_field_and_reason(shop, tmp_path):
    merchant, terminal = shop
    path = tmp_path / "j.csv"
    write_journal_csv(path, [journal_row(merchant, terminal), journal_row(merchant, terminal, pan="4111111111111112"),
                             journal_row(merchant, terminal, stan="12"),
                             journal_row(merchant, terminal, terminal_id="ZZZZ0000")])
    with path.open("a") as handle:
        handle.write(f"{terminal.tid},{merchant.mid},2026-11-29T10:00:00,sale,chip,{TEST_PAN},1.234,CNY,000009,"
                     "900000000999,,00,1\n")
        handle.write("only,three,columns\n")
    record = ingest_path(kind="journal-csv", path=path)
    assert (record.rows, record.new, record.rejected) == (6, 1, 5), record.errors
    found = {(e.line, e.field) for e in record.errors}
    assert found == {(3, "pan"), (4, "stan"), (5, "terminal_id"), (6, "amount"), (7, "")}
    reasons = {e.line: e.reason for e in record.errors}
    assert reasons[3] == "not a valid card number" and reasons[5] == "unknown TID"
    assert record.report_name


def test_fee_rounding_cap_declined_and_missing_contract(shop, tmp_path, merchant_b, users):
    merchant, terminal = shop
    ContractFee.objects.filter(contract__merchant=merchant, channel="credit").update(rate_percent=Decimal("0.6"),
                                                                                    cap=Decimal("20.00"))
    path = tmp_path / "j.csv"
    b, b_terminal = merchant_b, Terminal.objects.create(serial_number="NOCONTRACT1", model=terminal.model,
                                                        tid="NOCTR001", merchant=merchant_b, status="active")
    b.mid = "898290000009999"
    b.save(update_fields=["mid"])
    write_journal_csv(path, [
        journal_row(merchant, terminal, amount=Decimal("0.75")),  # 0.5 % of 75 fen = 0.375 -> 0
        journal_row(merchant, terminal, amount=Decimal("1.00")),  # 0.5 fen -> 1 (half up)
        journal_row(merchant, terminal, amount=Decimal("10000.00"), pan="5555555555554444"),  # credit 60 -> cap 20
        journal_row(merchant, terminal, amount=Decimal("50.00"), response_code="05"),
        journal_row(b, b_terminal),
    ])
    from transactions.models import BinRange
    BinRange.objects.update_or_create(prefix="555555", defaults={"scheme": "mastercard", "funding": "credit"})
    record = ingest_path(kind="journal-csv", path=path)
    rows = {r.source_line: r for r in Transaction.objects.filter(ingest_file=record)}
    assert rows[2].fee_minor == 0 and rows[3].fee_minor == 1
    assert rows[4].funding == "credit" and rows[4].fee_minor == 2000
    assert rows[5].status == "declined" and rows[5].fee_minor == 0
    assert [(e.line, e.reason) for e in record.errors] == [(6, "no contract in force on the transaction date")]


def test_void_and_reversal_mark_their_originals(shop, tmp_path):
    merchant, terminal = shop
    sale, other = journal_row(merchant, terminal), journal_row(merchant, terminal)
    write_journal_csv(tmp_path / "a.csv", [sale, other])
    ingest_path(kind="journal-csv", path=tmp_path / "a.csv")
    void = journal_row(merchant, terminal, type="void", rrn=sale["rrn"])
    late_sale = journal_row(merchant, terminal)
    reversal = journal_row(merchant, terminal, type="reversal", stan=late_sale["stan"], rrn="777777777777")
    write_journal_csv(tmp_path / "b.csv", [void, late_sale, reversal])
    ingest_path(kind="journal-csv", path=tmp_path / "b.csv")
    status = dict(Transaction.objects.filter(merchant_id=merchant.pk).values_list("rrn", "status"))
    assert status[sale["rrn"]] == "voided" and status[other["rrn"]] == "approved"
    assert status[late_sale["rrn"]] == "reversed"
    amounts = dict(Transaction.objects.filter(merchant_id=merchant.pk, type__in=["void", "reversal"])
                   .values_list("type", "amount_minor"))
    assert amounts == {"void": -10000, "reversal": -10000}


def test_month_without_partition_is_rejected(shop, tmp_path):
    from datetime import datetime
    merchant, terminal = shop
    write_journal_csv(tmp_path / "a.csv", [journal_row(merchant, terminal, when=datetime(2031, 5, 1, 10))])
    record = ingest_path(kind="journal-csv", path=tmp_path / "a.csv")
    assert record.rejected == 1 and record.errors[0].reason == "no ledger partition for 2031-05"


def test_dry_run_writes_nothing_but_counts(shop, tmp_path):
    merchant, terminal = shop
    rows = [journal_row(merchant, terminal) for _ in range(3)]
    write_journal_csv(tmp_path / "a.csv", rows[:1])
    ingest_path(kind="journal-csv", path=tmp_path / "a.csv")
    write_journal_csv(tmp_path / "b.csv", [*rows, rows[1]])
    files_before = IngestFile.objects.count()
    record = ingest_path(kind="journal-csv", path=tmp_path / "b.csv", dry_run=True)
    assert record.pk is None and (record.rows, record.new, record.duplicates) == (4, 2, 2)
    assert IngestFile.objects.count() == files_before
    assert Transaction.objects.filter(merchant_id=merchant.pk).count() == 1


def test_wrong_header_is_refused_in_one_line(tmp_path, db, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("terminal_id,merchant_id,pan\n1,2,3\n")
    with pytest.raises(SystemExit) as exit_:
        call_command("ingest", "journal-csv", str(path))
    assert exit_.value.code == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("refused: Wrong header: expected exactly terminal_id,merchant_id,")
    assert IngestFile.objects.get().status == "refused"


def test_truncated_iso_file_is_refused_in_one_line(shop, tmp_path, capsys):
    merchant, terminal = shop
    path = tmp_path / "j.iso"
    write_journal_iso(path, [journal_row(merchant, terminal), journal_row(merchant, terminal)])
    path.write_bytes(path.read_bytes()[:-7])
    with pytest.raises(SystemExit):
        call_command("ingest", "journal", str(path))
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("refused: Truncated file: message 2 announces")
    assert not Transaction.objects.exists()
    garbled = tmp_path / "g.iso"
    garbled.write_bytes(b"\xff\xff" + b"garbage" * 10)
    with pytest.raises(SystemExit):
        call_command("ingest", "journal", str(garbled))
    assert capsys.readouterr().out.startswith("refused: ")


def test_command_prints_row_errors_then_the_summary_line(shop, tmp_path, capsys):
    merchant, terminal = shop
    path = tmp_path / "j.csv"
    write_journal_csv(path, [journal_row(merchant, terminal), journal_row(merchant, terminal, rrn="x")])
    call_command("ingest", "journal-csv", str(path))
    out = capsys.readouterr().out.strip().splitlines()
    assert out == ["line 3, rrn: must be 12 letters or digits",
                   "ingested kind=journal-csv rows=2 new=1 duplicates=0 rejected=1"]
    call_command("ingest", "journal-csv", str(path), "--dry-run")
    assert capsys.readouterr().out.strip().splitlines()[-1] == \
        "ingested kind=journal-csv rows=2 new=0 duplicates=1 rejected=1"


def test_audit_event_per_file_not_per_row(shop, tmp_path):
    from acquirer.models import AuditEvent
    merchant, terminal = shop
    write_journal_csv(tmp_path / "a.csv", [journal_row(merchant, terminal) for _ in range(5)])
    record = ingest_path(kind="journal-csv", path=tmp_path / "a.csv")
    events = AuditEvent.objects.filter(action__startswith="ingest.")
    assert [e.action for e in events] == ["ingest.completed"]
    assert events[0].data["new"] == 5 and events[0].target_id == str(record.pk)
