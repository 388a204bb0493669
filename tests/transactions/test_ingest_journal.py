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

