"""Helpers of the ingest tests: journal rows for a live merchant's terminal, and running the command."""

import itertools
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from tests.transactions.factories import TEST_PAN

_seq = itertools.count(1)
PANS = ["6225880000000001", "4111111111111111", "5555555555554444", "6222021234567890125"]


def valid_pan(prefix: str, length: int = 16) -> str:
    """A Luhn-valid number starting with ``prefix``."""
    from transactions.cards import luhn_ok

    body = prefix + "0" * (length - len(prefix) - 1)
    return next(body + str(d) for d in range(10) if luhn_ok(body + str(d)))


def journal_row(merchant, terminal, *, when: datetime | None = None, **extra) -> dict:
    n = next(_seq)
    when = when or datetime.combine(timezone.localdate() - timedelta(days=1), datetime.min.time()).replace(hour=10)
    row = {"terminal_id": terminal.tid, "merchant_id": merchant.mid, "local_time": when + timedelta(seconds=n),
           "type": "sale", "channel": "chip", "pan": TEST_PAN, "amount": Decimal("100.00"), "currency": "CNY",
           "stan": f"{n % 1000000:06d}", "rrn": f"{900000000000 + n}", "auth_code": "A1B2C3",
           "response_code": "00", "batch": "000001"}
    row.update(extra)
    return row
