"""The terminal jobs at scale: they walk the terminals in batches (``ACQUIRER_BATCH_SIZE``), commit each batch on
its own (so the audit chain lock is never held across batches), finish on a re-run what an interrupted run left,
and issue a bounded number of queries per batch."""

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from acquirer import audit, roles
from acquirer.models import AuditEvent, Notification
from terminals.models import HealthFlag, RentCharge, Terminal, Ticket, WorkOrder
from terminals.services import health, money, tickets, workorders
from tests.terminals.factories import make_live_merchant, make_model, make_terminal

T = Terminal.Status
JAN = date(2025, 1, 1)


@pytest.fixture
def live_a(merchant_a, users):
    return make_live_merchant(merchant_a, users[roles.OPERATIONS_MANAGER], monthly_rent=Decimal("31.00"),
                              start_date=date(2024, 1, 1))


def rented(merchant, count: int, **fields) -> list[Terminal]:
    model = make_model()
    return [make_terminal(status=T.ACTIVE, merchant=merchant, model=model, rent_start=date(2024, 6, 1), **fields)
            for _ in range(count)]


def _drop_guard() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS test_crash ON terminals_rentcharge; "
                       "DROP FUNCTION IF EXISTS test_crash()")


@pytest.mark.django_db
def test_rent_in_several_batches_charges_each_terminal_once_and_a_rerun_nothing(live_a, settings):
    settings.ACQUIRER_BATCH_SIZE = 3
    terminals = rented(live_a, 7)
    first = money.rent_charge_month(month=JAN, today=JAN)
    second = money.rent_charge_month(month=JAN, today=JAN)
    assert first["charged"] == 7 and first["already_charged"] == 0
    assert second["charged"] == 0 and second["already_charged"] == 7
    assert set(RentCharge.objects.values_list("terminal_id", flat=True)) == {t.pk for t in terminals}
    events = AuditEvent.objects.filter(action="rent.charged")
    assert events.count() == 7 and audit.verify_chain().ok
    charge = RentCharge.objects.get(terminal=terminals[0])
    event = events.get(target_id=str(charge.pk))
    assert event.target_repr == f"{terminals[0].serial_number} 2025-01" and event.merchant_id == live_a.pk
    assert event.after == {"amount": "31.00", "currency": "CNY", "due_on": "2025-01-10"}
    assert event.data == {"terminal": terminals[0].pk, "month": "2025-01", "contract_version": 1, "days": 31,
                          "days_in_month": 31}


@pytest.mark.django_db
def test_a_rent_run_interrupted_after_some_batches_is_finished_by_the_next_run(live_a, settings):
    settings.ACQUIRER_BATCH_SIZE = 2
    terminals = rented(live_a, 6)
    with connection.cursor() as cursor:  # the database refuses the 5th terminal's charge: the run dies there
        cursor.execute(f"""CREATE FUNCTION test_crash() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW.terminal_id = {terminals[4].pk} THEN RAISE EXCEPTION 'crash'; END IF; RETURN NEW; END $$;
            CREATE TRIGGER test_crash BEFORE INSERT ON terminals_rentcharge FOR EACH ROW
            EXECUTE FUNCTION test_crash();""")
    try:
        with pytest.raises(Exception, match="crash"):
            money.rent_charge_month(month=JAN, today=JAN)
    finally:
        _drop_guard()
    assert RentCharge.objects.count() == 4  # the first two batches stayed
    counts = money.rent_charge_month(month=JAN, today=JAN)
    assert counts["charged"] == 2 and counts["already_charged"] == 4
    assert set(RentCharge.objects.values_list("terminal_id", flat=True)) == {t.pk for t in terminals}
    assert AuditEvent.objects.filter(action="rent.charged").count() == 6 and audit.verify_chain().ok


@pytest.mark.django_db
def test_rent_queries_grow_by_a_constant_per_batch(live_a, settings, django_assert_max_num_queries):
    settings.ACQUIRER_BATCH_SIZE = 5
    rented(live_a, 10)  # 2 batches
    with CaptureQueriesContext(connection) as two:
        assert money.rent_charge_month(month=JAN, today=JAN)["charged"] == 10
    rented(live_a, 10)  # 4 batches
    per_batch = 10
    with django_assert_max_num_queries(len(two) + 2 * per_batch):
        assert money.rent_charge_month(month=date(2025, 2, 1), today=JAN)["charged"] == 20
    assert len(two) <= 2 * per_batch + 3


