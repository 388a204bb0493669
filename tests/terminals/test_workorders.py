"""Field work orders: numbering, dispatch, the engineer's start and completion (checklist, sign-off,
photos), cancellation, every move of WORK_ORDER_MOVES both ways, the preventive-maintenance job, the
board and the "my jobs today" page."""

from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from acquirer import roles
from acquirer.exceptions import DomainError, NotPermitted, TransitionNotAllowed
from acquirer.jobs import run_job
from acquirer.models import AuditEvent, JobRun, Notification
from merchants.models import Merchant
from terminals.models import Terminal, TerminalPhoto, WorkOrder
from terminals.services import workorders as svc
from terminals.workflow import WORK_ORDER_MOVES
from tests.factories import make_user
from tests.merchants.kyc_data import pdf_file, png_file
from tests.terminals.factories import make_terminal

W = WorkOrder.Status
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def manager(users):
    return users[roles.OPERATIONS_MANAGER]


@pytest.fixture
def engineer(users):
    return users[roles.FIELD_ENGINEER]


@pytest.fixture
def live_a(merchant_a):
    Merchant.objects.filter(pk=merchant_a.pk).update(status=Merchant.Status.ACTIVE, mid="898290058120001",
                                                     address="上海市黄浦区中山东一路1号", contact_name="Li Si",
                                                     contact_phone="+8613800138000")
    merchant_a.refresh_from_db()
    return merchant_a


@pytest.fixture
def terminal(live_a):
    return make_terminal(status=Terminal.Status.ACTIVE, merchant=live_a, install_address="上海市黄浦区南京东路2号")


def window(days: int = 0, start_hour: int = 9, hours: int = 2):
    day = timezone.localdate() + timedelta(days=days)
    start = timezone.make_aware(datetime.combine(day, time(start_hour)))
    return start, start + timedelta(hours=hours)


def all_yes(kind: str) -> dict:
    return dict.fromkeys(svc.CHECKLISTS[kind], True)


def create(manager, merchant, terminal=None, kind="repair", **fields):
    return svc.work_order_create(actor=manager, kind=kind, merchant=merchant, terminal=terminal, **fields)


def assigned(manager, engineer, merchant, terminal=None, kind="repair", days=0, start_hour=9):
    work_order = create(manager, merchant, terminal, kind=kind)
    start, end = window(days, start_hour)
    return svc.work_order_assign(actor=manager, work_order=work_order, engineer=engineer, window_start=start,
                                 window_end=end)


def in_progress(manager, engineer, merchant, terminal=None, kind="repair", **kwargs):
    work_order = assigned(manager, engineer, merchant, terminal, kind=kind, **kwargs)
    return svc.work_order_start(actor=engineer, work_order=work_order)


def complete(engineer, work_order, **overrides):
    fields = {"checklist": all_yes(work_order.kind), "signed_off_by": "Li Si", "minutes_spent": 45,
              "completion_notes": "", "photos": ()}
    fields.update(overrides)
    return svc.work_order_complete(actor=engineer, work_order=work_order, **fields)


# --- create and number ---------------------------------------------------------------------------

def test_create_numbers_work_orders_per_day_and_takes_the_terminal_address(manager, live_a, terminal):
    first = create(manager, live_a, terminal)
    second = create(manager, live_a)
    prefix = f"WO-{timezone.localdate():%Y%m%d}-"
    assert first.number == f"{prefix}0001" and second.number == f"{prefix}0002"
    assert first.status == W.OPEN and first.address == "上海市黄浦区南京东路2号"
    assert second.address == live_a.address
    event = AuditEvent.objects.get(action="work_order.created", target_id=str(first.pk))
    assert event.data["terminal"] == terminal.pk and event.merchant_id == live_a.pk
    assert AuditEvent.objects.get(action="work_order.created", target_id=str(second.pk)).data["terminal"] is None


def test_the_number_sequence_continues_after_the_highest_of_the_day(manager, live_a):
    prefix = f"WO-{timezone.localdate():%Y%m%d}-"
    WorkOrder.objects.create(number=f"{prefix}0041", kind="repair", merchant=live_a)
    assert create(manager, live_a).number == f"{prefix}0042"


def test_create_refuses_a_terminal_of_another_merchant(manager, live_a, merchant_b):
    other = make_terminal(status=Terminal.Status.ACTIVE, merchant=merchant_b)
    with pytest.raises(DomainError, match="not placed at this merchant"):
        create(manager, live_a, other)
    assert not WorkOrder.objects.exists()


