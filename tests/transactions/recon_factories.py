"""Builders for reconciliation tests: input files, clearing records, settlement batches and bank statement lines
written straight into their tables (the ingest and settlement helpers are tested on their own)."""

import hashlib
import itertools
from datetime import date, timedelta

from transactions.models import BankStatementLine, ClearingRecord, IngestFile, SettlementBatch

_seq = itertools.count(1)


def make_ingest_file(*, kind: str = IngestFile.Kind.CLEARING, business_date: date | None = None,
                     content: str | None = None) -> IngestFile:
    n = next(_seq)
    content = content or f"file {n}"
    return IngestFile.objects.create(kind=kind, original_name=f"{kind}-{n}.csv", status=IngestFile.Status.DONE,
                                     sha256=hashlib.sha256(content.encode()).hexdigest(), size=len(content),
                                     business_date=business_date, source="command")


def make_clearing(*, ingest_file: IngestFile, row: dict | None = None, **fields) -> ClearingRecord:
    """A clearing record; ``row`` (a ledger row from ``make_transaction``) gives its key, date and amount."""
    n = next(_seq)
    values = {"local_date": None, "mid": "", "tid": "", "rrn": "", "stan": f"{n % 1000000:06d}", "type": "sale",
              "amount_minor": 0, "currency": "CNY", "merchant_id": None}
    if row:
        values.update({key: row[key] for key in ("local_date", "mid", "tid", "rrn", "stan", "type", "amount_minor",
                                                 "currency", "merchant_id")})
    values.update(fields)
    values.setdefault("clearing_date", values["local_date"])
    return ClearingRecord.objects.create(ingest_file=ingest_file, source_line=n, **values)


def make_batch(*, merchant, payout_date: date, payout_minor: int, status: str = SettlementBatch.Status.IN_PAYOUT,
               reference: str | None = None, settlement_date: date | None = None) -> SettlementBatch:
    n = next(_seq)
    return SettlementBatch.objects.create(
        merchant=merchant, settlement_date=settlement_date or payout_date - timedelta(days=n),
        payout_date=payout_date, cycle="T1",
        transactions=1, sales_minor=payout_minor, net_minor=payout_minor, payout_minor=payout_minor,
        payout_reference=reference or f"PO{n:010d}", status=status)


def make_statement_line(*, ingest_file: IngestFile, value_date: date, amount_minor: int, reference: str = "",
                        merchant_id: int | None = None) -> BankStatementLine:
    n = next(_seq)
    return BankStatementLine.objects.create(
        account_hash="a" * 64, account_masked="6222****0001", statement_reference=f"STMT{value_date:%Y%m%d}",
        value_date=value_date, amount_minor=amount_minor, currency="CNY", reference=reference, sequence=n,
        ingest_file=ingest_file, merchant_id=merchant_id)
