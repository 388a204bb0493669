"""Builders for transaction tests: a live merchant with active terminals, and ledger rows written straight into the
partitioned table (test set-up only; the ingest itself is tested in test_ingest*.py)."""

import itertools
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection

from terminals.models import Terminal
from tests.factories import make_user
from tests.terminals.factories import make_live_merchant, make_terminal
from transactions.cards import truncate

SHANGHAI = ZoneInfo("Asia/Shanghai")
_seq = itertools.count(1)
TEST_PAN = "6225880000000001"  # Luhn-valid, UnionPay credit range


def live_merchant_with_terminal(merchant, manager=None):
    """``merchant`` made live (MID, contract in force with 0.5 % on every channel) with one active terminal."""
    manager = manager or make_user(roles=["operations_manager"])
    make_live_merchant(merchant, manager)
    terminal = make_terminal(status=Terminal.Status.ACTIVE, merchant=merchant)
    return merchant, terminal


def make_transaction(*, merchant, terminal, local_date: date | None = None, amount_minor: int = 10000,
                     fee_minor: int | None = None, type: str = "sale", channel: str = "chip", status: str = "approved",
                     pan: str = TEST_PAN, rrn: str | None = None, stan: str | None = None, currency: str = "CNY",
                     at_time: time = time(12, 0), **extra) -> dict:
    """One ledger row inserted with SQL; returns its columns (with ``id``)."""
    n = next(_seq)
    local_date = local_date or date.today() - timedelta(days=1)
    local_time = datetime.combine(local_date, at_time) + timedelta(seconds=n % 3600)
    fee = fee_minor if fee_minor is not None else (abs(amount_minor) * 5 + 500) // 1000 * (1 if amount_minor >= 0
                                                                                              else -1)
    bin_, last4, token = truncate(pan) if pan else ("", "", "")
    row = {
        "local_date": local_date, "merchant_id": merchant.pk, "terminal_id": terminal.pk, "mid": merchant.mid,
        "tid": terminal.tid, "type": type, "channel": channel, "scheme": "unionpay" if pan else "",
        "funding": "credit" if pan else "unknown", "bin": bin_, "last4": last4, "card_token": token,
        "amount_minor": amount_minor, "fee_minor": fee, "net_minor": amount_minor - fee, "currency": currency,
        "stan": stan or f"{n % 1000000:06d}", "rrn": rrn or f"{n:012d}", "auth_code": "A1B2C3",
        "response_code": "00" if status != "declined" else "05", "status": status, "local_time": local_time,
        "at": local_time.replace(tzinfo=SHANGHAI), "batch_no": "000001",
    }
    row.update(extra)
    columns = ", ".join(row)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO transactions_transaction ({columns}) VALUES ({', '.join(['%s'] * len(row))}) "
                       "RETURNING id", list(row.values()))
        row["id"] = cursor.fetchone()[0]
    return row