@pytest.mark.django_db
def test_unpaid_rent_suspension_in_batches(live_a, settings):
    settings.ACQUIRER_BATCH_SIZE = 2
    settings.ACQUIRER_RENT_SUSPEND_AFTER_DAYS = 30
    terminals = rented(live_a, 5)
    money.rent_charge_month(month=JAN, today=JAN)
    assert money.rent_charge_month(month=JAN, today=date(2025, 3, 1))["suspended"] == 5
    assert set(Terminal.objects.filter(pk__in=[t.pk for t in terminals]).values_list("status", flat=True)) == {
        T.SUSPENDED}
    events = AuditEvent.objects.filter(action="terminal.suspended")
    assert events.count() == 5 and {e.data["months"][0] for e in events} == {"2025-01"}
    assert money.rent_charge_month(month=JAN, today=date(2025, 3, 2))["suspended"] == 0


@pytest.mark.django_db(transaction=True)
def test_another_audited_write_commits_while_the_rent_job_runs(live_a, settings):
    """The job commits each batch: the chain lock is free between batches, so a concurrent audited write does
    not wait for the whole run."""
    settings.ACQUIRER_BATCH_SIZE = 3
    rented(live_a, 90)  # 30 batches
    errors = []

    def job():
        try:
            money.rent_charge_month(month=JAN, today=JAN)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    worker = threading.Thread(target=job)
    worker.start()
    try:
        while not RentCharge.objects.exists() and worker.is_alive():
            pass
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '5s'")
            ours = audit.record("audit.checkpoint_written", data={"while": "rent job"})
    finally:
        worker.join(60)
    assert not errors
    last_charge = AuditEvent.objects.filter(action="rent.charged").order_by("-id").first()
    assert last_charge.id > ours.id, "the write waited for the whole job"
    assert RentCharge.objects.count() == 90 and audit.verify_chain().ok


@pytest.mark.django_db
def test_stale_flags_in_batches_flag_and_clear_once(merchant_a, settings):
    settings.ACQUIRER_BATCH_SIZE = 2
    settings.ACQUIRER_TERMINAL_STALE_DAYS = 7
    today = date(2026, 11, 23)
    long_ago = timezone.make_aware(timezone.datetime(2026, 11, 1, 12))
    terminals = rented(merchant_a, 5, last_transaction_at=long_ago)
    first = health.terminals_flag_stale(today=today)
    assert first == {"checked": 5, "flagged": 5, "already_flagged": 0, "cleared": 0}
    assert health.terminals_flag_stale(today=today)["already_flagged"] == 5
    Terminal.objects.filter(pk__in=[t.pk for t in terminals[:3]]).update(last_transaction_at=timezone.now())
    assert health.terminals_flag_stale(today=today)["cleared"] == 3
    assert HealthFlag.objects.filter(cleared_at__isnull=True).count() == 2
    assert AuditEvent.objects.filter(action="health.flagged").count() == 5
    assert AuditEvent.objects.filter(action="health.cleared").count() == 3 and audit.verify_chain().ok


@pytest.mark.django_db
def test_maintenance_plan_in_batches_numbers_every_visit_once(live_a, settings):
    settings.ACQUIRER_BATCH_SIZE = 2
    today = timezone.localdate()
    rented(live_a, 5, next_maintenance_due=today - timedelta(days=1))
    assert workorders.maintenance_create_due(today=today) == {"due": 5, "created": 5, "already_planned": 0}
    assert workorders.maintenance_create_due(today=today) == {"due": 5, "created": 0, "already_planned": 5}
    numbers = sorted(WorkOrder.objects.values_list("number", flat=True))
    assert numbers == [f"WO-{today:%Y%m%d}-{n:04d}" for n in range(1, 6)]
    assert AuditEvent.objects.filter(action="work_order.created").count() == 5 and audit.verify_chain().ok


@pytest.mark.django_db
def test_day_numbers_continue_after_the_numbers_written_before_the_counter(live_a):
    today = timezone.localdate()
    WorkOrder.objects.create(number=f"WO-{today:%Y%m%d}-0007", kind=WorkOrder.Kind.SURVEY, merchant=live_a,
                             address="x")
    rented(live_a, 2, next_maintenance_due=today)
    workorders.maintenance_create_due(today=today)
    assert sorted(WorkOrder.objects.filter(kind=WorkOrder.Kind.MAINTENANCE).values_list("number", flat=True)) == [
        f"WO-{today:%Y%m%d}-0008", f"WO-{today:%Y%m%d}-0009"]


