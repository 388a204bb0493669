"""Terminal money: deposits taken at the contract's amount and refunded or forfeited on return; monthly rent
charged exactly once per terminal and month from the contract in force, suspension for unpaid rent and
reactivation once it is paid; the rent list with filters, Decimal totals and a constant number of queries."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from acquirer import roles
from acquirer.exceptions import DomainError, NotPermitted, TransitionNotAllowed
from acquirer.jobs import run_job
from acquirer.models import AuditEvent, JobRun, Notification
from merchants.models import Contract
from terminals.models import DepositMovement, FirmwareCampaign, FirmwareVersion, HealthFlag, RentCharge, Terminal
from terminals.services import money as svc
from terminals.tasks import rent_charge_month as rent_task
from tests.terminals.factories import make_live_merchant, make_terminal

pytestmark = pytest.mark.django_db
T = Terminal.Status
R = RentCharge.Status
JAN = date(2025, 1, 1)


@pytest.fixture
def manager(users):
    return users[roles.OPERATIONS_MANAGER]


@pytest.fixture
def live_a(merchant_a, manager):
    return make_live_merchant(merchant_a, manager, monthly_rent=Decimal("35.50"), deposit=Decimal("499.99"),
                              start_date=date(2024, 1, 1))


def rented(merchant, *, status=T.ACTIVE, rent_start=date(2024, 6, 1), **fields) -> Terminal:
    return make_terminal(status=status, merchant=merchant, rent_start=rent_start, **fields)


# --- rent job ---------------------------------------------------------------------------------

def _live_from(merchant, manager, start: date, end: date | None = None, rent=Decimal("31.00")):
    make_live_merchant(merchant, manager, monthly_rent=rent, start_date=start)
    if end is not None:
        Contract.objects.filter(merchant=merchant).update(end_date=end)
    return merchant


def test_no_rent_is_charged_for_a_month_before_the_contract_term_starts(merchant_a, manager):
    """The demo's defect: a contract starting on 2026-12-01 was billed November on start-up."""
    _live_from(merchant_a, manager, date(2026, 12, 1))
    terminal = rented(merchant_a, rent_start=date(2026, 11, 20))
    counts = svc.rent_charge_month(month=date(2026, 11, 1), today=date(2026, 11, 30))
    assert counts["charged"] == 0 and counts["skipped_no_contract"] == 1
    assert not RentCharge.objects.filter(terminal=terminal).exists()
    svc.rent_charge_month(month=date(2026, 12, 1), today=date(2026, 12, 1))
    december = RentCharge.objects.get(terminal=terminal)
    assert december.month == date(2026, 12, 1) and december.amount == Decimal("31.00") and not december.is_pro_rata
    assert december.due_on == date(2026, 12, 10)


def test_rent_starting_mid_month_is_charged_pro_rata_by_day(merchant_a, manager):
    _live_from(merchant_a, manager, date(2026, 1, 1))
    terminal = rented(merchant_a, rent_start=date(2026, 11, 16))
    svc.rent_charge_month(month=date(2026, 11, 1), today=date(2026, 11, 16))
    charge = RentCharge.objects.get(terminal=terminal)
    # 16..30 November = 15 of 30 days of 31.00
    assert (charge.days, charge.days_in_month, charge.amount) == (15, 30, Decimal("15.50")) and charge.is_pro_rata


def test_a_charge_created_after_its_due_day_is_due_days_ahead_never_in_the_past(merchant_a, manager, settings):
    settings.ACQUIRER_RENT_DUE_AFTER_DAYS = 7
    _live_from(merchant_a, manager, date(2026, 1, 1))
    terminal = rented(merchant_a, rent_start=date(2026, 11, 1))
    svc.rent_charge_month(month=date(2026, 11, 1), today=date(2026, 11, 25))
    charge = RentCharge.objects.get(terminal=terminal)
    assert charge.due_on == date(2026, 12, 2) and charge.due_on > date(2026, 11, 25)