def test_create_refuses_a_merchant_still_applying(manager, merchant_b):
    with pytest.raises(DomainError, match="Field visits are only sent"):
        create(manager, merchant_b)


def test_create_refuses_a_window_that_ends_before_it_starts(manager, live_a):
    start, end = window()
    with pytest.raises(DomainError, match="must end after it starts"):
        create(manager, live_a, window_start=end, window_end=start)
    with pytest.raises(DomainError, match="both ends"):
        create(manager, live_a, window_start=start)


def test_only_dispatchers_create_assign_and_cancel(users, live_a, engineer, manager):
    for actor in (engineer, users[roles.CUSTOMER_SERVICE], users["merchant_a"], users["auditor"]):
        with pytest.raises(NotPermitted):
            create(actor, live_a)
    work_order = create(manager, live_a)
    start, end = window()
    with pytest.raises(NotPermitted):
        svc.work_order_assign(actor=engineer, work_order=work_order, engineer=engineer, window_start=start,
                              window_end=end)
    with pytest.raises(NotPermitted):
        svc.work_order_cancel(actor=engineer, work_order=work_order, reason="not needed")


# --- assign ----------------------------------------------------------------------------------------

def test_assign_needs_an_active_field_engineer_and_a_window(users, manager, engineer, live_a):
    work_order = create(manager, live_a)
    start, end = window()
    with pytest.raises(DomainError, match="not an active field engineer"):
        svc.work_order_assign(actor=manager, work_order=work_order, engineer=users[roles.CUSTOMER_SERVICE],
                              window_start=start, window_end=end)
    with pytest.raises(DomainError, match="time window"):
        svc.work_order_assign(actor=manager, work_order=work_order, engineer=engineer)
    with pytest.raises(DomainError, match="must end after it starts"):
        svc.work_order_assign(actor=manager, work_order=work_order, engineer=engineer, window_start=end,
                              window_end=start)
    engineer.is_active = False
    engineer.save(update_fields=["is_active"])
    with pytest.raises(DomainError, match="not an active field engineer"):
        svc.work_order_assign(actor=manager, work_order=work_order, engineer=engineer, window_start=start,
                              window_end=end)
    work_order.refresh_from_db()
    assert work_order.status == W.OPEN and work_order.engineer is None


def test_assign_moves_to_assigned_and_tells_the_engineer(manager, engineer, live_a, terminal):
    work_order = assigned(manager, engineer, live_a, terminal)
    work_order.refresh_from_db()
    assert work_order.status == W.ASSIGNED and work_order.engineer == engineer
    event = AuditEvent.objects.get(action="work_order.assigned", target_id=str(work_order.pk))
    assert event.data["terminal"] == terminal.pk and event.after == {"status": "assigned"}
    assert Notification.objects.filter(recipient=engineer, kind="work_order.assigned").count() == 1


def test_reassign_keeps_the_status_and_is_audited(manager, engineer, live_a):
    other = make_user(username="engineer2", roles=[roles.FIELD_ENGINEER])
    work_order = assigned(manager, engineer, live_a)
    start, end = window(days=1, start_hour=14)
    svc.work_order_assign(actor=manager, work_order=work_order, engineer=other, window_start=start, window_end=end)
    work_order.refresh_from_db()
    assert work_order.status == W.ASSIGNED and work_order.engineer == other and work_order.window_start == start
    event = AuditEvent.objects.get(action="work_order.reassigned", target_id=str(work_order.pk))
    assert event.before["engineer"] == engineer.username and event.after["engineer"] == "engineer2"
    assert "terminal" in event.data


# --- every move both ways ----------------------------------------------------------------------------

def _in_status(status, merchant, engineer):
    start, end = window()
    return WorkOrder.objects.create(number=f"T-{status}-{WorkOrder.objects.count()}", kind="repair",
                                    merchant=merchant, status=status, engineer=engineer, window_start=start,
                                    window_end=end)


def _move(target, work_order, manager, engineer):
    start, end = window()
    if target == W.ASSIGNED:
        svc.work_order_assign(actor=manager, work_order=work_order, engineer=engineer, window_start=start,
                              window_end=end)
    elif target == W.IN_PROGRESS:
        svc.work_order_start(actor=engineer, work_order=work_order)
    elif target == W.DONE:
        complete(engineer, work_order)
    elif target == W.CANCELLED:
        svc.work_order_cancel(actor=manager, work_order=work_order, reason="merchant closed")
    else:
        raise AssertionError(f"no service moves a work order to {target}")


