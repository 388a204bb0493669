"""The clearing ingest's fast way and its careful way give the same counts and the same row report: a block of good
shape is checked on its distinct dates and types only, any other block line by line; duplicates inside a file are
skipped by the unique key; outside a transaction the blocks are loaded by workers on their own connections."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from tests.transactions.factories import live_merchant_with_terminal
from transactions.demo.files import write_clearing
from transactions.models import ClearingRecord
from transactions.parsers import clearing as clearing_parser
from transactions.services.ingest import ingest_path

DAY = date(2026, 11, 29)


@pytest.fixture
def shop(merchant_a, users):
    return live_merchant_with_terminal(merchant_a, users["operations_manager"])


def _rows(merchant, terminal, n, start=1):
    return [{"local_date": DAY, "mid": merchant.mid, "tid": terminal.tid, "rrn": f"{800000000000 + i}",
             "stan": f"{i:06d}", "type": "sale", "amount": Decimal("12.34"), "interchange_fee": Decimal("0.05"),
             "masked_pan": "62258800******0001"} for i in range(start, start + n)]


def _line(merchant, terminal, i, *, clearing="2026-11-30", local="2026-11-29", kind="sale", amount="1.00",
          masked=""):
    return f"{clearing},{local},{merchant.mid},{terminal.tid},{800000000000 + i},{i:06d},{kind},{amount},CNY,0.00," \
           f"{masked}\n"


@pytest.mark.parametrize("line, plain", [
    ("2026-11-30,2026-11-29,M1,T0000001,800000000001,000001,sale,12.34,CNY,0.05,62258800******0001", True),
    ("2026-11-30,2026-11-29,M1,T0000001,800000000001,000001,sale,-12.34,CNY,-0.05,", True),
    ("2026-11-30,2026-11-29,M1,T0000001,800000000001,000001,sale,12.3,CNY,0.05,", False),
    ("2026-11-30,2026-11-29,M1,T0000001,800000000001,000001,sale,12.34,CNY,0.05,6225880******0001", True),
    ("2026-11-30,2026-11-29,M1,T0000001,800000000001,000001,sale,12.34,CNY,0.05,62258******0001", False),
    ("2026-11-30,2026-11-29,M1,T0000001,800000000001,000001,sale,12.34,CNY,0.05,62258800*0001", False),
    ("2026-11-30,2026-11-29,M1,T0000001,800000000001,00001,sale,12.34,CNY,0.05,", False),
    ("2026-11-30,2026-11-29,M1,T0000001,80000000000é,000001,sale,12.34,CNY,0.05,", False),
    ('2026-11-30,2026-11-29,"M1",T0000001,800000000001,000001,sale,12.34,CNY,0.05,', False),
    ("2026-11-30,2026-11-29,M1,T0000001,800000000001,000001,sale,12.34,cny,0.05,", False),
    ("2026-11-30,2026-11-29,M1 ,T0000001,800000000001,000001,sale,12.34,CNY,0.05,", False),
    ("2026-11-30,2026-11-29,M1,T0000001,800000000001,000001,sale,12.34,CNY,0.05,,", False),
])
def test_the_shape_of_a_good_line(line, plain):
    assert clearing_parser.plain((line + "\n").encode()) is plain


def test_values_of_a_plain_block():
    assert clearing_parser.values_ok(["2028-02-29", "2026-11-30"], ["sale", "refund"])
    assert not clearing_parser.values_ok(["2026-02-29"], ["sale"])
    assert not clearing_parser.values_ok(["0000-01-01"], ["sale"])
    assert not clearing_parser.values_ok(["2026-11-30"], ["sales"])


@pytest.mark.django_db
def test_a_block_of_good_shape_with_a_bad_date_or_type_is_reported_line_by_line(shop, tmp_path):
    merchant, terminal = shop
    path = tmp_path / "clearing.csv"
    write_clearing(path, _rows(merchant, terminal, 2), DAY)
    with path.open("a") as handle:
        handle.write(_line(merchant, terminal, 7, local="2026-02-30"))
        handle.write(_line(merchant, terminal, 8, kind="sales"))
        handle.write(_line(merchant, terminal, 9, clearing="0000-01-01"))
        handle.write(_line(merchant, terminal, 10, local="2028-02-29"))
    record = ingest_path(kind="clearing", path=path)
    assert (record.rows, record.new, record.rejected) == (6, 3, 3)
    assert [(e.line, e.field) for e in record.errors] == [(4, "local_date"), (5, "type"), (6, "clearing_date")]
    assert ClearingRecord.objects.get(source_line=7).local_date == date(2028, 2, 29)


@pytest.mark.django_db
def test_a_line_twice_in_the_file_is_one_record_and_one_duplicate(shop, tmp_path):
    merchant, terminal = shop
    path = tmp_path / "clearing.csv"
    rows = _rows(merchant, terminal, 3)
    write_clearing(path, [*rows, rows[1]], DAY)
    record = ingest_path(kind="clearing", path=path)
    assert (record.rows, record.new, record.duplicates, record.rejected) == (4, 3, 1, 0)
    dry = ingest_path(kind="clearing", path=path, dry_run=True)
    assert (dry.new, dry.duplicates) == (0, 4)


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_blocks_are_loaded_by_workers(shop, tmp_path, settings, monkeypatch):
    settings.ACQUIRER_JOB_WORKERS = 2
    monkeypatch.setattr(clearing_parser, "BLOCK_BYTES", 2000)  # about 18 lines a block
    merchant, terminal = shop
    path = tmp_path / "clearing.csv"
    rows = _rows(merchant, terminal, 200)
    write_clearing(path, [*rows, rows[5]], DAY)
    with path.open("a") as handle:
        handle.write(_line(merchant, terminal, 300, amount="1.5"))
        handle.write("\n")
        handle.write(_line(merchant, terminal, 301, local="2026-02-30"))
    record = ingest_path(kind="clearing", path=path)
    assert (record.status, record.rows, record.new, record.duplicates, record.rejected) == ("done", 203, 200, 1, 2)
    assert [(e.line, e.field) for e in record.errors] == [(203, "amount"), (205, "local_date")]
    assert ClearingRecord.objects.filter(ingest_file=record).count() == 200
    assert record.business_date == DAY and record.progress == 100
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'ingest_clearing_%%' AND relpersistence = 'u'")
        assert cursor.fetchone()[0] == 0
    again = ingest_path(kind="clearing", path=path)
    assert (again.new, again.duplicates, again.rejected) == (0, 201, 2)