def test_no_rent_after_the_contract_ended_and_the_last_month_is_pro_rata(merchant_a, manager):
    _live_from(merchant_a, manager, date(2025, 1, 1), end=date(2026, 10, 10))
    terminal = rented(merchant_a, rent_start=date(2025, 1, 1))
    svc.rent_charge_month(month=date(2026, 10, 1), today=date(2026, 10, 1))
    october = RentCharge.objects.get(terminal=terminal)
    assert (october.days, october.days_in_month, october.amount) == (10, 31, Decimal("10.00"))
    counts = svc.rent_charge_month(month=date(2026, 11, 1), today=date(2026, 11, 1))
    assert counts["charged"] == 0 and RentCharge.objects.filter(terminal=terminal).count() == 1


def test_a_suspended_terminal_still_at_the_merchant_is_charged_rent(merchant_a, manager):
    _live_from(merchant_a, manager, date(2026, 1, 1))
    terminal = rented(merchant_a, status=T.SUSPENDED, rent_start=date(2026, 1, 1))
    svc.rent_charge_month(month=date(2026, 11, 1), today=date(2026, 11, 1))
    assert RentCharge.objects.get(terminal=terminal).amount == Decimal("31.00")


def test_operations_manager_credits_back_a_wrong_charge_with_a_reason(merchant_a, manager, users):
    _live_from(merchant_a, manager, date(2026, 1, 1))
    terminal = rented(merchant_a, rent_start=date(2026, 1, 1))
    svc.rent_charge_month(month=date(2026, 11, 1), today=date(2026, 11, 1))
    charge = RentCharge.objects.get(terminal=terminal)
    with pytest.raises(DomainError):
        svc.rent_credit(actor=manager, charge=charge, reason="no")
    with pytest.raises(NotPermitted):
        svc.rent_credit(actor=users[roles.RISK_ANALYST], charge=charge, reason="charged before the term")
    svc.rent_credit(actor=manager, charge=charge, reason="charged before the contract term")
    charge.refresh_from_db()
    assert charge.status == R.CREDITED and charge.credit_reason == "charged before the contract term"
    event = AuditEvent.objects.get(action="rent.credited")
    assert event.actor == manager and event.data["reason"] == "charged before the contract term"
    with pytest.raises(TransitionNotAllowed):
        svc.rent_credit(actor=manager, charge=charge, reason="credited twice")


def test_a_paid_charge_credited_back_tells_the_merchant_it_is_refunded(merchant_a, manager, users):
    _live_from(merchant_a, manager, date(2026, 1, 1))
    terminal = rented(merchant_a, rent_start=date(2026, 1, 1))
    svc.rent_charge_month(month=date(2026, 11, 1), today=date(2026, 11, 1))
    charge = svc.rent_mark_paid(actor=manager, charge=RentCharge.objects.get(terminal=terminal), reference="TX1")
    svc.rent_credit(actor=manager, charge=charge, reason="billed before installation")
    assert AuditEvent.objects.get(action="rent.credited").data["was_paid"] is True
    assert Notification.objects.filter(kind="rent.credited", recipient=users["merchant_a"]).exists()


def test_credit_back_button_through_the_rent_list(clients, merchant_a, manager):
    _live_from(merchant_a, manager, date(2026, 1, 1))
    terminal = rented(merchant_a, rent_start=date(2026, 1, 1))
    svc.rent_charge_month(month=date(2026, 11, 1), today=date(2026, 11, 1))
    charge = RentCharge.objects.get(terminal=terminal)
    page = clients[roles.OPERATIONS_MANAGER].get(reverse("ops:rent-list"))
    assert reverse("ops:rent-credit", kwargs={"pk": charge.pk}) in page.content.decode()
    refused = clients[roles.COMPLIANCE_OFFICER].post(reverse("ops:rent-credit", kwargs={"pk": charge.pk}),
                                                     {"reason": "not my job at all"})
    assert refused.status_code == 403
    clients[roles.OPERATIONS_MANAGER].post(reverse("ops:rent-credit", kwargs={"pk": charge.pk}),
                                           {"reason": "charged twice by mistake"})
    charge.refresh_from_db()
    assert charge.status == R.CREDITED


