"""Merchant training: scheduling, sign-up with capacity, cancellation, attendance, the portal and the 360 page."""

from datetime import timedelta

import pytest
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
