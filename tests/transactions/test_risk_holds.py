"""Settlement holds: placed by one person and released only by a second (neither the one who placed it nor the one
who asked); the settlement build keeps the money back (everything, or an amount spread over days until used up)
and pays a released hold's money with the next batch exactly once; statements show the merchant's wording, never
the internal reason."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.utils import timezone
from pypdf import PdfReader

from acquirer import roles
from acquirer.exceptions import DomainError, NotPermitted, TransitionNotAllowed
from acquirer.models import AuditEvent
from merchants.models import SettlementAccount
from tests.factories import make_user
from tests.transactions.factories import live_merchant_with_terminal, make_transaction
from tests.transactions.risk_factories import make_case, make_hold
from transactions.models import SettlementBatch, SettlementHold
from transactions.services import risk_holds as svc
from transactions.services.settlement import payout_file_create, settlement_build
from transactions.services.statements import statement_csv, statement_pdf

H = SettlementHold.Status
ANALYST, MANAGER, COMPLIANCE = roles.RISK_ANALYST, roles.OPERATIONS_MANAGER, roles.COMPLIANCE_OFFICER
FRIDAY = date(2026, 11, 27)
INTERNAL = "内部原因 internal: cash-out pattern"
WORDING = "风险审查中 Under risk review"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def shop(merchant_a, users):
    merchant, terminal = live_merchant_with_terminal(merchant_a, users[MANAGER])
    SettlementAccount.objects.create(merchant=merchant, kind="corporate", account_name=merchant.legal_name,
                                     bank_name="中国银行", branch_name="上海分行", account_number="6217000010001234567",
                                     account_number_hash=f"h{merchant.pk}", status="active",
                                     account_number_masked="6217****4567")
    return merchant, terminal


def _place(actor, merchant, **kwargs):
    values = {"reason": INTERNAL, "merchant_reason": WORDING, "review_date": timezone.localdate() + timedelta(days=7)}
    values.update(kwargs)
    return svc.hold_place(actor=actor, merchant=merchant, **values)


def _sales(merchant, terminal, day, *amounts):
    for amount in amounts:
        make_transaction(merchant=merchant, terminal=terminal, local_date=day, amount_minor=amount, fee_minor=0)


# --- placing ------------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_hold_place_everything_or_an_amount(shop, users):
    merchant, _terminal = shop
    everything = _place(users[ANALYST], merchant)
    amount = _place(users[MANAGER], merchant, amount_minor=50000)
    assert everything.amount_minor is None and amount.amount_minor == 50000
    assert everything.status == amount.status == H.ACTIVE and everything.placed_by == users[ANALYST]
    event = AuditEvent.objects.filter(action="settlement_hold.placed").first()
    assert event.merchant_id == merchant.pk


@pytest.mark.django_db
@pytest.mark.parametrize("who", [COMPLIANCE, roles.CUSTOMER_SERVICE, roles.FIELD_ENGINEER, "auditor", "merchant_a"])
def test_hold_place_refused_without_the_permission(who, shop, users):
    with pytest.raises(NotPermitted):
        _place(users[who], shop[0])
    assert not SettlementHold.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("kwargs, message", [
    ({"amount_minor": 0}, "positive"),
    ({"amount_minor": -5}, "positive"),
    ({"review_date": date(2020, 1, 1)}, "past"),
    ({"merchant_reason": "x" * 301}, "300"),
    ({"merchant_reason": "  "}, "merchant will read"),
    ({"reason": "no"}, "reason"),
])
def test_hold_place_checks_its_inputs(kwargs, message, shop, users):
    with pytest.raises(DomainError, match=message):
        _place(users[ANALYST], shop[0], **kwargs)


@pytest.mark.django_db
def test_hold_from_a_case_must_be_of_its_merchant(shop, users, merchant_b):
    merchant, terminal = shop
    case = make_case(merchant=merchant, terminal=terminal, status="investigating")
    hold = _place(users[ANALYST], merchant, case=case)
    assert hold.case == case
    other, _t = live_merchant_with_terminal(merchant_b, users[MANAGER])
    with pytest.raises(DomainError, match="another merchant"):
        _place(users[ANALYST], other, case=case)
    closed = make_case(merchant=merchant, terminal=terminal, status="closed")
    with pytest.raises(TransitionNotAllowed):
        _place(users[ANALYST], merchant, case=closed)


# --- release: four eyes -------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_release_needs_a_second_person(shop, users):
    placer, manager = users[ANALYST], users[MANAGER]
    hold = _place(placer, shop[0])
    svc.hold_request_release(actor=placer, hold=hold, reason="review finished, all clear")
    hold.refresh_from_db()
    assert hold.status == H.RELEASE_REQUESTED and hold.release_requested_by == placer
    with pytest.raises(DomainError, match="Four eyes"):
        svc.hold_approve_release(actor=placer, hold=hold)
    svc.hold_approve_release(actor=manager, hold=hold)
    hold.refresh_from_db()
    assert hold.status == H.RELEASED and hold.released_by == manager and hold.released_at
    event = AuditEvent.objects.get(action="settlement_hold.released")
    assert event.before == {"status": "release_requested"} and event.after == {"status": "released"}


@pytest.mark.django_db
def test_release_refused_for_the_placer_and_the_requester(shop, users):
    placer, requester, third = users[ANALYST], users[MANAGER], make_user(roles=[ANALYST])
    hold = _place(placer, shop[0])
    svc.hold_request_release(actor=requester, hold=hold, reason="review finished, all clear")
    for actor in (placer, requester):
        with pytest.raises(DomainError, match="Four eyes"):
            svc.hold_approve_release(actor=actor, hold=hold)
    with pytest.raises(DomainError, match="Four eyes"):
        svc.hold_reject_release(actor=requester, hold=hold, reason="changed my mind")
    svc.hold_approve_release(actor=third, hold=hold)
    assert SettlementHold.objects.get(pk=hold.pk).status == H.RELEASED


@pytest.mark.django_db
def test_reject_release_makes_the_hold_active_again(shop, users):
    hold = _place(users[ANALYST], shop[0])
    svc.hold_request_release(actor=users[ANALYST], hold=hold, reason="review finished")
    with pytest.raises(DomainError, match="reason"):
        svc.hold_reject_release(actor=users[MANAGER], hold=hold, reason="no")
    svc.hold_reject_release(actor=users[MANAGER], hold=hold, reason="chargebacks still coming in")
    hold.refresh_from_db()
    assert hold.status == H.ACTIVE and hold.release_requested_by is None and hold.release_reason == ""
    assert AuditEvent.objects.filter(action="settlement_hold.release_rejected").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("status", [H.RELEASE_REQUESTED, H.RELEASED])
def test_request_release_only_from_active(status, shop, users):
    hold = make_hold(merchant=shop[0], placed_by=users[MANAGER], status=status)
    with pytest.raises(TransitionNotAllowed):
        svc.hold_request_release(actor=users[ANALYST], hold=hold, reason="review finished")


@pytest.mark.django_db
@pytest.mark.parametrize("status", [H.ACTIVE, H.RELEASED])
def test_approve_and_reject_only_from_release_requested(status, shop, users):
    hold = make_hold(merchant=shop[0], placed_by=users[MANAGER], status=status)
    with pytest.raises(TransitionNotAllowed):
        svc.hold_approve_release(actor=users[ANALYST], hold=hold)
    with pytest.raises(TransitionNotAllowed):
        svc.hold_reject_release(actor=users[ANALYST], hold=hold, reason="not now please")


@pytest.mark.django_db
@pytest.mark.parametrize("who", [COMPLIANCE, roles.CUSTOMER_SERVICE, "auditor", "merchant_a"])
def test_release_moves_refused_without_the_permission(who, shop, users):
    hold = make_hold(merchant=shop[0], placed_by=users[MANAGER])
    with pytest.raises(DomainError):
        svc.hold_request_release(actor=users[who], hold=hold, reason="review finished")
    requested = make_hold(merchant=shop[0], placed_by=users[MANAGER], status=H.RELEASE_REQUESTED,
                          release_requested_by=users[MANAGER])
    with pytest.raises(NotPermitted):
        svc.hold_approve_release(actor=users[who], hold=requested)
    with pytest.raises(NotPermitted):
        svc.hold_reject_release(actor=users[who], hold=requested, reason="not now please")


# --- settlement honours holds -------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_hold_of_everything_keeps_the_whole_net(shop, users):
    merchant, terminal = shop
    hold = _place(users[ANALYST], merchant)
    _sales(merchant, terminal, FRIDAY, 30000, 12345)
    counts = settlement_build(day=FRIDAY)
    batch = SettlementBatch.objects.get(merchant=merchant)
    assert batch.net_minor == 42345 and batch.held_minor == 42345 and batch.payout_minor == 0
    assert batch.status == "held" and batch.hold_reason == WORDING
    assert counts["held_minor"] == 42345 and counts["payout_minor"] == 0
    assert SettlementHold.objects.get(pk=hold.pk).held_minor == 42345
    settlement_build(day=FRIDAY)  # a re-run keeps nothing more
    assert SettlementHold.objects.get(pk=hold.pk).held_minor == 42345


@pytest.mark.django_db
def test_amount_hold_spread_over_two_days_until_used_up(shop, users):
    merchant, terminal = shop
    hold = _place(users[ANALYST], merchant, amount_minor=50000)
    saturday, sunday = FRIDAY + timedelta(days=1), FRIDAY + timedelta(days=2)
    _sales(merchant, terminal, FRIDAY, 30000)
    _sales(merchant, terminal, saturday, 40000)
    _sales(merchant, terminal, sunday, 10000)
    for day in (FRIDAY, saturday, sunday):
        settlement_build(day=day)
    batches = {b.settlement_date: b for b in SettlementBatch.objects.filter(merchant=merchant)}
    assert (batches[FRIDAY].held_minor, batches[FRIDAY].payout_minor) == (30000, 0)
    assert (batches[saturday].held_minor, batches[saturday].payout_minor) == (20000, 20000)
    assert (batches[sunday].held_minor, batches[sunday].payout_minor, batches[sunday].hold_reason) == (0, 10000, "")
    assert batches[saturday].hold_reason == WORDING and batches[saturday].status == "open"
    assert SettlementHold.objects.get(pk=hold.pk).held_minor == 50000


@pytest.mark.django_db
def test_two_amount_holds_are_charged_in_order(shop, users):
    merchant, terminal = shop
    first = _place(users[ANALYST], merchant, amount_minor=10000)
    second = _place(users[ANALYST], merchant, amount_minor=10000, merchant_reason="补充材料审核 Documents review")
    _sales(merchant, terminal, FRIDAY, 15000)
    settlement_build(day=FRIDAY)
    batch = SettlementBatch.objects.get(merchant=merchant)
    assert batch.held_minor == 15000 and batch.payout_minor == 0
    assert WORDING in batch.hold_reason and "Documents review" in batch.hold_reason
    assert SettlementHold.objects.get(pk=first.pk).held_minor == 10000
    assert SettlementHold.objects.get(pk=second.pk).held_minor == 5000


@pytest.mark.django_db
def test_negative_net_keeps_nothing(shop, users):
    merchant, terminal = shop
    hold = _place(users[ANALYST], merchant)
    make_transaction(merchant=merchant, terminal=terminal, local_date=FRIDAY, amount_minor=-5000, type="refund",
                     fee_minor=0)
    settlement_build(day=FRIDAY)
    batch = SettlementBatch.objects.get(merchant=merchant)
    assert batch.net_minor == -5000 and batch.held_minor == 0 and batch.payout_minor == 0
    assert SettlementHold.objects.get(pk=hold.pk).held_minor == 0


@pytest.mark.django_db
def test_release_approved_pays_the_held_money_with_the_next_batch_once(shop, users):
    merchant, terminal = shop
    hold = _place(users[ANALYST], merchant)
    saturday, sunday = FRIDAY + timedelta(days=1), FRIDAY + timedelta(days=2)
    _sales(merchant, terminal, FRIDAY, 30000)
    settlement_build(day=FRIDAY)
    svc.hold_request_release(actor=users[ANALYST], hold=hold, reason="review finished, all clear")
    _sales(merchant, terminal, saturday, 1000)
    settlement_build(day=saturday)  # still held while the release waits
    assert SettlementBatch.objects.get(merchant=merchant, settlement_date=saturday).held_minor == 1000
    svc.hold_approve_release(actor=users[MANAGER], hold=hold)
    _sales(merchant, terminal, sunday, 2000)
    settlement_build(day=sunday)
    batch = SettlementBatch.objects.get(merchant=merchant, settlement_date=sunday)
    assert (batch.net_minor, batch.held_minor, batch.released_minor, batch.payout_minor) == (2000, 0, 31000, 33000)
    assert batch.status == "open" and batch.hold_reason == ""
    hold.refresh_from_db()
    assert hold.held_minor == hold.paid_back_minor == 31000
    settlement_build(day=sunday)  # a re-run pays nothing twice
    monday = sunday + timedelta(days=1)
    _sales(merchant, terminal, monday, 500)
    settlement_build(day=monday)
    assert SettlementBatch.objects.get(merchant=merchant, settlement_date=monday).released_minor == 0
    assert sum(SettlementBatch.objects.filter(merchant=merchant).values_list("payout_minor", flat=True)) == 33500
    payout_file = payout_file_create(payout_date=date(2026, 12, 31))
    assert payout_file.total_minor == 33500


@pytest.mark.django_db
def test_released_money_is_paid_even_when_the_next_net_is_negative(shop, users):
    merchant, terminal = shop
    hold = make_hold(merchant=merchant, placed_by=users[ANALYST], status=H.RELEASED, held_minor=7000)
    make_transaction(merchant=merchant, terminal=terminal, local_date=FRIDAY, amount_minor=-500, type="refund",
                     fee_minor=0)
    settlement_build(day=FRIDAY)
    batch = SettlementBatch.objects.get(merchant=merchant)
    assert (batch.net_minor, batch.released_minor, batch.payout_minor) == (-500, 7000, 7000)
    assert SettlementHold.objects.get(pk=hold.pk).paid_back_minor == 7000


@pytest.mark.django_db
def test_statements_show_the_hold_in_the_merchants_words(shop, users):
    merchant, terminal = shop
    hold = _place(users[ANALYST], merchant)
    _sales(merchant, terminal, FRIDAY, 30000)
    settlement_build(day=FRIDAY)
    svc.hold_request_release(actor=users[ANALYST], hold=hold, reason="review finished, all clear")
    svc.hold_approve_release(actor=users[MANAGER], hold=hold)
    saturday = FRIDAY + timedelta(days=1)
    _sales(merchant, terminal, saturday, 1000)
    settlement_build(day=saturday)
    owner = users["merchant_a"]
    _statement, blocks = statement_csv(actor=owner, merchant=merchant, first=FRIDAY, last=saturday)
    text = b"".join(blocks).decode("utf-8")
    assert WORDING in text and "internal" not in text and INTERNAL not in text
    batch_rows = list(csv.reader(io.StringIO(text.split("\n\n", 1)[1])))
    header, friday, sat = batch_rows[0], batch_rows[1], batch_rows[2]
    assert friday[header.index("held")] == "300.00" and friday[header.index("payout")] == "0.00"
    assert sat[header.index("released")] == "300.00" and sat[header.index("payout")] == "310.00"
    _statement, pdf = statement_pdf(actor=owner, merchant=merchant, first=FRIDAY, last=saturday)
    pdf_text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Under risk review" in pdf_text and "internal" not in pdf_text and "Released" in pdf_text