def test_rent_job_run_twice_for_the_same_month_charges_once(live_a):
    terminal = rented(live_a)
    first = svc.rent_charge_month(month=JAN, today=JAN)
    second = svc.rent_charge_month(month=JAN, today=JAN)
    assert first["charged"] == 1 and first["already_charged"] == 0
    assert second["charged"] == 0 and second["already_charged"] == 1
    charge = RentCharge.objects.get(terminal=terminal)
    assert charge.month == JAN and charge.due_on == date(2025, 1, 10) and charge.status == R.DUE
    assert AuditEvent.objects.filter(action="rent.charged", target_id=str(charge.pk)).count() == 1


def test_rent_job_through_run_job_and_the_task_records_counts(live_a):
    rented(live_a)
    run = run_job("terminals.rent_monthly", lambda: svc.rent_charge_month(month=JAN, today=JAN))
    assert run.status == JobRun.Outcome.SUCCEEDED and run.counts["charged"] == 1
    rent_task.apply()  # the scheduled task: the current month
    rent_task.apply()
    runs = list(JobRun.objects.filter(job="terminals.rent_monthly").order_by("id"))
    assert [r.counts["charged"] for r in runs] == [1, 1, 0]
    assert runs[-1].counts["already_charged"] == 1
    this_month = timezone.localdate().replace(day=1)
    assert RentCharge.objects.filter(month=this_month).count() == 1


def test_rent_amount_is_the_contracts_decimal_monthly_rent_with_its_currency(live_a):
    rented(live_a)
    svc.rent_charge_month(month=JAN, today=JAN)
    charge = RentCharge.objects.get()
    contract = Contract.objects.get(merchant=live_a)
    assert charge.amount == Decimal("35.50") and isinstance(charge.amount, Decimal)
    assert charge.currency == contract.currency and charge.contract_version == contract.version


def test_rent_job_skips_and_counts_merchants_without_contract_or_rent(live_a, merchant_b, manager):
    rented(live_a)
    rented(merchant_b)  # no contract at all
    rented(merchant_b)
    counts = svc.rent_charge_month(month=JAN, today=JAN)
    assert counts["charged"] == 1 and counts["skipped_no_contract"] == 2 and counts["merchants_skipped"] == 1
    make_live_merchant(merchant_b, manager, monthly_rent=Decimal("0.00"), start_date=date(2024, 1, 1))
    counts = svc.rent_charge_month(month=date(2025, 2, 1), today=JAN)
    assert counts["skipped_no_rent"] == 2 and counts["merchants_skipped"] == 1
    assert not RentCharge.objects.filter(merchant=merchant_b).exists()


def test_rent_job_charges_only_active_or_suspended_terminals_rented_by_the_months_end(live_a):
    active = rented(live_a)
    suspended = rented(live_a, status=T.SUSPENDED)
    rented(live_a, status=T.TESTED)
    rented(live_a, rent_start=date(2025, 2, 1))  # starts after January
    rented(live_a, rent_start=None)
    rented(live_a, rent_start=date(2025, 1, 31))  # last day of the month counts
    svc.rent_charge_month(month=date(2025, 1, 17), today=JAN)  # any day: the month is its first day
    charged = set(RentCharge.objects.values_list("terminal_id", flat=True))
    assert {active.pk, suspended.pk} <= charged and len(charged) == 3
    assert set(RentCharge.objects.values_list("month", flat=True)) == {JAN}


