"""Maintenance tickets: business-hours SLA arithmetic, a fault report from the portal becoming a ticket
with SLA due times, breach detection and a single escalation, remote diagnosis, dispatch as a repair
work order, spare parts, the swap that keeps the parameters, resolution and the merchant's confirmation
or reopening; every ``TICKET_MOVES`` pair both ways; merchant isolation; constant query counts."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from acquirer import roles
from acquirer.exceptions import DomainError, NotPermitted, TransitionNotAllowed
from acquirer.models import AuditEvent, Notification
from acquirer.workflow import advance
from terminals.models import Installation, SparePartUse, Terminal, TerminalPhoto, Ticket, WorkOrder
from terminals.services import sla
from terminals.services import tickets as svc
from terminals.workflow import TERMINAL_MOVES, TICKET_MOVES
from tests.factories import make_merchant_user, make_user
from tests.merchants.kyc_data import pdf_file, png_file
from tests.terminals.factories import make_terminal

SH = ZoneInfo("Asia/Shanghai")
K = Ticket.Status
T = Terminal.Status
STATUSES = list(K.values)


def at(day: int, hour: int, minute: int = 0, month: int = 1) -> datetime:
    """A moment in January 2025, Shanghai time (6 January 2025 is a Monday)."""
    return datetime(2025, month, day, hour, minute, tzinfo=SH)


# --- business hours ---------------------------------------------------------------------------

@pytest.mark.parametrize(("start", "hours", "due"), [
    (at(6, 10), 2, at(6, 12)),            # Monday morning, inside business hours
    (at(6, 9), 9, at(6, 18)),             # a deadline on the closing time stays on that day
    (at(6, 17), 2, at(7, 10)),            # evening: the rest carries over to the next morning
    (at(6, 19, 30), 1, at(7, 10)),        # raised after closing: the clock starts at the next opening
    (at(6, 7), 1, at(6, 10)),             # raised before opening
    (at(10, 17), 2, at(13, 10)),          # Friday 17:00 + 2 h = Monday 10:00
    (at(11, 12), 1, at(13, 10)),          # Saturday: starts on Monday
    (at(12, 23), 8, at(13, 17)),          # Sunday night
    (at(6, 10), 24, at(8, 16)),           # crossing two nights: 8 + 9 + 7
    (at(8, 14), 40, at(14, 18)),          # Wed 14:00 + 40 h crosses a weekend: Tuesday 18:00
    (at(6, 12, 30), 0, at(6, 12, 30)),
    (at(11, 12), 0, at(13, 9)),           # zero business hours from Saturday is Monday's opening
])
@pytest.mark.django_db  # the working-day calendar reads its override table
def test_add_business_hours(start, hours, due):
    assert sla.add_business_hours(start, hours) == due


@pytest.mark.django_db  # the working-day calendar reads its override table
def test_add_business_hours_accepts_any_time_zone_and_answers_in_shanghai_time():
    start = datetime(2025, 1, 6, 9, 0, tzinfo=ZoneInfo("UTC"))  # 17:00 in Shanghai
    due = sla.add_business_hours(start, 2)
    assert due == at(7, 10) and due.utcoffset() == timedelta(hours=8)


@pytest.mark.django_db  # the working-day calendar reads its override table
def test_add_business_hours_refuses_naive_datetimes_and_negative_hours():
    with pytest.raises(ValueError):
        sla.add_business_hours(datetime(2025, 1, 6, 10), 1)
    with pytest.raises(ValueError):
        sla.add_business_hours(at(6, 10), -1)


@pytest.mark.django_db  # the working-day calendar reads its override table
def test_business_hours_setting_is_used(settings):
    settings.ACQUIRER_BUSINESS_HOURS = (8, 20)
    assert sla.add_business_hours(at(6, 19), 2) == at(7, 9)


@pytest.mark.parametrize(("a", "b", "hours"), [
    (at(6, 10), at(6, 12, 30), 2.5),
    (at(10, 17), at(13, 10), 2),          # over a weekend
    (at(6, 20), at(7, 8), 0),             # overnight only
    (at(11, 0), at(12, 23), 0),           # a whole weekend
    (at(6, 0), at(13, 0), 45),            # a whole working week
])
@pytest.mark.django_db  # the working-day calendar reads its override table
def test_business_hours_between(a, b, hours):
    assert sla.business_hours_between(a, b) == timedelta(hours=hours)
    assert sla.business_hours_between(b, a) == -timedelta(hours=hours)


@pytest.mark.django_db  # the working-day calendar reads its override table
def test_business_hours_between_undoes_add_business_hours():
    start = at(6, 8)
    for step in range(0, 24 * 9, 5):  # every 5 hours over 9 days, day and night, weekday and weekend
        moment = start + timedelta(hours=step)
        for hours in (1, 4, 16, 40):
            due = sla.add_business_hours(moment, hours)
            assert sla.business_hours_between(moment, due) == timedelta(hours=hours), (moment, hours)


@pytest.mark.django_db  # the working-day calendar reads its override table
def test_clock_states():
    due = at(7, 12)
    assert sla.clock(due=due, stopped_at=None, now=at(7, 10)).state == "running"
    running = sla.clock(due=due, stopped_at=None, now=at(6, 17))
    assert running.delta == timedelta(hours=4) and running.text == "4h 00m left"
    overdue = sla.clock(due=due, stopped_at=None, now=at(8, 9, 30))
    assert overdue.state == "overdue" and overdue.text == "overdue by 6h 30m"
    assert sla.clock(due=due, stopped_at=at(7, 11), now=at(9, 9)).state == "met"
    missed = sla.clock(due=due, stopped_at=at(7, 13), now=at(9, 9))
    assert missed.state == "missed" and missed.delta == timedelta(hours=1)


# --- fixtures ---------------------------------------------------------------------------------

@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def terminal_a(merchant_a):
    return make_terminal(status=T.ACTIVE, merchant=merchant_a, mid="898290058120001",
                         comm_settings={"network": "4g", "apn": "cmnet", "host": "10.1.2.3", "port": 5000},
                         admin_password_hash=make_password("123456"), settlement_method="auto")


@pytest.fixture
def terminal_b(merchant_b):
    return make_terminal(status=T.ACTIVE, merchant=merchant_b)


def raise_ticket(users, terminal, *, severity=Ticket.Severity.HIGH, actor="merchant_a", **kwargs) -> Ticket:
    user = users[actor]
    channel = Ticket.Channel.PORTAL if user.kind == "merchant" else Ticket.Channel.PHONE
    return svc.ticket_raise(actor=user, terminal=terminal, category=kwargs.pop("category", "hardware"),
                            severity=severity, description=kwargs.pop("description", "The chip reader fails"),
                            channel=channel, **kwargs)


def window():
    start = timezone.now() + timedelta(days=1)
    return {"window_start": start, "window_end": start + timedelta(hours=2)}


def events(action, target=None):
    qs = AuditEvent.objects.filter(action=action)
    if target is not None:
        qs = qs.filter(target_type=target._meta.label_lower, target_id=str(target.pk))
    return qs


# --- raising ----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_merchant_fault_report_in_the_portal_becomes_a_ticket_with_sla_due_times(users, clients, terminal_a, media):
    response = clients["merchant_a"].post(reverse("portal:ticket-create"), {
        "terminal": terminal_a.pk, "category": "hardware", "severity": "critical",
        "description": "The terminal does not read chip cards", "photos": [png_file("screen.png")]})
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("portal:ticket-detail",
                                                                           kwargs={"pk": ticket.pk})
    assert ticket.status == K.OPEN and ticket.channel == "portal" and ticket.merchant_id == terminal_a.merchant_id
    assert ticket.terminal == terminal_a and ticket.raised_by == users["merchant_a"]
    response_hours, resolution_hours = (1, 8)  # settings.ACQUIRER_TICKET_SLA_HOURS["critical"]
    assert ticket.response_due == sla.add_business_hours(ticket.raised_at, response_hours)
    assert ticket.resolution_due == sla.add_business_hours(ticket.raised_at, resolution_hours)
    assert ticket.number.startswith("TK-" + timezone.localdate().strftime("%Y%m%d") + "-")
    photo = ticket.photos.get()
    assert photo.terminal == terminal_a and photo.merchant_id == ticket.merchant_id
    assert photo.content_type == "image/png"
    event = events("ticket.raised", ticket).get()
    assert event.data["terminal"] == terminal_a.pk and event.merchant_id == ticket.merchant_id
    notice = Notification.objects.get(recipient=users[roles.CUSTOMER_SERVICE], kind="ticket.raised")
    assert ticket.number in notice.title
    page = clients["merchant_a"].get(response["Location"]).content.decode()
    assert ticket.number in page and "left" in page and "screen.png" in page


@pytest.mark.django_db
def test_ticket_sla_follows_the_severity_settings(users, terminal_a, settings):
    settings.ACQUIRER_TICKET_SLA_HOURS = {**settings.ACQUIRER_TICKET_SLA_HOURS, "low": (3, 30)}
    ticket = raise_ticket(users, terminal_a, severity="low")
    assert ticket.response_due == sla.add_business_hours(ticket.raised_at, 3)
    assert ticket.resolution_due == sla.add_business_hours(ticket.raised_at, 30)


@pytest.mark.django_db
def test_ticket_numbers_follow_each_other_within_a_day(users, terminal_a):
    first, second = raise_ticket(users, terminal_a), raise_ticket(users, terminal_a)
    assert first.number[:-4] == second.number[:-4]
    assert int(second.number[-4:]) == int(first.number[-4:]) + 1


@pytest.mark.django_db
def test_customer_service_records_a_phone_call_on_behalf_of_the_merchant(users, clients, terminal_a):
    client = clients[roles.CUSTOMER_SERVICE]
    search = client.get(reverse("ops:ticket-create"), {"q": terminal_a.tid}).content.decode()
    assert terminal_a.serial_number in search
    called = timezone.localtime() - timedelta(hours=1)
    response = client.post(reverse("ops:ticket-create"), {
        "terminal": terminal_a.tid, "category": "network", "severity": "high", "description": "No 4G signal",
        "raised_at": called.strftime("%Y-%m-%dT%H:%M")})
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("ops:ticket-detail",
                                                                           kwargs={"pk": ticket.pk})
    assert ticket.channel == "phone" and ticket.merchant_id == terminal_a.merchant_id
    assert ticket.raised_by == users[roles.CUSTOMER_SERVICE]
    assert ticket.raised_at == called.replace(second=0, microsecond=0)
    assert ticket.response_due == sla.add_business_hours(ticket.raised_at, 2)


@pytest.mark.django_db
def test_phone_call_form_reports_an_unknown_terminal(clients, terminal_a):
    response = clients[roles.CUSTOMER_SERVICE].post(reverse("ops:ticket-create"), {
        "terminal": "NOPE0000", "category": "network", "severity": "high", "description": "No 4G signal"})
    assert response.status_code == 200 and not Ticket.objects.exists()
    assert "No terminal installed at a merchant has this serial number or TID." in response.content.decode()


@pytest.mark.django_db
def test_raise_refuses_another_merchants_terminal_a_terminal_not_placed_and_wrong_channels(
        users, clients, terminal_a, terminal_b):
    with pytest.raises(NotPermitted, match="only on your own terminals"):
        raise_ticket(users, terminal_b)
    stock = make_terminal(status=T.IN_STOCK)
    with pytest.raises(DomainError, match="In stock"):
        raise_ticket(users, stock, actor=roles.CUSTOMER_SERVICE)
    with pytest.raises(DomainError, match="through the portal"):
        svc.ticket_raise(actor=users["merchant_a"], terminal=terminal_a, category="hardware", severity="low",
                         description="Broken key", channel="phone")
    with pytest.raises(NotPermitted):
        raise_ticket(users, terminal_a, actor=roles.RISK_ANALYST)
    with pytest.raises(DomainError, match="future"):
        raise_ticket(users, terminal_a, actor=roles.CUSTOMER_SERVICE, raised_at=timezone.now() + timedelta(hours=1))
    # the portal form only offers the merchant's own terminals
    response = clients["merchant_a"].post(reverse("portal:ticket-create"), {
        "terminal": terminal_b.pk, "category": "hardware", "severity": "low", "description": "Broken key"})
    assert response.status_code == 200 and not Ticket.objects.exists()


@pytest.mark.django_db
def test_raise_refuses_photos_that_are_not_images(users, terminal_a, media):
    with pytest.raises(DomainError, match="not an accepted type"):
        raise_ticket(users, terminal_a, photos=[pdf_file("scan.pdf")])
    assert not Ticket.objects.exists() and not TerminalPhoto.objects.exists()


# --- SLA breach and escalation ----------------------------------------------------------------

@pytest.mark.django_db
def test_sla_breach_is_detected_and_escalated_to_operations_managers_exactly_once(users, terminal_a):
    other_manager = make_user(username="lead2", roles=[roles.OPERATIONS_MANAGER])
    ticket = raise_ticket(users, terminal_a, actor=roles.CUSTOMER_SERVICE,
                          raised_at=timezone.now() - timedelta(days=10))
    fresh = raise_ticket(users, terminal_a)
    assert svc.tickets_check_sla() == {"checked": 1, "response_breached": 1, "resolution_breached": 1,
                                       "escalated": 1}
    ticket.refresh_from_db()
    fresh.refresh_from_db()
    assert ticket.response_breached_at and ticket.resolution_breached_at and ticket.escalated_at
    assert fresh.response_breached_at is None and fresh.escalated_at is None
    for manager in (users[roles.OPERATIONS_MANAGER], other_manager):
        notice = Notification.objects.get(recipient=manager, kind="ticket.escalated")
        with translation.override(manager.language):  # notifications speak the recipient's language
            clocks = [translation.gettext("response"), translation.gettext("resolution")]
        assert ticket.number in notice.title and all(clock in notice.title for clock in clocks)
    assert events("ticket.sla_breached", ticket).count() == 2
    assert events("ticket.escalated", ticket).get().data["terminal"] == terminal_a.pk
    # the second run changes nothing
    assert svc.tickets_check_sla() == {"checked": 0, "response_breached": 0, "resolution_breached": 0,
                                       "escalated": 0}
    assert Notification.objects.filter(kind="ticket.escalated").count() == 2
    assert events("ticket.sla_breached").count() == 2 and events("ticket.escalated").count() == 1


@pytest.mark.django_db
def test_a_later_resolution_breach_is_stamped_but_not_escalated_again(users, terminal_a):
    ticket = raise_ticket(users, terminal_a, severity="critical")  # 1 h response, 8 h resolution
    first = svc.tickets_check_sla(now=ticket.response_due + timedelta(minutes=1))
    assert first["response_breached"] == 1 and first["resolution_breached"] == 0 and first["escalated"] == 1
    second = svc.tickets_check_sla(now=ticket.resolution_due + timedelta(minutes=1))
    assert second == {"checked": 1, "response_breached": 0, "resolution_breached": 1, "escalated": 0}
    ticket.refresh_from_db()
    assert ticket.resolution_breached_at and ticket.escalated_at < ticket.resolution_breached_at
    assert Notification.objects.filter(kind="ticket.escalated").count() == 1


@pytest.mark.django_db
def test_a_responded_ticket_does_not_breach_its_response_clock(users, terminal_a):
    ticket = raise_ticket(users, terminal_a)
    svc.ticket_assign(actor=users[roles.CUSTOMER_SERVICE], ticket=ticket, assignee=users[roles.CUSTOMER_SERVICE])
    result = svc.tickets_check_sla(now=ticket.response_due + timedelta(hours=1))
    assert result["response_breached"] == 0 and result["escalated"] == 0


@pytest.mark.django_db
def test_resolved_and_closed_tickets_are_not_checked(users, terminal_a):
    ticket = raise_ticket(users, terminal_a)
    svc.ticket_resolve(actor=users[roles.CUSTOMER_SERVICE], ticket=ticket, resolution_code="remote_fix", notes="")
    assert svc.tickets_check_sla(now=timezone.now() + timedelta(days=30))["checked"] == 0


@pytest.mark.django_db
def test_the_celery_task_runs_the_sla_check(users, terminal_a):
    from acquirer.models import JobRun
    from terminals.tasks import tickets_check_sla

    raise_ticket(users, terminal_a, actor=roles.CUSTOMER_SERVICE, raised_at=timezone.now() - timedelta(days=10))
    tickets_check_sla.apply()
    run = JobRun.objects.get(job="terminals.sla_check")
    assert run.status == JobRun.Outcome.SUCCEEDED
    assert Ticket.objects.get().escalated_at is not None


@pytest.mark.django_db
def test_ops_queue_shows_overdue_clocks_and_filters_breached_tickets(users, clients, terminal_a):
    late = raise_ticket(users, terminal_a, actor=roles.CUSTOMER_SERVICE, raised_at=timezone.now() - timedelta(days=10))
    on_time = raise_ticket(users, terminal_a)
    svc.tickets_check_sla()
    client = clients[roles.CUSTOMER_SERVICE]
    page = client.get(reverse("ops:ticket-list")).content.decode()
    assert late.number in page and on_time.number in page and "overdue by" in page
    breached = client.get(reverse("ops:ticket-list"), {"breached": "any"}).content.decode()
    assert late.number in breached and on_time.number not in breached
    critical = client.get(reverse("ops:ticket-list"), {"severity": "critical"}).content.decode()
    assert late.number not in critical
    svc.ticket_diagnose(actor=users[roles.CUSTOMER_SERVICE], ticket=on_time, note="Checked the logs remotely")
    svc.ticket_resolve(actor=users[roles.CUSTOMER_SERVICE], ticket=late, resolution_code="remote_fix", notes="")
    default = client.get(reverse("ops:ticket-list")).content.decode()  # unresolved tickets only
    assert on_time.number in default and late.number not in default
    just_open = client.get(reverse("ops:ticket-list"), {"status": "open"}).content.decode()
    assert on_time.number not in just_open
    every = client.get(reverse("ops:ticket-list"), {"status": ""}).content.decode()
    assert on_time.number in every and late.number in every


# --- staff work -------------------------------------------------------------------------------

@pytest.mark.django_db
def test_first_staff_action_stops_the_response_clock(users, terminal_a):
    ticket = raise_ticket(users, terminal_a)
    assert ticket.responded_at is None
    service = users[roles.CUSTOMER_SERVICE]
    svc.ticket_assign(actor=service, ticket=ticket, assignee=users[roles.FIELD_ENGINEER])
    ticket.refresh_from_db()
    responded = ticket.responded_at
    assert responded is not None and ticket.assignee == users[roles.FIELD_ENGINEER]
    svc.ticket_diagnose(actor=service, ticket=ticket, note="Asked the cashier to restart")
    ticket.refresh_from_db()
    assert ticket.responded_at == responded and ticket.status == K.DIAGNOSING
    assert events("ticket.assigned", ticket).get().data["terminal"] == terminal_a.pk
    assert Notification.objects.filter(recipient=users[roles.FIELD_ENGINEER], kind="ticket.assigned").exists()


@pytest.mark.django_db
def test_assign_refuses_someone_who_does_not_handle_tickets(users, terminal_a):
    ticket = raise_ticket(users, terminal_a)
    with pytest.raises(DomainError, match="cannot handle tickets"):
        svc.ticket_assign(actor=users[roles.CUSTOMER_SERVICE], ticket=ticket, assignee=users[roles.RISK_ANALYST])


@pytest.mark.django_db
def test_dispatch_creates_an_assigned_repair_work_order(users, terminal_a):
    ticket = raise_ticket(users, terminal_a)
    engineer = users[roles.FIELD_ENGINEER]
    order = svc.ticket_dispatch(actor=users[roles.CUSTOMER_SERVICE], ticket=ticket, engineer=engineer, **window())
    ticket.refresh_from_db()
    assert ticket.status == K.DISPATCHED and ticket.responded_at is not None
    assert order.kind == WorkOrder.Kind.REPAIR and order.status == WorkOrder.Status.ASSIGNED
    assert order.engineer == engineer and order.terminal == terminal_a and order.ticket == ticket
    assert order.merchant_id == ticket.merchant_id and order.number.startswith("WO-")
    assert events("work_order.created", order).get().data["terminal"] == terminal_a.pk
    assert events("ticket.dispatched", ticket).get().data["work_order"] == order.number
    assert Notification.objects.filter(recipient=engineer, kind="work_order.assigned").exists()


@pytest.mark.django_db
def test_dispatch_refuses_a_non_engineer_and_a_bad_window(users, terminal_a):
    ticket = raise_ticket(users, terminal_a)
    service = users[roles.CUSTOMER_SERVICE]
    with pytest.raises(DomainError, match="not a field engineer"):
        svc.ticket_dispatch(actor=service, ticket=ticket, engineer=service, **window())
    start = timezone.now() + timedelta(days=1)
    with pytest.raises(DomainError, match="must end after"):
        svc.ticket_dispatch(actor=service, ticket=ticket, engineer=users[roles.FIELD_ENGINEER], window_start=start,
                            window_end=start)
    with pytest.raises(DomainError, match="already over"):
        svc.ticket_dispatch(actor=service, ticket=ticket, engineer=users[roles.FIELD_ENGINEER],
                            window_start=start - timedelta(days=3), window_end=start - timedelta(days=2))
    assert not WorkOrder.objects.exists()


@pytest.mark.django_db
def test_spare_parts_are_recorded_on_the_ticket(users, terminal_a):
    ticket = raise_ticket(users, terminal_a)
    use = svc.ticket_add_part(actor=users[roles.FIELD_ENGINEER], ticket=ticket, part="Card reader head", quantity=2)
    assert use.merchant_id == ticket.merchant_id and use.quantity == 2
    assert events("ticket.part_used", ticket).get().data == {"terminal": terminal_a.pk, "ticket": ticket.number,
                                                             "part": "Card reader head", "quantity": 2}
    with pytest.raises(DomainError, match="quantity"):
        svc.ticket_add_part(actor=users[roles.FIELD_ENGINEER], ticket=ticket, part="Battery", quantity=0)
    assert SparePartUse.objects.count() == 1


@pytest.mark.django_db
def test_resolve_notifies_the_merchant_owner_and_needs_a_known_code(users, terminal_a):
    ticket = raise_ticket(users, terminal_a)
    service = users[roles.CUSTOMER_SERVICE]
    with pytest.raises(DomainError, match="resolution code"):
        svc.ticket_resolve(actor=service, ticket=ticket, resolution_code="magic", notes="")
    with pytest.raises(DomainError, match="No swap was recorded"):
        svc.ticket_resolve(actor=service, ticket=ticket, resolution_code="swapped", notes="")
    svc.ticket_resolve(actor=service, ticket=ticket, resolution_code="consumables", notes="Paper delivered")
    ticket.refresh_from_db()
    assert ticket.status == K.RESOLVED and ticket.resolved_at and ticket.resolution_code == "consumables"
    notice = Notification.objects.get(recipient=users["merchant_a"], kind="ticket.resolved")
    assert ticket.number in notice.title and notice.url == reverse("portal:ticket-detail", kwargs={"pk": ticket.pk})


@pytest.mark.django_db
def test_merchant_confirms_the_fix_and_the_ticket_closes(users, clients, terminal_a):
    ticket = raise_ticket(users, terminal_a)
    svc.ticket_resolve(actor=users[roles.CUSTOMER_SERVICE], ticket=ticket, resolution_code="remote_fix", notes="")
    page = clients["merchant_a"].get(reverse("portal:ticket-detail", kwargs={"pk": ticket.pk})).content.decode()
    assert "ticket-confirm" in page and "ticket-reopen" in page
    response = clients["merchant_a"].post(reverse("portal:ticket-confirm", kwargs={"pk": ticket.pk}))
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == K.CLOSED and ticket.closed_at is not None
    assert events("ticket.closed", ticket).get().actor == users["merchant_a"]


@pytest.mark.django_db
def test_merchant_reopens_with_a_new_resolution_clock_from_now(users, clients, terminal_a):
    ticket = raise_ticket(users, terminal_a, actor=roles.CUSTOMER_SERVICE, raised_at=timezone.now() - timedelta(days=9))
    svc.tickets_check_sla()
    svc.ticket_resolve(actor=users[roles.CUSTOMER_SERVICE], ticket=ticket, resolution_code="remote_fix", notes="")
    before = timezone.now()
    response = clients["merchant_a"].post(reverse("portal:ticket-reopen", kwargs={"pk": ticket.pk}),
                                          {"reason": "Still rejects chip cards"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == K.OPEN and ticket.reopen_count == 1 and ticket.resolved_at is None
    assert sla.add_business_hours(before, 16) <= ticket.resolution_due <= sla.add_business_hours(timezone.now(), 16)
    assert ticket.resolution_breached_at is None and ticket.resolution_code == ""
    assert events("ticket.reopened", ticket).get().data["reason"] == "Still rejects chip cards"
    assert Notification.objects.filter(recipient=users[roles.CUSTOMER_SERVICE], kind="ticket.reopened").exists()
    page = clients[roles.CUSTOMER_SERVICE].get(reverse("ops:ticket-detail", kwargs={"pk": ticket.pk})).content.decode()
    assert "Reopened once" in page and "reopened the ticket" in page


@pytest.mark.django_db
def test_only_the_merchant_can_confirm_or_reopen(users, terminal_a):
    ticket = raise_ticket(users, terminal_a)
    svc.ticket_resolve(actor=users[roles.CUSTOMER_SERVICE], ticket=ticket, resolution_code="remote_fix", notes="")
    for actor in (users[roles.OPERATIONS_MANAGER], users[roles.CUSTOMER_SERVICE], users["merchant_b"],
                  users["auditor"]):
        with pytest.raises(NotPermitted):
            svc.ticket_confirm(actor=actor, ticket=ticket)
        with pytest.raises(NotPermitted):
            svc.ticket_reopen(actor=actor, ticket=ticket, reason="Not fixed")
    ticket.refresh_from_db()
    assert ticket.status == K.RESOLVED
    staff_of_merchant = make_merchant_user(ticket.merchant, role="staff", username="cashier_a")
    svc.ticket_confirm(actor=staff_of_merchant, ticket=ticket)
    ticket.refresh_from_db()
    assert ticket.status == K.CLOSED


# --- every TICKET_MOVES pair ------------------------------------------------------------------

def _move(users, ticket, to):
    service = users[roles.CUSTOMER_SERVICE]
    if to == K.OPEN:
        return svc.ticket_reopen(actor=users["merchant_a"], ticket=ticket, reason="Still broken")
    if to == K.DIAGNOSING:
        return svc.ticket_diagnose(actor=service, ticket=ticket, note="Checked the logs remotely")
    if to == K.DISPATCHED:
        return svc.ticket_dispatch(actor=service, ticket=ticket, engineer=users[roles.FIELD_ENGINEER], **window())
    if to == K.RESOLVED:
        return svc.ticket_resolve(actor=service, ticket=ticket, resolution_code="remote_fix", notes="")
    return svc.ticket_confirm(actor=users["merchant_a"], ticket=ticket)


@pytest.mark.django_db
@pytest.mark.parametrize("source", STATUSES)
@pytest.mark.parametrize("target", STATUSES)
def test_every_ticket_move_is_allowed_or_refused_as_the_workflow_says(users, terminal_a, source, target):
    ticket = raise_ticket(users, terminal_a)
    Ticket.objects.filter(pk=ticket.pk).update(status=source)
    ticket.refresh_from_db()
    if target in TICKET_MOVES[source]:
        _move(users, ticket, target)
        ticket.refresh_from_db()
        assert ticket.status == target
    else:
        with pytest.raises((TransitionNotAllowed, DomainError)):
            _move(users, ticket, target)
        ticket.refresh_from_db()
        assert ticket.status == source
        assert not WorkOrder.objects.exists()


# --- swap -------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_swap_keeps_the_parameters_on_the_replacement_and_sends_the_old_terminal_to_repair(users, terminal_a):
    ticket = raise_ticket(users, terminal_a)
    replacement = make_terminal(status=T.IN_STOCK, firmware_version="2.0.0", key_check_value="A1B2C3")
    params = {name: getattr(terminal_a, name) for name in ("mid", "tid", "settlement_method", "comm_settings",
                                                             "install_address", "admin_password_hash")}
    engineer = users[roles.FIELD_ENGINEER]
    installation = svc.terminal_swap(actor=engineer, ticket=ticket, replacement=replacement, engineer=engineer,
                                     installed_on=timezone.localdate())
    terminal_a.refresh_from_db()
    replacement.refresh_from_db()
    assert terminal_a.status == T.UNDER_REPAIR and terminal_a.custodian == Terminal.Custodian.REPAIR
    assert terminal_a.tid is None
    assert replacement.status == T.INSTALLED and replacement.merchant_id == ticket.merchant_id
    assert replacement.custodian == Terminal.Custodian.MERCHANT
    for name, value in params.items():
        assert getattr(replacement, name) == value, name
    assert replacement.key_check_value == "A1B2C3"  # its own key: one key per terminal
    assert installation.terminal == replacement and installation.swap_of == terminal_a
    assert (installation.mid, installation.tid, installation.settlement_method, installation.comm_settings) == (
        params["mid"], params["tid"], params["settlement_method"], params["comm_settings"])
    assert not SparePartUse.objects.exists()
    assert events("terminal.swapped_out", terminal_a).get().data["ticket"] == ticket.number
    assert events("terminal.swapped_in", replacement).get().data["swap_of"] == terminal_a.serial_number
    assert events("ticket.swapped", ticket).get().data["terminal"] == terminal_a.pk
    # the replacement still has to be tested and put live (the lifecycle services do that)
    for status, action in ((T.TESTED, "terminal.tested"), (T.ACTIVE, "terminal.activated")):
        advance(replacement, to=status, moves=TERMINAL_MOVES, actor=engineer, action=action)
    assert replacement.status == T.ACTIVE and replacement.tid == params["tid"]
    svc.ticket_resolve(actor=engineer, ticket=ticket, resolution_code="swapped", notes="Swapped on site")
    ticket.refresh_from_db()
    assert ticket.resolution_code == "swapped"


@pytest.mark.django_db
def test_swap_through_the_ticket_page(users, clients, terminal_a):
    ticket = raise_ticket(users, terminal_a)
    replacement = make_terminal(status=T.IN_STOCK)
    client = clients[roles.FIELD_ENGINEER]
    page = client.get(reverse("ops:ticket-detail", kwargs={"pk": ticket.pk})).content.decode()
    assert "ticket-swap-form" in page and replacement.serial_number in page
    response = client.post(reverse("ops:ticket-swap", kwargs={"pk": ticket.pk}), {
        "replacement": replacement.pk, "engineer": users[roles.FIELD_ENGINEER].pk,
        "installed_on": timezone.localdate().isoformat()})
    assert response.status_code == 302
    replacement.refresh_from_db()
    assert replacement.status == T.INSTALLED and replacement.tid == terminal_a.tid
    assert clients[roles.CUSTOMER_SERVICE].post(reverse("ops:ticket-swap", kwargs={"pk": ticket.pk})).status_code \
        == 403  # customer service handles tickets but does no field work


@pytest.mark.django_db
def test_swap_refuses_a_replacement_not_in_stock_or_held_for_another_merchant(users, terminal_a, terminal_b):
    ticket = raise_ticket(users, terminal_a)
    engineer = users[roles.FIELD_ENGINEER]
    today = timezone.localdate()
    with pytest.raises(DomainError, match="is not in stock"):
        svc.terminal_swap(actor=engineer, ticket=ticket, replacement=terminal_b, engineer=engineer,
                          installed_on=today)
    held = make_terminal(status=T.IN_STOCK, merchant=terminal_b.merchant)
    with pytest.raises(DomainError, match="held for another merchant"):
        svc.terminal_swap(actor=engineer, ticket=ticket, replacement=held, engineer=engineer, installed_on=today)
    with pytest.raises(DomainError, match="cannot replace itself"):
        svc.terminal_swap(actor=engineer, ticket=ticket, replacement=terminal_a, engineer=engineer,
                          installed_on=today)
    spare = make_terminal(status=T.IN_STOCK)
    with pytest.raises(DomainError, match="future"):
        svc.terminal_swap(actor=engineer, ticket=ticket, replacement=spare, engineer=engineer,
                          installed_on=today + timedelta(days=1))
    with pytest.raises(NotPermitted):
        svc.terminal_swap(actor=users[roles.CUSTOMER_SERVICE], ticket=ticket, replacement=spare, engineer=engineer,
                          installed_on=today)
    Terminal.objects.filter(pk=terminal_a.pk).update(status=T.SUSPENDED, suspend_reason="risk")
    with pytest.raises(DomainError, match="suspended"):
        svc.terminal_swap(actor=engineer, ticket=ticket, replacement=spare, engineer=engineer, installed_on=today)
    terminal_a.refresh_from_db()
    spare.refresh_from_db()
    assert terminal_a.tid and spare.status == T.IN_STOCK and not Installation.objects.exists()


@pytest.mark.django_db
def test_a_suspended_faulty_terminal_can_be_swapped(users, terminal_a):
    Terminal.objects.filter(pk=terminal_a.pk).update(status=T.SUSPENDED, suspend_reason="fault")
    ticket = raise_ticket(users, terminal_a)
    spare = make_terminal(status=T.IN_STOCK, merchant=terminal_a.merchant)  # held for the same merchant
    engineer = users[roles.FIELD_ENGINEER]
    svc.terminal_swap(actor=engineer, ticket=ticket, replacement=spare, engineer=engineer,
                      installed_on=date.today())
    spare.refresh_from_db()
    assert spare.status == T.INSTALLED and spare.mid == terminal_a.mid


# --- views, isolation, query counts ------------------------------------------------------------

@pytest.mark.django_db
def test_ops_moves_through_the_ticket_page(users, clients, terminal_a):
    ticket = raise_ticket(users, terminal_a)
    client = clients[roles.CUSTOMER_SERVICE]
    url = {name: reverse(f"ops:ticket-{name}", kwargs={"pk": ticket.pk})
           for name in ("detail", "assign", "diagnose", "dispatch", "part", "resolve")}
    page = client.get(url["detail"]).content.decode()
    for form in ("ticket-assign-form", "ticket-diagnose-form", "ticket-dispatch-form", "ticket-resolve-form"):
        assert form in page
    assert "ticket-swap-form" not in page
    client.post(url["assign"], {"assignee": users[roles.CUSTOMER_SERVICE].pk})
    client.post(url["diagnose"], {"note": "Checked the terminal remotely"})
    start = timezone.localtime() + timedelta(days=1)
    client.post(url["dispatch"], {"engineer": users[roles.FIELD_ENGINEER].pk,
                                  "window_start": start.strftime("%Y-%m-%dT%H:%M"),
                                  "window_end": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")})
    client.post(url["part"], {"part": "Battery", "quantity": "1"})
    response = client.post(url["resolve"], {"resolution_code": "part_replaced", "notes": "New battery"}, follow=True)
    ticket.refresh_from_db()
    assert ticket.status == K.RESOLVED and ticket.assignee == users[roles.CUSTOMER_SERVICE]
    assert ticket.work_orders.get().status == WorkOrder.Status.ASSIGNED and ticket.parts.get().part == "Battery"
    page = response.content.decode()
    assert "resolved; the merchant is asked to confirm" in page and "sent an engineer for the ticket" in page


@pytest.mark.django_db
def test_refused_moves_show_a_clear_message(users, clients, terminal_a):
    ticket = raise_ticket(users, terminal_a)
    svc.ticket_resolve(actor=users[roles.CUSTOMER_SERVICE], ticket=ticket, resolution_code="remote_fix", notes="")
    response = clients[roles.CUSTOMER_SERVICE].post(reverse("ops:ticket-diagnose", kwargs={"pk": ticket.pk}),
                                                    {"note": "Checked the terminal remotely"}, follow=True)
    assert "Cannot change maintenance ticket from" in response.content.decode()
    assert clients[roles.RISK_ANALYST].post(reverse("ops:ticket-assign", kwargs={"pk": ticket.pk})).status_code == 403


@pytest.mark.django_db
def test_merchant_b_never_sees_merchant_a_tickets(users, clients, terminal_a, terminal_b, media):
    ticket = raise_ticket(users, terminal_a, photos=[png_file()])
    own = raise_ticket(users, terminal_b, actor="merchant_b")
    svc.ticket_resolve(actor=users[roles.CUSTOMER_SERVICE], ticket=ticket, resolution_code="remote_fix", notes="")
    client = clients["merchant_b"]
    page = client.get(reverse("portal:ticket-list")).content.decode()
    assert own.number in page and ticket.number not in page
    photo = ticket.photos.get()
    for name, method, kwargs in (("portal:ticket-detail", "get", {"pk": ticket.pk}),
                                 ("portal:ticket-confirm", "post", {"pk": ticket.pk}),
                                 ("portal:ticket-reopen", "post", {"pk": ticket.pk}),
                                 ("portal:ticket-photo", "get", {"pk": photo.pk})):
        theirs = getattr(client, method)(reverse(name, kwargs=kwargs), {"reason": "Not fixed"} if method == "post"
                                         else {})
        missing = getattr(client, method)(reverse(name, kwargs={"pk": 999999}))
        assert theirs.status_code == missing.status_code == 404, name
    ticket.refresh_from_db()
    assert ticket.status == K.RESOLVED and ticket.reopen_count == 0
    own_page = clients["merchant_a"].get(reverse("portal:ticket-list")).content.decode()
    assert ticket.number in own_page and own.number not in own_page


@pytest.mark.django_db
def test_photo_downloads_are_audited(users, clients, terminal_a, media):
    ticket = raise_ticket(users, terminal_a, photos=[png_file("fault.png")])
    photo = ticket.photos.get()
    for client in (clients["merchant_a"], clients[roles.CUSTOMER_SERVICE]):
        name = "portal:ticket-photo" if client is clients["merchant_a"] else "ops:ticket-photo"
        response = client.get(reverse(name, kwargs={"pk": photo.pk}))
        assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
        assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert events("ticket.photo_downloaded", ticket).count() == 2


@pytest.mark.django_db
def test_auditor_reads_tickets(users, clients, terminal_a):
    ticket = raise_ticket(users, terminal_a)
    client = clients["auditor"]
    assert ticket.number in client.get(reverse("audit:ticket-list")).content.decode()
    page = client.get(reverse("audit:ticket-detail", kwargs={"pk": ticket.pk})).content.decode()
    assert "ticket.raised" in page and "ticket-assign-form" not in page


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_ops_queue_and_portal_list_keep_a_constant_query_count(users, clients, terminal_a,
                                                               django_assert_max_num_queries):
    other_terminal = make_terminal(status=T.ACTIVE, merchant=terminal_a.merchant)
    for terminal in (terminal_a, other_terminal):
        raise_ticket(users, terminal)
    ops, portal = clients[roles.CUSTOMER_SERVICE], clients["merchant_a"]
    ops_url, portal_url = reverse("ops:ticket-list"), reverse("portal:ticket-list")
    few_ops, few_portal = _count(ops, ops_url), _count(portal, portal_url)
    for index in range(12):
        terminal = make_terminal(status=T.ACTIVE, merchant=terminal_a.merchant)
        ticket = raise_ticket(users, terminal, actor=roles.CUSTOMER_SERVICE)
        svc.ticket_assign(actor=users[roles.CUSTOMER_SERVICE], ticket=ticket,
                          assignee=users[roles.FIELD_ENGINEER if index % 2 else roles.CUSTOMER_SERVICE])
    assert _count(ops, ops_url) == few_ops
    assert _count(portal, portal_url) == few_portal
    with django_assert_max_num_queries(few_ops):
        ops.get(ops_url, {"breached": "any", "status": "unresolved"})


# --- demo -------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_demo_creates_tickets_in_every_status_with_breaches_once(users, merchant_a, merchant_b):
    from terminals.demo.tickets import seed

    staff = {"ops": users[roles.OPERATIONS_MANAGER], "reviewer": users[roles.ONBOARDING_REVIEWER],
             "engineer": users[roles.FIELD_ENGINEER], "risk": users[roles.RISK_ANALYST],
             "service": users[roles.CUSTOMER_SERVICE], "compliance": users[roles.COMPLIANCE_OFFICER]}
    seed(staff=staff, merchant_a=merchant_a, merchant_b=merchant_b)
    assert not Ticket.objects.exists()  # no active terminal: nothing
    for merchant in (merchant_a, merchant_b):
        make_terminal(status=T.ACTIVE, merchant=merchant)
        make_terminal(status=T.ACTIVE, merchant=merchant)
    seed(staff=staff, merchant_a=merchant_a, merchant_b=merchant_b)
    count = Ticket.objects.count()
    assert set(Ticket.objects.values_list("status", flat=True)) == set(STATUSES)
    assert Ticket.objects.filter(escalated_at__isnull=False).exists()
    assert Ticket.objects.filter(reopen_count=1).exists()
    seed(staff=staff, merchant_a=merchant_a, merchant_b=merchant_b)
    assert Ticket.objects.count() == count