def test_every_work_order_move_is_allowed_or_refused_as_the_table_says(manager, engineer, live_a):
    assert all(W.OPEN not in targets for targets in WORK_ORDER_MOVES.values())  # nothing goes back to open
    assert set(WORK_ORDER_MOVES) == set(W.values)
    for source in W.values:
        for target in (W.ASSIGNED, W.IN_PROGRESS, W.DONE, W.CANCELLED):
            if source == target == W.ASSIGNED:
                continue  # re-assignment, tested above
            work_order = _in_status(source, live_a, engineer)
            if target in WORK_ORDER_MOVES[source]:
                _move(target, work_order, manager, engineer)
                work_order.refresh_from_db()
                assert work_order.status == target, (source, target)
            else:
                with pytest.raises(TransitionNotAllowed):
                    _move(target, work_order, manager, engineer)
                work_order.refresh_from_db()
                assert work_order.status == source, (source, target)


# --- start and complete --------------------------------------------------------------------------------

def test_only_the_assigned_engineer_can_start_and_complete(manager, engineer, live_a):
    other = make_user(username="engineer3", roles=[roles.FIELD_ENGINEER])
    work_order = assigned(manager, engineer, live_a)
    for actor in (other, manager):
        with pytest.raises(NotPermitted, match="Only the engineer assigned"):
            svc.work_order_start(actor=actor, work_order=work_order)
    svc.work_order_start(actor=engineer, work_order=work_order)
    for actor in (other, manager):
        with pytest.raises(NotPermitted, match="Only the engineer assigned"):
            complete(actor, work_order)
    work_order.refresh_from_db()
    assert work_order.status == W.IN_PROGRESS
    assert AuditEvent.objects.filter(action="work_order.started", target_id=str(work_order.pk),
                                     actor=engineer).exists()


def test_completion_needs_every_checklist_answer(manager, engineer, live_a):
    work_order = in_progress(manager, engineer, live_a)
    answers = all_yes("repair")
    answers.pop("test_sale")
    with pytest.raises(DomainError, match="Answer every checklist item; missing: Test sale done after the repair"):
        complete(engineer, work_order, checklist=answers)
    with pytest.raises(DomainError, match="Unknown checklist items: mounted"):
        complete(engineer, work_order, checklist={**all_yes("repair"), "mounted": True})
    with pytest.raises(DomainError, match="yes or no"):
        complete(engineer, work_order, checklist={**all_yes("repair"), "test_sale": "maybe"})
    work_order.refresh_from_db()
    assert work_order.status == W.IN_PROGRESS and work_order.checklist == {}


def test_completion_needs_the_sign_off_name_and_a_sensible_time(manager, engineer, live_a):
    work_order = in_progress(manager, engineer, live_a)
    with pytest.raises(DomainError, match="name of the merchant's person"):
        complete(engineer, work_order, signed_off_by="   ")
    for minutes in (0, 1441, True, "30"):
        with pytest.raises(DomainError, match="whole number of minutes"):
            complete(engineer, work_order, minutes_spent=minutes)
    work_order.refresh_from_db()
    assert work_order.status == W.IN_PROGRESS


def test_unmet_checklist_items_need_completion_notes(manager, engineer, live_a):
    work_order = in_progress(manager, engineer, live_a)
    answers = {**all_yes("repair"), "fault_fixed": False}
    with pytest.raises(DomainError, match="explain why in the completion notes"):
        complete(engineer, work_order, checklist=answers)
    complete(engineer, work_order, checklist=answers, completion_notes="Spare part out of stock, back Friday")
    work_order.refresh_from_db()
    assert work_order.status == W.DONE and work_order.checklist["fault_fixed"] is False
    event = AuditEvent.objects.get(action="work_order.completed", target_id=str(work_order.pk))
    assert event.data["unmet"] == ["fault_fixed"]