def test_unpaid_rent_suspends_after_the_grace_days_and_tells_the_owner(live_a, settings, users):
    settings.ACQUIRER_RENT_SUSPEND_AFTER_DAYS = 30
    terminal = rented(live_a)
    svc.rent_charge_month(month=JAN, today=JAN)
    assert svc.rent_charge_month(month=JAN, today=date(2025, 2, 9))["suspended"] == 0  # due 10 Jan + 30 days
    terminal.refresh_from_db()
    assert terminal.status == T.ACTIVE
    counts = svc.rent_charge_month(month=JAN, today=date(2025, 2, 10))
    assert counts["suspended"] == 1 and counts["charged"] == 0
    terminal.refresh_from_db()
    assert terminal.status == T.SUSPENDED and terminal.suspend_reason == Terminal.SuspendReason.UNPAID_RENT
    event = AuditEvent.objects.get(action="terminal.suspended", target_id=str(terminal.pk))
    assert event.data["reason"] == "unpaid_rent" and event.data["months"] == ["2025-01"]
    note = Notification.objects.get(recipient=users["merchant_a"], kind="terminal.suspended_unpaid_rent")
    assert terminal.serial_number in note.title
    assert svc.rent_charge_month(month=JAN, today=date(2025, 2, 11))["suspended"] == 0  # already suspended
    assert Notification.objects.filter(kind="terminal.suspended_unpaid_rent").count() == 1


def test_paying_all_overdue_rent_reactivates_a_terminal_suspended_for_unpaid_rent(live_a, manager):
    terminal = rented(live_a)
    svc.rent_charge_month(month=JAN, today=JAN)
    svc.rent_charge_month(month=date(2025, 2, 1), today=JAN)
    svc.rent_charge_month(month=JAN, today=date(2025, 3, 20))
    terminal.refresh_from_db()
    assert terminal.status == T.SUSPENDED
    jan, feb = RentCharge.objects.filter(terminal=terminal).order_by("month")
    svc.rent_mark_paid(actor=manager, charge=jan, reference="TRX-1")
    terminal.refresh_from_db()
    assert terminal.status == T.SUSPENDED  # February is overdue too
    svc.rent_waive(actor=manager, charge=feb, reason="goodwill after outage")
    terminal.refresh_from_db()
    assert terminal.status == T.ACTIVE and terminal.suspend_reason == ""
    assert AuditEvent.objects.filter(action="terminal.reactivated", target_id=str(terminal.pk)).exists()
    jan.refresh_from_db()
    assert jan.status == R.PAID
    assert AuditEvent.objects.get(action="rent.paid", target_id=str(jan.pk)).data["reference"] == "TRX-1"


def test_paying_rent_does_not_reactivate_a_terminal_suspended_for_another_reason(live_a, manager):
    terminal = rented(live_a, status=T.SUSPENDED, suspend_reason=Terminal.SuspendReason.RISK)
    svc.rent_charge_month(month=JAN, today=JAN)
    svc.rent_mark_paid(actor=manager, charge=RentCharge.objects.get(), reference="TRX-2")
    terminal.refresh_from_db()
    assert terminal.status == T.SUSPENDED and terminal.suspend_reason == Terminal.SuspendReason.RISK


@pytest.mark.parametrize("source", list(R))
@pytest.mark.parametrize("target", [R.PAID, R.WAIVED])
def test_rent_charge_moves_only_from_due(live_a, manager, source, target):
    rented(live_a)
    svc.rent_charge_month(month=JAN, today=JAN)
    charge = RentCharge.objects.get()
    RentCharge.objects.filter(pk=charge.pk).update(status=source)
    move = (lambda: svc.rent_mark_paid(actor=manager, charge=charge, reference="R1")) if target == R.PAID else (
        lambda: svc.rent_waive(actor=manager, charge=charge, reason="goodwill"))
    if target in svc.RENT_MOVES[source]:
        move()
        charge.refresh_from_db()
        assert charge.status == target
    else:
        with pytest.raises(TransitionNotAllowed):
            move()
        charge.refresh_from_db()
        assert charge.status == source


