"""Ingest of the clearing file and the MT940 bank statement: loading, idempotency, row reports, refusals and the
statement quirks (never a traceback)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command

from acquirer.secrets import keyed_hash
from merchants.models import SettlementAccount
from tests.transactions.factories import live_merchant_with_terminal
from transactions.demo.files import write_clearing, write_mt940
from transactions.models import BankStatementLine, ClearingAccount, ClearingRecord
from transactions.services.ingest import ingest_path

pytestmark = pytest.mark.django_db
DAY = date(2026, 11, 29)
ACCOUNT = "6222020200001234567"


@pytest.fixture
def shop(merchant_a, users):
    return live_merchant_with_terminal(merchant_a, users["operations_manager"])


def _clearing_rows(merchant, terminal, n=3):
    return [{"local_date": DAY, "mid": merchant.mid, "tid": terminal.tid, "rrn": f"{800000000000 + i}",
             "stan": f"{i:06d}", "type": "sale", "amount": Decimal("12.34"), "interchange_fee": Decimal("0.05"),
             "masked_pan": "62258800******0001"} for i in range(1, n + 1)]


def test_clearing_happy_path_and_twice(shop, tmp_path):
    merchant, terminal = shop
    path = tmp_path / "clearing.csv"
    rows = _clearing_rows(merchant, terminal)
    rows.append({**rows[0], "rrn": "800000000099", "type": "refund", "amount": Decimal("-5.00"), "masked_pan": ""})
    write_clearing(path, rows, DAY + timedelta(days=1))
    record = ingest_path(kind="clearing", path=path)
    assert (record.status, record.rows, record.new, record.rejected) == ("done", 4, 4, 0), record.errors
    assert record.business_date == DAY + timedelta(days=1)
    first = ClearingRecord.objects.get(source_line=2, ingest_file=record)
    assert (first.amount_minor, first.interchange_minor, first.bin, first.last4, first.merchant_id) == (
        1234, 5, "62258800", "0001", merchant.pk)
    assert ClearingRecord.objects.get(rrn="800000000099").amount_minor == -500
    again = ingest_path(kind="clearing", path=path)
    assert (again.new, again.duplicates) == (0, 4)
    dry = ingest_path(kind="clearing", path=path, dry_run=True)
    assert (dry.pk, dry.new, dry.duplicates) == (None, 0, 4)


def test_clearing_bad_lines_are_reported(shop, tmp_path):
    merchant, terminal = shop
    path = tmp_path / "clearing.csv"
    write_clearing(path, _clearing_rows(merchant, terminal, 1), DAY)
    with path.open("a") as handle:
        handle.write("\n")
        handle.write(f"2026-11-30,2026-02-30,{merchant.mid},{terminal.tid},800000000007,000007,sale,1.00,CNY,0.00,\n")
        handle.write(f"2026-11-30,2026-11-29,{merchant.mid},{terminal.tid},800000000008,000008,sale,1.5,CNY,0.00,\n")
        handle.write("2026-11-30,2026-11-29,too,few\n")
        handle.write(f"2026-11-30,2026-11-29,{merchant.mid},{terminal.tid},80000000\x0109,000009,sale,1.00,CNY,0.00,\n")
    record = ingest_path(kind="clearing", path=path)
    assert (record.rows, record.new, record.rejected) == (5, 1, 4)
    assert [(e.line, e.field) for e in record.errors] == [(4, "local_date"), (5, "amount"), (6, "line"), (7, "line")]


def test_clearing_wrong_header_refused(tmp_path, db, capsys):
    path = tmp_path / "c.csv"
    path.write_text("date,amount\n")
    with pytest.raises(SystemExit):
        call_command("ingest", "clearing", str(path))
    assert capsys.readouterr().out.strip().startswith("refused: Wrong header: expected exactly clearing_date,")


@pytest.fixture
def account(shop):
    merchant, _terminal = shop
    return SettlementAccount.objects.create(
        merchant=merchant, kind="corporate", account_name="Shop", bank_name="ICBC", account_number=ACCOUNT,
        account_number_hash=keyed_hash(ACCOUNT), account_number_masked="6222***********4567", status="active")


def _statement(path, account_number=ACCOUNT, **kwargs):
    lines = kwargs.pop("lines", None) or [
        {"value_date": DAY, "amount_minor": 123456, "reference": "P261129000000123", "details": "PAYOUT"},
        {"value_date": DAY, "amount_minor": -1000, "reference": "", "details": ""},
    ]
    write_mt940(path, account_number=account_number, statement_reference="STMT1129", opening_date=DAY, lines=lines,
                **kwargs)


def test_bank_statement_happy_path_and_twice(account, tmp_path):
    path = tmp_path / "s.sta"
    _statement(path)
    record = ingest_path(kind="bank-statement", path=path)
    assert (record.status, record.rows, record.new) == ("done", 2, 2), record.message
    credit, debit = BankStatementLine.objects.order_by("sequence")
    assert (credit.amount_minor, credit.reference, credit.merchant_id) == (123456, "P261129000000123",
                                                                          account.merchant_id)
    assert debit.amount_minor == -1000 and credit.account_masked == "6222***********4567"
    assert ingest_path(kind="bank-statement", path=path).new == 0


def test_bank_statement_of_a_clearing_account(db, tmp_path):
    number = "110060000000000001"
    clearing = ClearingAccount.objects.create(name="Ours", bank_name="BoC", account_number=number,
                                              account_number_hash=keyed_hash(number),
                                              account_number_masked="1100**********0001")
    path = tmp_path / "s.sta"
    _statement(path, account_number=f"BKCHCNBJ/{number}")
    record = ingest_path(kind="bank-statement", path=path)
    assert record.new == 2 and BankStatementLine.objects.filter(clearing_account=clearing).count() == 2


def test_unregistered_account_refused_naming_it_and_warned_in_a_dry_run(db, tmp_path, capsys):
    path = tmp_path / "s.sta"
    _statement(path, account_number="9999888877776666")
    with pytest.raises(SystemExit):
        call_command("ingest", "bank-statement", str(path))
    out = capsys.readouterr().out.strip().splitlines()
    assert out == ["refused: The account 9999********6666 is not one of our registered settlement or clearing "
                   "accounts."]
    call_command("ingest", "bank-statement", str(path), "--dry-run")
    out = capsys.readouterr().out.strip().splitlines()
    assert out[0].startswith("warning: The account 9999********6666") and out[-1].endswith("rows=2 new=2 "
                                                                                            "duplicates=0 rejected=0")
    assert not BankStatementLine.objects.exists()


def test_mt940_quirks(account, tmp_path):
    path = tmp_path / "s.sta"
    _statement(path, lines=[{"value_date": DAY, "amount_minor": 5000, "reference": "",
                             "details": "SETTLEMENT OF PAYOUT FOR MERCHANT SHOP NO 1 IN SHANGHAI, REF "
                                        "P261129000000777 HUANGPU DISTRICT"}])
    data = path.read_bytes().rstrip(b"\r\n")  # no trailing CRLF
    assert b"P261\n129000000777" in data.replace(b"\r", b"")  # the reference is cut by the 65-character wrap
    data = data.replace(b"SHANGHAI", b"SHANG\x00HAI\x07")  # binary characters
    path.write_bytes(data)
    record = ingest_path(kind="bank-statement", path=path)
    assert record.status == "done", record.message
    line = BankStatementLine.objects.get()
    assert line.reference == "P261129000000777" and "SHANGHAI" in line.details


def test_mt940_empty_details_and_interim_report(account, tmp_path):
    path = tmp_path / "s.sta"
    _statement(path, lines=[{"value_date": DAY, "amount_minor": 5000, "reference": "P261129000000001"}])
    assert ingest_path(kind="bank-statement", path=path).new == 1
    interim = tmp_path / "i.sta"
    interim.write_text(f":20:INTERIM\r\n:25:{ACCOUNT}\r\n:28C:1/1\r\n:34F:CNY0,\r\n:13D:2611291200+0800\r\n"
                       ":61:2611291129C10,00NTRFNONREF\r\n:86:X\r\n")
    record = ingest_path(kind="bank-statement", path=interim)
    assert record.status == "refused" and "MT942" in record.message


@pytest.mark.parametrize("content", [b"", b"hello world", b":20:X\r\n:25:1\r\n:61:garbage\r\n", b"\xff\xfe\x00\x01"])
def test_mt940_garbage_is_refused_without_traceback(db, tmp_path, capsys, content):
    path = tmp_path / "s.sta"
    path.write_bytes(content)
    with pytest.raises(SystemExit):
        call_command("ingest", "bank-statement", str(path))
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("refused: ")