def test_completion_records_the_evidence_and_photos(manager, engineer, live_a, terminal):
    work_order = in_progress(manager, engineer, live_a, terminal)
    complete(engineer, work_order, minutes_spent=75, photos=[png_file("counter.png"), png_file("receipt.png")])
    work_order.refresh_from_db()
    assert work_order.status == W.DONE and work_order.completed_at and work_order.minutes_spent == 75
    assert work_order.signed_off_by == "Li Si" and work_order.checklist == all_yes("repair")
    photos = list(TerminalPhoto.objects.filter(work_order=work_order))
    assert len(photos) == 2 and {p.merchant_id for p in photos} == {live_a.pk}
    assert {p.terminal_id for p in photos} == {terminal.pk} and photos[0].stored_name.startswith("terminals/")
    event = AuditEvent.objects.get(action="work_order.completed", target_id=str(work_order.pk))
    assert event.data["terminal"] == terminal.pk and event.data["photos"] == 2


def test_completion_refuses_a_photo_that_is_not_an_image(manager, engineer, live_a):
    work_order = in_progress(manager, engineer, live_a)
    with pytest.raises(DomainError, match="not an accepted type"):
        complete(engineer, work_order, photos=[pdf_file("scan.pdf")])
    assert not TerminalPhoto.objects.exists()


def test_completing_a_maintenance_visit_plans_the_next_one(settings, manager, engineer, live_a, terminal):
    settings.ACQUIRER_MAINTENANCE_INTERVAL_DAYS = 90
    work_order = in_progress(manager, engineer, live_a, terminal, kind="maintenance")
    complete(engineer, work_order)
    terminal.refresh_from_db()
    assert terminal.next_maintenance_due == timezone.localdate() + timedelta(days=90)
    event = AuditEvent.objects.get(action="terminal.maintenance_planned", target_id=str(terminal.pk))
    assert event.data["work_order"] == work_order.number


def test_cancel_needs_a_reason_and_records_it(manager, live_a, terminal):
    work_order = create(manager, live_a, terminal)
    with pytest.raises(DomainError, match="reason"):
        svc.work_order_cancel(actor=manager, work_order=work_order, reason=" ")
    svc.work_order_cancel(actor=manager, work_order=work_order, reason="merchant moved")
    work_order.refresh_from_db()
    assert work_order.status == W.CANCELLED
    event = AuditEvent.objects.get(action="work_order.cancelled", target_id=str(work_order.pk))
    assert event.data == {"terminal": terminal.pk, "number": work_order.number, "kind": "repair",
                          "reason": "merchant moved"}


# --- preventive maintenance -------------------------------------------------------------------------

def test_the_maintenance_job_run_twice_creates_each_visit_once(users, live_a):
    today = timezone.localdate()
    due = make_terminal(status=Terminal.Status.ACTIVE, merchant=live_a, next_maintenance_due=today)
    overdue = make_terminal(status=Terminal.Status.ACTIVE, merchant=live_a,
                            next_maintenance_due=today - timedelta(days=30))
    make_terminal(status=Terminal.Status.ACTIVE, merchant=live_a, next_maintenance_due=today + timedelta(days=1))
    make_terminal(status=Terminal.Status.SUSPENDED, merchant=live_a, next_maintenance_due=today)
    make_terminal(status=Terminal.Status.ACTIVE, merchant=live_a)

    first = run_job("terminals.maintenance_due", svc.maintenance_create_due)
    second = run_job("terminals.maintenance_due", svc.maintenance_create_due)

    assert first.counts == {"due": 2, "created": 2, "already_planned": 0}
    assert second.counts == {"due": 2, "created": 0, "already_planned": 2}
    visits = WorkOrder.objects.filter(kind="maintenance")
    assert {w.terminal_id for w in visits} == {due.pk, overdue.pk} and visits.count() == 2
    assert all(w.status == W.OPEN and w.created_by is None and w.address == due.install_address for w in visits)
    alerts = Notification.objects.filter(kind="work_order.maintenance_due")
    assert [a.recipient for a in alerts] == [users[roles.OPERATIONS_MANAGER]]


def test_the_maintenance_task_records_its_run(live_a):
    from terminals.tasks import maintenance_create_due

    make_terminal(status=Terminal.Status.ACTIVE, merchant=live_a, next_maintenance_due=timezone.localdate())
    maintenance_create_due.apply()
    maintenance_create_due.apply()
    runs = list(JobRun.objects.filter(job="terminals.maintenance_due").order_by("id"))
    assert [r.status for r in runs] == ["succeeded", "succeeded"]
    assert [r.counts["created"] for r in runs] == [1, 0]


