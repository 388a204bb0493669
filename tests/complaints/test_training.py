"""Merchant training: scheduling, sign-up with capacity, cancellation, attendance, the portal and the 360 page."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from acquirer.exceptions import DomainError, NotPermitted, TransitionNotAllowed
from acquirer.models import AuditEvent
from complaints.models import TrainingSession, TrainingSignup
from complaints.services import training as svc

pytestmark = pytest.mark.django_db


def make_session(actor, *, days=7, capacity=2, title_en="Using your terminal", **extra):
    starts = timezone.now() + timedelta(days=days)
    return svc.session_create(actor=actor, title_zh="终端使用培训", title_en=title_en, topic="daily_use",
                              language="zh-hans", starts_at=starts, ends_at=starts + timedelta(hours=2),
                              place="上海市浦东新区 培训室 3", capacity=capacity, **extra)


def move_to_past(session, days=2):
    """Put a session in the past (the service refuses to schedule one there)."""
    starts = timezone.now() - timedelta(days=days)
    TrainingSession.objects.filter(pk=session.pk).update(starts_at=starts, ends_at=starts + timedelta(hours=2))
    session.refresh_from_db()
    return session


@pytest.fixture
def staff(users):
    return users["customer_service"]


@pytest.fixture
def session(staff):
    return make_session(staff)


def test_session_create_is_audited_and_refuses_without_manage_help(users, staff):
    session = make_session(staff)
    assert AuditEvent.objects.filter(action="training.created", target_id=str(session.pk)).exists()
    with pytest.raises(NotPermitted):
        make_session(users["compliance_officer"])


def test_session_create_refuses_an_end_before_the_start(staff):
    starts = timezone.now() + timedelta(days=3)
    with pytest.raises(DomainError):
        svc.session_create(actor=staff, title_zh="培训", title_en="Training", topic="fees", language="en",
                           starts_at=starts, ends_at=starts - timedelta(hours=1), place="Online", capacity=5)


def test_training_signup_takes_a_place_once_per_merchant(users, session):
    svc.training_signup(actor=users["merchant_a"], session=session)
    with pytest.raises(DomainError):
        svc.training_signup(actor=users["merchant_a"], session=session)
    assert TrainingSignup.objects.filter(session=session, cancelled_at__isnull=True).count() == 1
    assert AuditEvent.objects.filter(action="training.signed_up", merchant_id=users["merchant_a"].merchant_id).exists()


def test_training_signup_refuses_a_full_session(users, staff):
    session = make_session(staff, capacity=1)
    svc.training_signup(actor=users["merchant_a"], session=session)
    with pytest.raises(DomainError, match="full"):
        svc.training_signup(actor=users["merchant_b"], session=session)


def test_training_signup_refuses_past_and_cancelled_sessions(users, staff):
    cancelled = make_session(staff)
    svc.session_cancel(actor=staff, session=cancelled)
    with pytest.raises(DomainError):
        svc.training_signup(actor=users["merchant_a"], session=cancelled)
    past = move_to_past(make_session(staff))
    with pytest.raises(DomainError):
        svc.training_signup(actor=users["merchant_a"], session=past)


def test_training_signup_cancel_frees_the_place_and_it_can_be_taken_again(users, staff):
    session = make_session(staff, capacity=1)
    svc.training_signup(actor=users["merchant_a"], session=session)
    svc.training_signup_cancel(actor=users["merchant_a"], session=session)
    svc.training_signup(actor=users["merchant_b"], session=session)
    svc.training_signup_cancel(actor=users["merchant_b"], session=session)
    signup = svc.training_signup(actor=users["merchant_a"], session=session)
    assert signup.cancelled_at is None
    assert TrainingSignup.objects.filter(session=session).count() == 2


def test_staff_cannot_sign_up_a_merchant_from_the_service(staff, session):
    with pytest.raises(NotPermitted):
        svc.training_signup(actor=staff, session=session)


def test_session_cancel_tells_the_merchants_who_signed_up(users, staff, session):
    from acquirer.models import Notification

    svc.training_signup(actor=users["merchant_a"], session=session)
    svc.session_cancel(actor=staff, session=session, reason="Trainer ill")
    session.refresh_from_db()
    assert session.status == TrainingSession.Status.CANCELLED
    note = Notification.objects.get(recipient=users["merchant_a"], kind="training.cancelled")
    assert note.url == reverse("portal:training-list")
    assert not Notification.objects.filter(recipient=users["merchant_b"]).exists()


def test_session_moves_follow_the_workflow(staff, session):
    with pytest.raises(DomainError):
        svc.session_mark_held(actor=staff, session=session)  # not started yet
    move_to_past(session)
    svc.session_mark_held(actor=staff, session=session)
    session.refresh_from_db()
    assert session.status == TrainingSession.Status.HELD
    with pytest.raises(TransitionNotAllowed):
        svc.session_cancel(actor=staff, session=session)
    with pytest.raises(DomainError):
        svc.session_update(actor=staff, session=session, place="Elsewhere")


def test_session_update_refuses_fewer_places_than_sign_ups(users, staff):
    session = make_session(staff, capacity=2)
    svc.training_signup(actor=users["merchant_a"], session=session)
    svc.training_signup(actor=users["merchant_b"], session=session)
    with pytest.raises(DomainError):
        svc.session_update(actor=staff, session=session, capacity=1)
    svc.session_update(actor=staff, session=session, capacity=3, place="Online")
    event = AuditEvent.objects.get(action="training.changed", target_id=str(session.pk))
    assert event.data["fields"] == "capacity, place"


def test_training_attendance_record_marks_attended_and_absent(users, staff, session):
    svc.training_signup(actor=users["merchant_a"], session=session)
    svc.training_signup(actor=users["merchant_b"], session=session)
    with pytest.raises(DomainError):
        svc.training_attendance_record(actor=staff, session=session, attended_merchant_ids=[])  # still to come
    move_to_past(session)
    svc.session_mark_held(actor=staff, session=session)
    svc.training_attendance_record(actor=staff, session=session,
                                   attended_merchant_ids=[users["merchant_a"].merchant_id])
    attended = dict(TrainingSignup.objects.filter(session=session).values_list("merchant_id", "attended"))
    assert attended == {users["merchant_a"].merchant_id: True, users["merchant_b"].merchant_id: False}


# pages -------------------------------------------------------------------------------------------------------------

def test_portal_signup_posts_the_session_in_the_form_body(clients, users, session):
    client = clients["merchant_a"]
    response = client.post(reverse("portal:training-signup"), {"session": session.pk})
    assert response.status_code == 302
    assert TrainingSignup.objects.filter(session=session, merchant_id=users["merchant_a"].merchant_id).exists()
    page = client.get(reverse("portal:training-list")).content.decode()
    assert reverse("portal:training-signup-cancel") in page  # now it offers to give the place back
    client.post(reverse("portal:training-signup-cancel"), {"session": session.pk})
    assert TrainingSignup.objects.get(session=session).cancelled_at is not None


def test_portal_training_page_renders_materials_safely(clients, staff):
    make_session(staff, materials="* card slots\n\n<script>alert(1)</script>")
    page = clients["merchant_a"].get(reverse("portal:training-list")).content.decode()
    assert "<li>card slots</li>" in page and "<script>alert(1)" not in page


def test_session_update_refuses_moving_the_start_into_the_past(staff, session):
    with pytest.raises(DomainError):
        svc.session_update(actor=staff, session=session, starts_at=timezone.now() - timedelta(hours=1),
                           ends_at=timezone.now())


def test_portal_signup_to_a_missing_session_changes_nothing(clients):
    response = clients["merchant_a"].post(reverse("portal:training-signup"), {"session": 999999}, follow=True)
    assert response.status_code == 200
    assert not TrainingSignup.objects.exists()


def test_portal_training_page_shows_places_left_and_my_attendance(clients, users, staff):
    upcoming = make_session(staff, capacity=5, title_en="Upcoming")
    svc.training_signup(actor=users["merchant_b"], session=upcoming)
    past = make_session(staff, title_en="Past")
    svc.training_signup(actor=users["merchant_a"], session=past)
    move_to_past(past)
    svc.session_mark_held(actor=staff, session=past)
    svc.training_attendance_record(actor=staff, session=past, attended_merchant_ids=[users["merchant_a"].merchant_id])
    page = clients["merchant_a"].get(reverse("portal:training-list")).content.decode()
    upcoming_row = page.split(f'data-session="{upcoming.pk}"')[1].split("</tr>")[0]
    assert "<td>4</td>" in upcoming_row
    mine = page.split('id="training-mine"')[1]
    assert f'data-signup="{TrainingSignup.objects.get(session=past).pk}"' in mine
    assert f'data-session="{past.pk}"' not in page.split('id="training-mine"')[0]  # not offered again


def test_ops_training_pages_schedule_and_record_attendance(clients, users):
    client = clients["customer_service"]
    starts = timezone.localtime(timezone.now() + timedelta(days=10)).replace(microsecond=0, second=0)
    response = client.post(reverse("ops:training-create"), {
        "title_zh": "防范钓鱼电话", "title_en": "Phishing calls", "topic": "security", "language": "zh-hans",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"), "place": "线上会议",
        "capacity": 20, "materials": "* 不要透露验证码"})
    session = TrainingSession.objects.get(title_en="Phishing calls")
    assert response.status_code == 302
    svc.training_signup(actor=users["merchant_a"], session=session)
    move_to_past(session)
    client.post(reverse("ops:training-held", kwargs={"pk": session.pk}))
    client.post(reverse("ops:training-attendance", kwargs={"pk": session.pk}),
                {"attended": [users["merchant_a"].merchant_id]})
    assert TrainingSignup.objects.get(session=session).attended is True
    page = client.get(reverse("ops:training-detail", kwargs={"pk": session.pk})).content.decode()
    assert "<li>不要透露验证码</li>" in page


def test_merchant_360_page_shows_the_training_history(clients, users, staff):
    session = make_session(staff, title_en="Settlement basics")
    svc.training_signup(actor=users["merchant_a"], session=session)
    move_to_past(session)
    svc.session_mark_held(actor=staff, session=session)
    svc.training_attendance_record(actor=staff, session=session, attended_merchant_ids=[])
    merchant_id = users["merchant_a"].merchant_id
    for role in ("customer_service", "auditor"):
        area = "audit" if role == "auditor" else "ops"
        page = clients[role].get(reverse(f"{area}:merchant-detail", kwargs={"pk": merchant_id})).content.decode()
        assert 'id="panel-training"' in page, role
        row = page.split(f'data-signup="{TrainingSignup.objects.get(session=session).pk}"')[1].split("</tr>")[0]
        assert session.title_zh in row
    other = clients["customer_service"].get(
        reverse("ops:merchant-detail", kwargs={"pk": users["merchant_b"].merchant_id})).content.decode()
    assert session.title_zh not in other


def test_merchant_360_hides_the_training_panel_without_view_training(clients, users):
    page = clients["risk_analyst"].get(reverse("ops:merchant-detail", kwargs={"pk": users["merchant_a"].merchant_id}))
    if page.status_code == 200:
        assert 'id="panel-training"' not in page.content.decode()


@pytest.mark.django_db(transaction=True)
def test_training_signup_never_exceeds_capacity_under_concurrency(role_groups):
    import threading

    from django.db import connection

    from tests.factories import make_merchant, make_merchant_user, make_user

    staff = make_user(username="trainer", roles=["customer_service"])
    session = make_session(staff, capacity=2)
    merchants_users = [make_merchant_user(make_merchant(), username=f"racer{n}") for n in range(6)]
    start = threading.Barrier(len(merchants_users))
    taken, refused = [], []

    def sign_up(user):
        try:
            start.wait()
            svc.training_signup(actor=user, session=session)
            taken.append(user.pk)
        except DomainError:
            refused.append(user.pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=sign_up, args=(user,)) for user in merchants_users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(taken) == 2 and len(refused) == 4
    assert TrainingSignup.objects.filter(session=session, cancelled_at__isnull=True).count() == 2
