"""Database constraints of the terminal model hold whatever the code does."""

import pytest
from django.db import DataError, IntegrityError, transaction

from terminals.models import RentCharge, Terminal
from tests.terminals.factories import make_live_merchant, make_model, make_terminal


def test_a_placed_terminal_must_belong_to_a_merchant(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_terminal(status=Terminal.Status.ACTIVE, merchant=None)


@pytest.mark.parametrize("tid", ["1234567", "1234567a", "123456789"])
def test_a_tid_has_eight_upper_case_letters_or_digits(db, tid):
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        make_terminal(tid=tid)


def test_serial_numbers_and_tids_are_unique(db):
    model = make_model()
    make_terminal(model=model, serial_number="SNX1", tid="AB123456")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_terminal(model=model, serial_number="SNX1")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_terminal(model=model, tid="AB123456")


def test_rent_is_charged_once_per_terminal_and_month(db, users, merchant_a):
    from datetime import date
    from decimal import Decimal

    merchant = make_live_merchant(merchant_a, users["operations_manager"])
    terminal = make_terminal(status=Terminal.Status.ACTIVE, merchant=merchant)
    RentCharge.objects.create(terminal=terminal, merchant=merchant, month=date(2026, 11, 1), amount=Decimal("30.00"),
                              due_on=date(2026, 11, 10))
    with pytest.raises(IntegrityError), transaction.atomic():
        RentCharge.objects.create(terminal=terminal, merchant=merchant, month=date(2026, 11, 1),
                                  amount=Decimal("30.00"), due_on=date(2026, 11, 10))
    with pytest.raises(IntegrityError), transaction.atomic():
        RentCharge.objects.create(terminal=terminal, merchant=merchant, month=date(2026, 12, 2),
                                  amount=Decimal("30.00"), due_on=date(2026, 12, 10))