def test_rent_payment_needs_a_reference_and_the_money_permission(live_a, users):
    rented(live_a)
    svc.rent_charge_month(month=JAN, today=JAN)
    charge = RentCharge.objects.get()
    with pytest.raises(DomainError, match="payment reference"):
        svc.rent_mark_paid(actor=users[roles.OPERATIONS_MANAGER], charge=charge, reference=" ")
    with pytest.raises(NotPermitted):
        svc.rent_mark_paid(actor=users[roles.CUSTOMER_SERVICE], charge=charge, reference="X")
    with pytest.raises(DomainError, match="at least 3"):
        svc.rent_waive(actor=users[roles.OPERATIONS_MANAGER], charge=charge, reason="no")


# --- deposits ---------------------------------------------------------------------------------

def test_deposit_take_records_the_contract_amount_and_holds_it(live_a, manager):
    terminal = rented(live_a)
    movement = svc.deposit_take(actor=manager, terminal=terminal, amount=Decimal("499.99"), reference="RC-1")
    terminal.refresh_from_db()
    assert terminal.deposit_state == Terminal.Deposit.HELD
    assert movement.kind == DepositMovement.Kind.TAKEN and movement.amount == Decimal("499.99")
    assert movement.currency == "CNY" and movement.merchant_id == live_a.pk
    event = AuditEvent.objects.get(action="deposit.taken", target_id=str(terminal.pk))
    assert event.data["amount"] == "499.99" and event.after == {"deposit_state": "held"}
    with pytest.raises(DomainError, match="already held"):
        svc.deposit_take(actor=manager, terminal=terminal, amount=Decimal("499.99"))


def test_deposit_take_refuses_another_amount_and_explains_the_contract(live_a, manager):
    terminal = rented(live_a)
    with pytest.raises(DomainError, match=r"sets the deposit at 499.99 CNY; you entered 500.00"):
        svc.deposit_take(actor=manager, terminal=terminal, amount=Decimal("500"))
    with pytest.raises(DomainError, match="decimal number"):
        svc.deposit_take(actor=manager, terminal=terminal, amount=499.99)
    terminal.refresh_from_db()
    assert terminal.deposit_state == Terminal.Deposit.NONE and not DepositMovement.objects.exists()


def test_deposit_take_needs_a_placed_terminal_and_a_contract(live_a, merchant_b, manager, users):
    with pytest.raises(DomainError, match="placed at a merchant"):
        svc.deposit_take(actor=manager, terminal=make_terminal(), amount=Decimal("499.99"))
    with pytest.raises(DomainError, match="no contract in force"):
        svc.deposit_take(actor=manager, terminal=rented(merchant_b), amount=Decimal("499.99"))
    with pytest.raises(NotPermitted):
        svc.deposit_take(actor=users[roles.FIELD_ENGINEER], terminal=rented(live_a), amount=Decimal("499.99"))


@pytest.mark.parametrize("condition_ok, kind, state", [
    (True, DepositMovement.Kind.REFUNDED, Terminal.Deposit.REFUNDED),
    (False, DepositMovement.Kind.FORFEITED, Terminal.Deposit.FORFEITED),
])
def test_deposit_refund_on_return_refunds_or_forfeits(live_a, manager, condition_ok, kind, state):
    terminal = rented(live_a)
    svc.deposit_take(actor=manager, terminal=terminal, amount=Decimal("499.99"))
    with pytest.raises(DomainError, match="back from the merchant"):
        svc.deposit_refund(actor=manager, terminal=terminal, condition_ok=condition_ok)
    Terminal.objects.filter(pk=terminal.pk).update(status=T.IN_STOCK, merchant=None)  # returned (lifecycle)
    movement = svc.deposit_refund(actor=manager, terminal=terminal, condition_ok=condition_ok, reference="RF-9")
    terminal.refresh_from_db()
    assert terminal.deposit_state == state and movement.kind == kind
    assert movement.amount == Decimal("499.99") and movement.merchant_id == live_a.pk
    event = AuditEvent.objects.get(action=f"deposit.{kind}", target_id=str(terminal.pk))
    assert event.merchant_id == live_a.pk
    with pytest.raises(DomainError, match="No deposit is held"):
        svc.deposit_refund(actor=manager, terminal=terminal, condition_ok=True)