def test_a_closed_maintenance_visit_does_not_block_the_next_one(manager, engineer, live_a):
    today = timezone.localdate()
    terminal = make_terminal(status=Terminal.Status.ACTIVE, merchant=live_a, next_maintenance_due=today)
    assert svc.maintenance_create_due(today=today)["created"] == 1
    visit = WorkOrder.objects.get(terminal=terminal)
    svc.work_order_cancel(actor=manager, work_order=visit, reason="shop closed that day")
    assert svc.maintenance_create_due(today=today)["created"] == 1
    assert WorkOrder.objects.filter(terminal=terminal, status=W.OPEN).count() == 1


# --- views ------------------------------------------------------------------------------------------------

def test_merchant_users_and_other_roles_are_refused_on_ops_pages(clients, manager, live_a):
    work_order = create(manager, live_a)
    urls = [reverse("ops:workorder-list"), reverse("ops:workorder-mine"), reverse("ops:workorder-create"),
            reverse("ops:workorder-detail", kwargs={"pk": work_order.pk})]
    for actor in ("merchant_a", "merchant_b"):
        for url in urls:
            assert clients[actor].get(url).status_code == 403, (actor, url)
    assert clients[roles.CUSTOMER_SERVICE].get(reverse("ops:workorder-create")).status_code == 403
    assert clients[roles.CUSTOMER_SERVICE].get(reverse("ops:workorder-mine")).status_code == 403
    assert clients["anonymous"].get(urls[0]).status_code == 302


def test_create_page_finds_the_merchant_by_mid_and_creates_the_work_order(clients, live_a, terminal):
    client = clients[roles.OPERATIONS_MANAGER]
    page = client.get(reverse("ops:workorder-create"), {"q": live_a.mid})
    assert f'data-merchant="{live_a.pk}"' in page.content.decode()
    assert client.get(reverse("ops:workorder-create"), {"q": str(live_a.pk)}).context["results"][0] == live_a
    form_page = client.get(reverse("ops:workorder-create"), {"merchant": live_a.pk})
    assert terminal.serial_number in form_page.content.decode()
    start, end = window(days=1)
    bad = client.post(reverse("ops:workorder-create"), {
        "merchant": live_a.pk, "kind": "installation", "terminal": terminal.pk,
        "window_start": end.strftime("%Y-%m-%dT%H:%M"), "window_end": start.strftime("%Y-%m-%dT%H:%M")})
    assert bad.status_code == 200 and "must end after it starts" in bad.content.decode()
    response = client.post(reverse("ops:workorder-create"), {
        "merchant": live_a.pk, "kind": "installation", "terminal": terminal.pk, "instructions": "Bring paper",
        "window_start": timezone.localtime(start).strftime("%Y-%m-%dT%H:%M"),
        "window_end": timezone.localtime(end).strftime("%Y-%m-%dT%H:%M")})
    work_order = WorkOrder.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("ops:workorder-detail",
                                                                           kwargs={"pk": work_order.pk})
    assert work_order.kind == "installation" and work_order.terminal == terminal and work_order.window_start == start


def test_detail_page_offers_only_the_allowed_actions(clients, manager, engineer, live_a):
    work_order = create(manager, live_a)
    url = reverse("ops:workorder-detail", kwargs={"pk": work_order.pk})
    page = clients[roles.OPERATIONS_MANAGER].get(url).content.decode()
    assert "workorder-assign-form" in page and "workorder-cancel-form" in page and "workorder-start" not in page
    page = clients[roles.FIELD_ENGINEER].get(url).content.decode()
    assert "workorder-assign-form" not in page and "workorder-cancel-form" not in page
    svc.work_order_assign(actor=manager, work_order=work_order, engineer=engineer, window_start=window()[0],
                          window_end=window()[1])
    page = clients[roles.FIELD_ENGINEER].get(url).content.decode()
    assert 'id="workorder-start"' in page and f'id="complete-{work_order.pk}"' not in page
    svc.work_order_start(actor=engineer, work_order=work_order)
    page = clients[roles.FIELD_ENGINEER].get(url).content.decode()
    assert f'id="complete-{work_order.pk}"' in page and "Fault reproduced and diagnosed" in page
    page = clients[roles.OPERATIONS_MANAGER].get(url).content.decode()
    assert f'id="complete-{work_order.pk}"' not in page and "workorder-assign-form" not in page