def overdue_tickets(users, merchant, count: int) -> list[Ticket]:
    raised = timezone.now() - timedelta(days=10)
    return [tickets.ticket_raise(actor=users[roles.CUSTOMER_SERVICE], terminal=terminal, category="hardware",
                                 severity=Ticket.Severity.HIGH, description="The chip reader fails",
                                 channel=Ticket.Channel.PHONE, raised_at=raised)
            for terminal in rented(merchant, count)]


@pytest.mark.django_db
def test_sla_check_in_batches_escalates_each_ticket_once(users, merchant_a, settings):
    settings.ACQUIRER_BATCH_SIZE = 2
    raised = overdue_tickets(users, merchant_a, 5)
    assert tickets.tickets_check_sla() == {"checked": 5, "response_breached": 5, "resolution_breached": 5,
                                           "escalated": 5}
    assert tickets.tickets_check_sla() == {"checked": 0, "response_breached": 0, "resolution_breached": 0,
                                           "escalated": 0}
    assert not Ticket.objects.filter(pk__in=[t.pk for t in raised], escalated_at__isnull=True).exists()
    assert AuditEvent.objects.filter(action="ticket.sla_breached").count() == 10
    escalated = AuditEvent.objects.filter(action="ticket.escalated")
    assert {(e.target_id, e.data["clocks"][0], e.data["clocks"][1]) for e in escalated} == {
        (str(t.pk), "response", "resolution") for t in raised}
    assert Notification.objects.filter(kind="ticket.escalated", recipient=users[roles.OPERATIONS_MANAGER]).count() == 5
    assert audit.verify_chain().ok


@pytest.mark.django_db
def test_sla_check_queries_grow_by_a_constant_per_batch(users, merchant_a, settings, django_assert_max_num_queries):
    settings.ACQUIRER_BATCH_SIZE = 3
    overdue_tickets(users, merchant_a, 6)  # 2 batches
    with CaptureQueriesContext(connection) as two:
        assert tickets.tickets_check_sla()["escalated"] == 6
    overdue_tickets(users, merchant_a, 12)  # 4 batches
    per_batch = 12
    with django_assert_max_num_queries(len(two) + 2 * per_batch):
        assert tickets.tickets_check_sla()["escalated"] == 12
    assert len(two) <= 2 * per_batch + 3


@pytest.mark.django_db
def test_every_batch_job_leaves_a_chain_the_verify_command_accepts(live_a, users, settings, capsys):
    """The batch jobs write their events by hand (canonical text and COPY rows, see ``acquirer.audit._Batch``):
    after each of them, with flags closed in Chinese and owners told, ``audit_verify`` walks the whole chain."""
    from django.core.management import call_command
    from django.utils import translation

    settings.ACQUIRER_BATCH_SIZE = 3
    settings.ACQUIRER_RENT_SUSPEND_AFTER_DAYS = 30
    settings.ACQUIRER_TERMINAL_STALE_DAYS = 7
    today = timezone.localdate()
    long_ago = timezone.now() - timedelta(days=40)
    terminals = rented(live_a, 7, last_transaction_at=long_ago, next_maintenance_due=today)
    assert money.rent_charge_month(month=JAN, today=JAN)["charged"] == 7
    assert money.rent_charge_month(month=JAN, today=date(2025, 3, 1))["suspended"] == 7
    Terminal.objects.filter(pk__in=[t.pk for t in terminals[:4]]).update(status=T.ACTIVE)
    assert health.terminals_flag_stale(today=today)["flagged"] == 4
    Terminal.objects.filter(pk=terminals[0].pk).update(last_transaction_at=timezone.now())
    Terminal.objects.filter(pk=terminals[1].pk).update(status=T.SUSPENDED)
    with translation.override("zh-hans"):
        assert health.terminals_flag_stale(today=today)["cleared"] == 2
    assert workorders.maintenance_create_due(today=today)["created"] == 3  # the three still active
    told = Notification.objects.filter(kind="terminal.suspended_unpaid_rent", recipient=users["merchant_a"])
    assert told.count() == 7
    cleared = AuditEvent.objects.filter(action="health.cleared").order_by("id")
    assert [e.target_repr for e in cleared] == [f"{t.serial_number} stale" for t in terminals[:2]]
    assert {e.merchant_id for e in cleared} == {live_a.pk} and "重新" in cleared[0].data["note"]
    call_command("audit_verify")
    assert "audit chain OK" in capsys.readouterr().out