# --- views ------------------------------------------------------------------------------------

def _charges(merchant, months):
    """Two charges per month (built directly: the job itself is tested above)."""
    for month in months:
        for _ in range(2):
            terminal = rented(merchant)
            RentCharge.objects.create(terminal=terminal, merchant=merchant, month=month, amount=Decimal("35.50"),
                                      due_on=month.replace(day=10))


def test_rent_list_filters_and_totals_per_status_as_decimal(clients, live_a, merchant_b, manager):
    rented(live_a)
    svc.rent_charge_month(month=JAN, today=JAN)
    svc.rent_charge_month(month=date(2025, 2, 1), today=JAN)
    jan = RentCharge.objects.get(month=JAN)
    svc.rent_mark_paid(actor=manager, charge=jan, reference="P-1")
    client = clients[roles.OPERATIONS_MANAGER]
    page = client.get(reverse("ops:rent-list")).content.decode()
    assert 'data-status="paid" data-currency="CNY">35.50 CNY' in page
    assert 'data-status="due" data-currency="CNY">35.50 CNY' in page
    filtered = client.get(reverse("ops:rent-list"), {"month": "2025-02", "status": "due"})
    assert filtered.context["count"].value == 1
    assert filtered.context["totals"][0]["total"] == Decimal("35.50")
    by_name = client.get(reverse("ops:rent-list"), {"merchant": "Merchant B"})
    assert by_name.context["count"].value == 0
    assert client.get(reverse("ops:rent-list"), {"month": "2025-13"}).status_code == 200


def test_rent_list_keeps_a_constant_number_of_queries(clients, live_a, django_assert_max_num_queries):
    client = clients[roles.OPERATIONS_MANAGER]
    _charges(live_a, [JAN])
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("ops:rent-list"))
    _charges(live_a, [date(2025, 2, 1), date(2025, 3, 1), date(2025, 4, 1)])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("ops:rent-list"))
    assert response.context["count"].value == 8


def test_auditor_reads_the_rent_list_without_actions(clients, live_a):
    _charges(live_a, [JAN])
    page = clients["auditor"].get(reverse("audit:rent-list")).content.decode()
    assert "35.50 CNY" in page and "rent-paid" not in page and 'name="reference"' not in page