def test_assign_start_complete_and_cancel_through_the_pages(clients, manager, engineer, live_a, terminal):
    ops, field = clients[roles.OPERATIONS_MANAGER], clients[roles.FIELD_ENGINEER]
    work_order = create(manager, live_a, terminal, kind="swap")
    start, end = (timezone.localtime(t).strftime("%Y-%m-%dT%H:%M") for t in window())
    response = ops.post(reverse("ops:workorder-assign", kwargs={"pk": work_order.pk}),
                        {"engineer": engineer.pk, "window_start": start, "window_end": end})
    assert response.status_code == 302
    response = field.post(reverse("ops:workorder-start", kwargs={"pk": work_order.pk}),
                          {"return_to": "mine", "confirm_early": "on"})
    assert response["Location"] == reverse("ops:workorder-mine")
    url = reverse("ops:workorder-complete", kwargs={"pk": work_order.pk})
    answers = {f"check_{key}": "yes" for key in svc.CHECKLISTS["swap"]}
    missing = field.post(url, {**answers, "check_test_sale": "", "signed_off_by": "Li Si", "minutes_spent": "30",
                               "return_to": "mine"})
    assert missing.status_code == 200 and "Answer this checklist item." in missing.content.decode()
    response = field.post(url, {**answers, "signed_off_by": "Li Si", "minutes_spent": "30", "return_to": "mine",
                                "photos": [png_file("new.png")]})
    assert response.status_code == 302 and response["Location"] == reverse("ops:workorder-mine")
    work_order.refresh_from_db()
    assert work_order.status == W.DONE and work_order.photos.count() == 1

    other = create(manager, live_a)
    response = ops.post(reverse("ops:workorder-cancel", kwargs={"pk": other.pk}), {"reason": "duplicate"})
    other.refresh_from_db()
    assert response.status_code == 302 and other.status == W.CANCELLED


def test_photo_download_is_an_audited_attachment(clients, manager, engineer, live_a, terminal):
    work_order = in_progress(manager, engineer, live_a, terminal)
    complete(engineer, work_order, photos=[png_file("counter.png")])
    photo = work_order.photos.get()
    for actor, area in ((roles.FIELD_ENGINEER, "ops"), ("auditor", "audit")):
        page = clients[actor].get(reverse(f"{area}:workorder-detail", kwargs={"pk": work_order.pk})).content.decode()
        assert reverse(f"{area}:workorder-photo", kwargs={"pk": photo.pk}) in page and "Li Si" in page
    for actor, name in ((roles.COMPLIANCE_OFFICER, "ops:workorder-photo"), ("auditor", "audit:workorder-photo")):
        response = clients[actor].get(reverse(name, kwargs={"pk": photo.pk}))
        assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
        assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    events = AuditEvent.objects.filter(action="work_order.photo_downloaded", target_id=str(work_order.pk))
    assert events.count() == 2 and events.first().data["photo"] == photo.pk
    assert events.first().data["terminal"] == terminal.pk
    assert clients["merchant_a"].get(reverse("ops:workorder-photo", kwargs={"pk": photo.pk})).status_code == 403


def test_my_jobs_today_shows_only_the_engineers_jobs_of_today(clients, manager, engineer, live_a):
    other = make_user(username="engineer4", roles=[roles.FIELD_ENGINEER])
    late = assigned(manager, engineer, live_a, start_hour=15)
    early = in_progress(manager, engineer, live_a, start_hour=8)
    tomorrow = assigned(manager, engineer, live_a, days=1)
    yesterday = assigned(manager, engineer, live_a, days=-1)
    someone_else = assigned(manager, other, live_a)
    finished = in_progress(manager, engineer, live_a, start_hour=7)
    complete(engineer, finished)
    response = clients[roles.FIELD_ENGINEER].get(reverse("ops:workorder-mine"))
    shown = [job["wo"].pk for job in response.context["jobs"]]
    assert shown == [early.pk, late.pk]
    page = response.content.decode()
    for hidden in (tomorrow, yesterday, someone_else, finished):
        assert hidden.number not in page
    assert "tel:+8613800138000" in page and live_a.address in page
    assert f'id="complete-{early.pk}"' in page and "Cables and battery checked" not in page


def test_my_jobs_keeps_a_constant_number_of_queries(clients, manager, engineer, live_a,
                                                    django_assert_max_num_queries):
    client = clients[roles.FIELD_ENGINEER]
    in_progress(manager, engineer, live_a, make_terminal(status="active", merchant=live_a))
    assigned(manager, engineer, live_a, start_hour=10)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("ops:workorder-mine")).status_code == 200
    for hour in range(11, 17):
        in_progress(manager, engineer, live_a, make_terminal(status="active", merchant=live_a), start_hour=hour,
                    kind="maintenance")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("ops:workorder-mine"))
    assert len(response.context["jobs"]) == 8


