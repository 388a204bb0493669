"""The monthly rent job against its floor: ``rent_charge_month`` over N rented terminals (batches of
``ACQUIRER_BATCH_SIZE``, contracts looked up per batch, one ``INSERT ... ON CONFLICT`` and one audit insert per
batch, each batch committed) against one plain ``INSERT ... SELECT`` of the same number of charge rows into a
table of the same shape, without audit events. Both are seconds per charge."""

import sys
import time
from datetime import date
from decimal import Decimal

from _setup import django_with_scratch_db, result, scaled

GOAL = 33.0  # 10,000 charges per second (100 µs each) against a floor of ~3 µs per row: bench/README.md
MONTH = date(2025, 1, 1)


def _rented_terminals(count: int) -> None:
    """``count`` active terminals spread over 100 merchants, each with a countersigned contract."""
    from django.contrib.auth import get_user_model

    from merchants.models import Contract, Merchant
    from terminals.models import Terminal, TerminalModel

    manager = get_user_model().objects.create(username="bench-manager")
    model = TerminalModel.objects.create(brand="PAX", name="A920", form_factor="smart", communications=["4g"],
                                         capabilities=["chip"], min_firmware="1.0.0")
    merchants = Merchant.objects.bulk_create([Merchant(legal_name=f"商户{n}", status=Merchant.Status.ACTIVE)
                                              for n in range(100)])
    Contract.objects.bulk_create([
        Contract(merchant=m, version=1, currency="CNY", created_by=manager, deposit=Decimal("500.00"),
                 monthly_rent=Decimal("31.00"), settlement_cycle="T+1", settlement_method="auto",
                 start_date=date(2024, 1, 1), end_date=date(2026, 12, 31), status=Contract.Status.ACTIVE,
                 text="bench", text_sha256="0" * 64) for m in merchants])
    Terminal.objects.bulk_create([
        Terminal(model=model, status=Terminal.Status.ACTIVE, merchant=merchants[n % 100],
                 serial_number=f"BENCH{n:08d}", firmware_version="1.0.0", rent_start=date(2024, 6, 1))
        for n in range(count)], batch_size=2000)


def main() -> int:
    cleanup = django_with_scratch_db()
    try:
        from django.db import connection, transaction

        from acquirer import audit
        from terminals.models import RentCharge
        from terminals.services.money import rent_charge_month

        count = scaled(20000, 200)
        _rented_terminals(count)
        start = time.perf_counter()
        counts = rent_charge_month(month=MONTH, today=MONTH)
        ours = (time.perf_counter() - start) / count
        assert counts["charged"] == count, counts

        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMPORARY TABLE bench_charge (LIKE {RentCharge._meta.db_table} INCLUDING ALL)")
        start = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO bench_charge (terminal_id, merchant_id, month, amount, currency, status, "
                "status_changed_at, due_on, contract_version, days, days_in_month, credit_reason, created_at) "
                "SELECT id, merchant_id, %s, 31.00, 'CNY', 'due', now(), %s, 1, 31, 31, '', now() "
                "FROM terminals_terminal", [MONTH, date(2025, 1, 10)])
        floor = (time.perf_counter() - start) / count
        print(f"rent_charge_month: {1 / ours:,.0f} charges per second ({count} terminals)", flush=True)
        passed = result("rent_job", ours, floor, GOAL)
        assert audit.verify_chain().ok
        return 0 if passed else 1
    finally:
        cleanup()


if __name__ == "__main__":
    sys.exit(main())