def test_rent_paid_and_waive_views(clients, live_a, users):
    rented(live_a)
    rented(live_a)
    svc.rent_charge_month(month=JAN, today=JAN)
    first, second = RentCharge.objects.order_by("id")
    client = clients[roles.OPERATIONS_MANAGER]
    response = client.post(reverse("ops:rent-paid", kwargs={"pk": first.pk}), {"reference": "BANK-77"})
    assert response.status_code == 302 and response["Location"] == reverse("ops:rent-list")
    client.post(reverse("ops:rent-waive", kwargs={"pk": second.pk}), {"reason": "commercial gesture"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == R.PAID and second.status == R.WAIVED
    again = client.post(reverse("ops:rent-paid", kwargs={"pk": first.pk}), {"reference": "BANK-78"}, follow=True)
    assert "Cannot change rent charge" in again.content.decode()
    assert clients[roles.COMPLIANCE_OFFICER].post(reverse("ops:rent-paid", kwargs={"pk": first.pk})).status_code == 403


def test_deposit_views_take_and_refund(clients, live_a):
    terminal = rented(live_a)
    client = clients[roles.OPERATIONS_MANAGER]
    url = reverse("ops:deposit-take", kwargs={"pk": terminal.pk})
    page = client.get(url)
    assert page.status_code == 200 and "499.99 CNY" in page.content.decode()
    wrong = client.post(url, {"amount": "450.00", "reference": "RC-2"})
    assert wrong.status_code == 200 and "sets the deposit at 499.99 CNY" in wrong.content.decode()
    assert client.post(url, {"amount": "499.99", "reference": "RC-2"}).status_code == 302
    terminal.refresh_from_db()
    assert terminal.deposit_state == Terminal.Deposit.HELD
    Terminal.objects.filter(pk=terminal.pk).update(status=T.IN_STOCK)
    refund = reverse("ops:deposit-refund", kwargs={"pk": terminal.pk})
    assert client.post(refund, {"condition_ok": "damaged", "reference": "INSP-1"}).status_code == 302
    terminal.refresh_from_db()
    assert terminal.deposit_state == Terminal.Deposit.FORFEITED
    assert clients[roles.RISK_ANALYST].get(url).status_code == 403


def test_rent_due_on_uses_the_configured_day(settings):
    settings.ACQUIRER_RENT_DUE_DAY = 31
    assert svc.rent_due_on(date(2025, 2, 1)) == date(2025, 2, 28)
    assert svc.month_start(date(2025, 5, 19)) == date(2025, 5, 1)
    assert svc.month_start() == timezone.localdate(timezone=svc.RENT_TIMEZONE).replace(day=1)
    assert svc.month_end(date(2024, 2, 1)) == date(2024, 2, 29)


# --- demo -------------------------------------------------------------------------------------

def _demo_staff(users) -> dict:
    return {"ops": users[roles.OPERATIONS_MANAGER], "reviewer": users[roles.ONBOARDING_REVIEWER],
            "engineer": users[roles.FIELD_ENGINEER], "risk": users[roles.RISK_ANALYST],
            "service": users[roles.CUSTOMER_SERVICE], "compliance": users[roles.COMPLIANCE_OFFICER]}


def test_demo_creates_nothing_without_terminals(users, merchant_a, merchant_b):
    from terminals.demo import money as demo_money

    demo_money.seed(staff=_demo_staff(users), merchant_a=merchant_a, merchant_b=merchant_b)
    assert not FirmwareVersion.objects.exists() and not RentCharge.objects.exists()


def test_demo_builds_firmware_money_and_health_data_once(users, live_a, merchant_b, manager):
    from terminals.demo import money as demo_money
    from tests.terminals.factories import make_model

    model = make_model(brand="PAX", name="A920", min_firmware="9.2.0")
    for _ in range(3):
        rented(live_a, model=model, firmware_version="9.1.0", rent_start=date(2024, 1, 1))
    make_terminal(model=model, firmware_version="9.2.1")
    staff = _demo_staff(users)
    demo_money.seed(staff=staff, merchant_a=live_a, merchant_b=merchant_b)
    counts = [FirmwareVersion.objects.count(), FirmwareCampaign.objects.count(), DepositMovement.objects.count(),
              RentCharge.objects.count(), HealthFlag.objects.count(), AuditEvent.objects.count()]
    demo_money.seed(staff=staff, merchant_a=live_a, merchant_b=merchant_b)
    assert [FirmwareVersion.objects.count(), FirmwareCampaign.objects.count(), DepositMovement.objects.count(),
            RentCharge.objects.count(), HealthFlag.objects.count(), AuditEvent.objects.count()] == counts
    assert set(FirmwareVersion.objects.values_list("version", flat=True)) == {"9.2.0", "9.3.0"}
    campaign = FirmwareCampaign.objects.get()
    assert campaign.status == FirmwareCampaign.Status.RUNNING
    assert sorted(campaign.targets.values_list("outcome", flat=True)) == ["failed", "pending", "pending",
                                                                          "succeeded"]
    assert DepositMovement.objects.filter(kind="taken").count() == 3
    assert RentCharge.objects.filter(status=R.PAID).count() == RentCharge.objects.filter(status=R.DUE).count() == 3
    assert HealthFlag.objects.filter(kind="location", cleared_at__isnull=True).count() == 1
    assert not Terminal.objects.filter(status=T.SUSPENDED).exists()