def test_the_board_filters_and_keeps_a_constant_number_of_queries(clients, manager, engineer, live_a,
                                                                  django_assert_max_num_queries):
    client = clients[roles.OPERATIONS_MANAGER]
    assigned(manager, engineer, live_a, make_terminal(status="active", merchant=live_a))
    create(manager, live_a, kind="survey")
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("ops:workorder-list")).status_code == 200
    for _n in range(8):
        assigned(manager, engineer, live_a, make_terminal(status="active", merchant=live_a), kind="maintenance")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("ops:workorder-list"))
    assert len(response.context["work_orders"]) == 10
    assert 'data-count-status="assigned">Assigned <span class="badge text-bg-light border">9' in (
        response.content.decode())
    assert len(client.get(reverse("ops:workorder-list"), {"kind": "survey"}).context["work_orders"]) == 1
    assert len(client.get(reverse("ops:workorder-list"), {"engineer": "none"}).context["work_orders"]) == 1
    assert len(client.get(reverse("ops:workorder-list"), {"engineer": engineer.pk, "status": "assigned"})
               .context["work_orders"]) == 9
    day = timezone.localdate().isoformat()
    assert len(client.get(reverse("ops:workorder-list"), {"day": day}).context["work_orders"]) == 9
    assert len(client.get(reverse("ops:workorder-list"), {"q": live_a.mid}).context["work_orders"]) == 10
    assert len(client.get(reverse("ops:workorder-list"), {"kind": "survey", "engineer": "999999"})
               .context["work_orders"]) == 1  # an unknown engineer is ignored, the valid filter kept

    # the board's count: the tabs' own figures when only the status is chosen, the filtered list's otherwise
    assert str(client.get(reverse("ops:workorder-list")).context["count"]) == "10"
    assert str(client.get(reverse("ops:workorder-list"), {"status": "assigned"}).context["count"]) == "9"
    assert str(client.get(reverse("ops:workorder-list"), {"kind": "survey"}).context["count"]) == "1"


def test_auditors_read_work_orders_but_cannot_change_them(clients, manager, live_a):
    work_order = create(manager, live_a)
    auditor = clients["auditor"]
    assert work_order.number in auditor.get(reverse("audit:workorder-list")).content.decode()
    page = auditor.get(reverse("audit:workorder-detail", kwargs={"pk": work_order.pk}))
    assert page.status_code == 200 and "workorder-assign-form" not in page.content.decode()
    assert auditor.post(reverse("audit:workorder-detail", kwargs={"pk": work_order.pk})).status_code == 405
    assert auditor.get(reverse("ops:workorder-list")).status_code == 403


# --- demo -----------------------------------------------------------------------------------------------

def test_demo_creates_nothing_without_active_terminals(manager, engineer, live_a, merchant_b):
    from terminals.demo.workorders import seed

    seed(staff={"ops": manager, "engineer": engineer}, merchant_a=live_a, merchant_b=merchant_b)
    assert not WorkOrder.objects.exists()


def test_demo_covers_every_status_and_is_idempotent(manager, engineer, live_a, merchant_b):
    from terminals.demo.workorders import seed

    Merchant.objects.filter(pk=merchant_b.pk).update(status=Merchant.Status.ACTIVE)
    merchant_b.refresh_from_db()
    for merchant in (live_a, live_a, live_a, merchant_b):
        make_terminal(status=Terminal.Status.ACTIVE, merchant=merchant)
    staff = {"ops": manager, "engineer": engineer}
    seed(staff=staff, merchant_a=live_a, merchant_b=merchant_b)
    count = WorkOrder.objects.count()
    seed(staff=staff, merchant_a=live_a, merchant_b=merchant_b)
    assert WorkOrder.objects.count() == count
    assert set(WorkOrder.objects.values_list("status", flat=True)) == set(W.values)
    assert WorkOrder.objects.filter(kind="maintenance", created_by__isnull=True).count() == 1
    today = [w.merchant_id for w in svc_today(engineer)]
    assert live_a.pk in today and merchant_b.pk in today


def svc_today(engineer):
    from terminals.selectors.workorders import work_orders_today

    return list(work_orders_today(actor=engineer))
