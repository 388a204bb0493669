"""Settlement: batches summed exactly to the fen over what may be settled, idempotent, late rows carried, the
payout date from the contract and the working-day calendar, the bank's payout file (never a batch twice), the
statement as CSV and PDF, and merchant B never seeing A's payouts or statements."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from acquirer import roles
from acquirer.files import open_stored
from acquirer.models import AuditEvent
from merchants.models import Contract, SettlementAccount
from tests.transactions.factories import live_merchant_with_terminal, make_transaction
from transactions.models import SettlementBatch, Transaction
from transactions.services.settlement import (
    NothingDue,
    payout_file_create,
    settlement_build,
    settlement_daily,
)

MANAGER = roles.OPERATIONS_MANAGER
FRIDAY = date(2026, 11, 27)  # T+1 of a Friday is the Monday (2026-11-30, a working day)
ACCOUNT = "6217000010001234567"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _account(merchant, number=ACCOUNT):
    return SettlementAccount.objects.create(merchant=merchant, kind="corporate", account_name=merchant.legal_name,
                                            bank_name="中国银行", branch_name="上海分行", account_number=number,
                                            account_number_hash=f"h{merchant.pk}", status="active",
                                            account_number_masked=f"{number[:4]}****{number[-4:]}")


@pytest.fixture
def shop(merchant_a, users):
    merchant, terminal = live_merchant_with_terminal(merchant_a, users[MANAGER])
    _account(merchant)
    return merchant, terminal


@pytest.fixture
def other_shop(merchant_b, users):
    merchant, terminal = live_merchant_with_terminal(merchant_b, users[MANAGER])
    _account(merchant, "6222020000009876543")
    return merchant, terminal


def day_rows(merchant, terminal, day=FRIDAY):
    """Two sales, a completion and a refund that count; a void, a voided sale, a declined one and a
    pre-authorisation that do not."""
    counted = [
        make_transaction(merchant=merchant, terminal=terminal, local_date=day, amount_minor=12345),
        make_transaction(merchant=merchant, terminal=terminal, local_date=day, amount_minor=999),
        make_transaction(merchant=merchant, terminal=terminal, local_date=day, amount_minor=50001, type="completion"),
        make_transaction(merchant=merchant, terminal=terminal, local_date=day, amount_minor=-2001, type="refund"),
    ]
    for kind, status, amount in (("void", "approved", -777), ("sale", "voided", 777), ("sale", "declined", 888),
                                 ("preauth", "approved", 90000)):
        make_transaction(merchant=merchant, terminal=terminal, local_date=day, amount_minor=amount, type=kind,
                         status=status)
    return counted


@pytest.mark.django_db
def test_settlement_sums_exactly_to_the_fen_and_stamps_the_rows(shop, users):
    merchant, terminal = shop
    counted = day_rows(merchant, terminal)
    counts = settlement_build(day=FRIDAY, actor=users[MANAGER])
    assert counts["batches"] == 1 and counts["transactions"] == 4
    batch = SettlementBatch.objects.get(merchant=merchant)
    fees = sum(row["fee_minor"] for row in counted)
    assert (batch.sales_minor, batch.refunds_minor) == (12345 + 999 + 50001, -2001)
    assert batch.fees_minor == fees == 62 + 5 + 250 - 10
    assert batch.net_minor == batch.payout_minor == 12345 + 999 + 50001 - 2001 - fees
    assert batch.held_minor == 0 and batch.transactions == 4 and batch.status == "open"
    assert batch.payout_date == date(2026, 11, 30) and batch.cycle == "T+1"
    assert batch.account_masked == "6217****4567"
    assert batch.payout_reference == f"P261127{batch.pk:09d}" and len(batch.payout_reference) == 16
    stamped = Transaction.objects.filter(settlement_batch_id=batch.pk)
    assert sorted(stamped.values_list("id", flat=True)) == sorted(row["id"] for row in counted)
    assert set(stamped.values_list("settlement_date", flat=True)) == {FRIDAY}
    assert AuditEvent.objects.filter(action="settlement.batch_built", merchant_id=merchant.pk).count() == 1
    assert AuditEvent.objects.filter(action="settlement.built").count() == 1


@pytest.mark.django_db
def test_settlement_is_idempotent_and_a_late_row_joins_the_next_run(shop, other_shop):
    merchant, terminal = shop
    day_rows(merchant, terminal)
    first = settlement_build(day=FRIDAY)
    again = settlement_build(day=FRIDAY)
    assert first["batches"] == 1 and again["batches"] == 0 and again["transactions"] == 0
    assert SettlementBatch.objects.count() == 1
    late = make_transaction(merchant=merchant, terminal=terminal, local_date=FRIDAY, amount_minor=3000)
    assert settlement_build(day=FRIDAY)["left_unsettled"] == 1  # its day is built: it waits for the next run
    saturday = FRIDAY + timedelta(days=1)
    make_transaction(merchant=merchant, terminal=terminal, local_date=saturday, amount_minor=1000)
    settlement_build(day=saturday)
    batch = SettlementBatch.objects.get(merchant=merchant, settlement_date=saturday)
    assert batch.sales_minor == 4000 and batch.transactions == 2
    assert Transaction.objects.get(id=late["id"]).settlement_batch_id == batch.pk
    assert batch.payout_date == date(2026, 11, 30)  # Saturday's T+1 is Monday too


@pytest.mark.django_db
def test_a_day_never_built_does_not_take_an_earlier_days_rows(shop):
    merchant, terminal = shop
    make_transaction(merchant=merchant, terminal=terminal, local_date=FRIDAY - timedelta(days=1))
    make_transaction(merchant=merchant, terminal=terminal, local_date=FRIDAY)
    settlement_build(day=FRIDAY)
    assert SettlementBatch.objects.get().transactions == 1  # Thursday was never built: its rows wait for it
    settlement_build(day=FRIDAY - timedelta(days=1))
    assert SettlementBatch.objects.count() == 2


@pytest.mark.django_db
def test_d0_pays_the_same_day_and_t1_skips_a_holiday(shop):
    merchant, terminal = shop
    from acquirer.models import WorkingDayOverride

    make_transaction(merchant=merchant, terminal=terminal, local_date=FRIDAY)
    from acquirer import calendar

    WorkingDayOverride.objects.create(date=date(2026, 11, 30), kind="holiday", name="test holiday")
    calendar.overrides_changed()
    settlement_build(day=FRIDAY)
    assert SettlementBatch.objects.get().payout_date == date(2026, 12, 1)
    Contract.objects.filter(merchant=merchant).update(settlement_cycle="D+0")
    monday = date(2026, 11, 23)
    make_transaction(merchant=merchant, terminal=terminal, local_date=monday)
    settlement_build(day=monday)
    assert SettlementBatch.objects.get(settlement_date=monday).payout_date == monday


@pytest.mark.django_db
def test_a_negative_day_pays_nothing_and_is_carried(shop):
    merchant, terminal = shop
    make_transaction(merchant=merchant, terminal=terminal, local_date=FRIDAY, amount_minor=1000)
    make_transaction(merchant=merchant, terminal=terminal, local_date=FRIDAY, amount_minor=-5000, type="refund")
    settlement_build(day=FRIDAY)
    batch = SettlementBatch.objects.get()
    assert batch.net_minor == 1000 - 5000 - (5 - 25)
    assert batch.payout_minor == 0 and batch.status == "open"
    with pytest.raises(NothingDue):
        payout_file_create(payout_date=date(2026, 12, 31))


@pytest.mark.django_db
def test_the_payout_file_pays_each_due_batch_once_with_the_full_account(shop, other_shop, users):
    merchant, terminal = shop
    b_merchant, b_terminal = other_shop
    day_rows(merchant, terminal)
    make_transaction(merchant=b_merchant, terminal=b_terminal, local_date=FRIDAY, amount_minor=20000)
    settlement_build(day=FRIDAY)
    with pytest.raises(NothingDue):
        payout_file_create(payout_date=FRIDAY)  # nothing is due before Monday
    payout = payout_file_create(payout_date=date(2026, 11, 30), actor=users[MANAGER])
    batches = SettlementBatch.objects.order_by("id")
    assert payout.rows == 2 and payout.total_minor == sum(b.payout_minor for b in batches)
    assert {b.status for b in batches} == {"in_payout"} and {b.payout_file_id for b in batches} == {payout.pk}
    with open_stored(payout.stored_name) as handle:
        text = handle.read().decode()
    lines = {line["reference"]: line for line in csv.DictReader(io.StringIO(text))}
    a_batch, b_batch = batches.get(merchant=merchant), batches.get(merchant=b_merchant)
    assert lines[a_batch.payout_reference]["account_number"] == ACCOUNT
    amount = lines[a_batch.payout_reference]["amount"]
    assert amount == f"{a_batch.payout_minor // 100}.{a_batch.payout_minor % 100:02d}"
    assert lines[b_batch.payout_reference]["amount"] == "199.00"
    assert lines[b_batch.payout_reference]["account_number"] == "6222020000009876543"
    assert lines[a_batch.payout_reference]["payout_date"] == "2026-11-30"
    assert lines[a_batch.payout_reference]["transaction_date"] == "2026-11-27"
    with pytest.raises(NothingDue):
        payout_file_create(payout_date=date(2026, 11, 30))
    assert AuditEvent.objects.filter(action="settlement.payout_file_created").count() == 1
    client = Client()
    client.force_login(users[MANAGER])
    download = client.get(reverse("ops:payout-file-download", args=[payout.pk]))
    assert download.status_code == 200 and ACCOUNT.encode() in b"".join(download.streaming_content)
    assert AuditEvent.objects.filter(action="settlement.payout_file_downloaded").count() == 1


@pytest.mark.django_db
def test_the_daily_job_builds_yesterday_and_pays_today(shop):
    merchant, terminal = shop
    make_transaction(merchant=merchant, terminal=terminal, local_date=FRIDAY)
    Contract.objects.filter(merchant=merchant).update(settlement_cycle="D+0")
    counts = settlement_daily(today=FRIDAY + timedelta(days=1))
    assert counts["batches"] == 1 and counts["payouts"] == 1
    assert settlement_daily(today=FRIDAY + timedelta(days=1))["payouts"] == 0


@pytest.mark.django_db
def test_ops_builds_and_pays_from_the_pages(clients, shop):
    merchant, terminal = shop
    make_transaction(merchant=merchant, terminal=terminal, local_date=FRIDAY)
    client = clients[MANAGER]
    assert client.post(reverse("ops:settlement-build"), {"day": "2026-11-27"}).status_code == 302
    page = client.get(reverse("ops:settlement-batch-list"), {"mid": merchant.mid}).content.decode()
    assert "P261127" in page and "6217****4567" in page
    assert client.post(reverse("ops:payout-file-create"), {"payout_date": "2026-11-30"}).status_code == 302
    assert "Download" in client.get(reverse("ops:payout-file-list")).content.decode()
    assert clients["customer_service"].post(reverse("ops:settlement-build"), {"day": "2026-11-27"}).status_code == 403


@pytest.mark.django_db
def test_statements_pdf_and_csv_show_the_merchant_and_totals(clients, shop, other_shop):
    from pypdf import PdfReader

    merchant, terminal = shop
    b_merchant, b_terminal = other_shop
    day_rows(merchant, terminal)
    make_transaction(merchant=b_merchant, terminal=b_terminal, local_date=FRIDAY, amount_minor=20000,
                     rrn="BBBBBBBBBBBB")
    settlement_build(day=FRIDAY)
    batch = SettlementBatch.objects.get(merchant=merchant)
    query = {"month": "2026-11"}
    pdf = clients["merchant_a"].get(reverse("portal:statement-pdf"), query)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert merchant.legal_name in text
    assert "633.45" in text  # gross sales 123.45 + 9.99 + 500.01
    assert f"{batch.net_minor // 100}.{batch.net_minor % 100:02d}" in text and batch.payout_reference in text
    response = clients["merchant_a"].get(reverse("portal:statement-csv"), query)
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert body.count("\n") >= 8 + 1 + 3  # 8 rows, their header, a blank line, the batches' header, batch, total
    assert batch.payout_reference in body and "BBBBBBBBBBBB" not in body
    page = clients["merchant_a"].get(reverse("portal:statement"), query).content.decode()
    assert "633.45" in page
    # merchant B: its own statement only
    b_page = clients["merchant_b"].get(reverse("portal:statement"), query).content.decode()
    assert "633.45" not in b_page and "200.00" in b_page
    b_csv = b"".join(clients["merchant_b"].get(reverse("portal:statement-csv"), query).streaming_content).decode()
    assert batch.payout_reference not in b_csv and "BBBBBBBBBBBB" in b_csv
    ops = clients[MANAGER].get(reverse("ops:statement-pdf"), {"mid": merchant.mid, **query})
    assert ops.status_code == 200
    assert AuditEvent.objects.filter(action="settlement.statement_downloaded").count() == 4


@pytest.mark.django_db
def test_merchant_b_never_sees_a_payouts(clients, shop, other_shop):
    merchant, terminal = shop
    day_rows(merchant, terminal)
    settlement_build(day=FRIDAY)
    reference = SettlementBatch.objects.get().payout_reference
    assert reference in clients["merchant_a"].get(reverse("portal:payout-list")).content.decode()
    assert reference not in clients["merchant_b"].get(reverse("portal:payout-list")).content.decode()
