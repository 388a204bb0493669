"""Notifications, health check, error pages, home redirects, demo seeding, query budgets."""

import json

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from acquirer import roles
from acquirer.models import AuditEvent, Notification, User
from acquirer.services.notifications import notification_email_send, notify
from acquirer.tasks import retry_notification_emails, send_notification_email

# --- notifications ---------------------------------------------------------------------------

@pytest.mark.django_db
def test_notification_is_emailed_after_commit_in_the_recipients_language(users, django_capture_on_commit_callbacks):
    recipient = users["merchant_b"]
    recipient.language = "en"
    recipient.save()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        note = notify(recipient=recipient, kind="decision", title=_("Scheduled job failed: %(job)s"),
                      params={"job": "x"})
    assert len(mail.outbox) == 0 and len(callbacks) == 1  # nothing is sent before the commit
    send_notification_email.apply(args=[note.pk])
    note.refresh_from_db()
    assert note.email_status == "sent" and mail.outbox[0].subject == "Scheduled job failed: x"
    assert mail.outbox[0].to == [recipient.email]


@pytest.mark.django_db
def test_notification_email_is_sent_once_even_if_the_task_runs_twice(users):
    note = notify(recipient=users["auditor"], kind="t", title="hello")
    assert notification_email_send(notification_id=note.pk) == "sent"
    assert notification_email_send(notification_id=note.pk) == "skipped"
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_failed_email_is_recorded_and_retried_by_the_job(users, settings):
    note = notify(recipient=users["auditor"], kind="t", title="hello")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1  # nothing listens there
    with pytest.raises(OSError):
        notification_email_send(notification_id=note.pk)
    note.refresh_from_db()
    assert note.email_status == "failed" and note.email_attempts == 1 and note.email_error
    Notification.objects.filter(pk=note.pk).update(created_at=note.created_at.replace(year=2020))
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert retry_notification_emails.apply().get() == {"queued": 1}


@pytest.mark.django_db
def test_in_app_list_shows_unread_count_and_marks_read(clients, users):
    notify(recipient=users["merchant_a"], kind="t", title="Contract ready", email=False)
    client = clients["merchant_a"]
    page = client.get(reverse("notifications")).content.decode()
    assert "Contract ready" in page and 'badge text-bg-danger">1<' in page.replace(" ", "").replace(
        'badgetext-bg-danger">', 'badge text-bg-danger">')
    client.post(reverse("notification-read-all"))
    assert not Notification.objects.filter(recipient=users["merchant_a"], read_at__isnull=True).exists()
    assert "Contract ready" not in clients["merchant_b"].get(reverse("notifications")).content.decode()


# --- health, errors, home ----------------------------------------------------------------------

@pytest.mark.django_db
def test_healthz_reports_database_broker_and_jobs(clients):
    from acquirer.tasks import clear_expired_sessions

    clear_expired_sessions.apply()
    response = clients[roles.OPERATIONS_MANAGER].get("/healthz")  # details are for staff (tests/test_broker_down.py)
    body = json.loads(response.content)
    assert body["database"] is True and "broker" in body
    assert body["jobs"]["sessions.clear_expired"]["last_outcome"] == "succeeded"
    assert response.status_code == 200  # a down broker only degrades: requests still work (the outbox waits)


@pytest.mark.django_db
def test_friendly_404_and_403_pages(clients):
    missing = clients["merchant_a"].get("/portal/no-such-page/")
    assert missing.status_code == 404 and 'href="/"' in missing.content.decode()
    denied = clients["merchant_a"].get(reverse("ops:home"))
    assert denied.status_code == 403 and "<nav" in denied.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("actor, area", [(roles.FIELD_ENGINEER, "/ops/"), ("merchant_a", "/portal/"),
                                         ("auditor", "/audit/")])
def test_home_sends_each_kind_to_its_area(clients, actor, area):
    assert clients[actor].get("/")["Location"] == area


# --- demo data -----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_creates_every_role(capsys):
    call_command("seed_demo", "--password", "Demo-pass-2026x")
    counts = (User.objects.count(), AuditEvent.objects.filter(action="user.created").count())
    call_command("seed_demo", "--password", "Demo-pass-2026x")
    assert (User.objects.count(), AuditEvent.objects.filter(action="user.created").count()) == counts
    expected = {"ops": roles.OPERATIONS_MANAGER, "reviewer": roles.ONBOARDING_REVIEWER,
                "engineer": roles.FIELD_ENGINEER, "risk": roles.RISK_ANALYST, "service": roles.CUSTOMER_SERVICE,
                "servicelead": roles.CUSTOMER_SERVICE_LEAD, "compliance": roles.COMPLIANCE_OFFICER}
    for username, role in expected.items():
        assert User.objects.get(username=username).groups.filter(name=role).exists()
    merchant, merchant2 = User.objects.get(username="merchant"), User.objects.get(username="merchant2")
    assert merchant.merchant_id and merchant2.merchant_id and merchant.merchant_id != merchant2.merchant_id
    assert User.objects.get(username="auditor").kind == "auditor"
    assert Client().post("/accounts/login/", {"login": "ops", "password": "Demo-pass-2026x"}).status_code == 302
    assert "Demo-pass-2026x" in capsys.readouterr().out


@pytest.mark.django_db
def test_seed_demo_refuses_a_weak_password():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("seed_demo", "--password", "short", "--skip-jobs")
    assert not User.objects.exists()


# --- query budgets -------------------------------------------------------------------------------

HOME_BUDGETS = {"ops:home": 24, "portal:home": 20}


@pytest.mark.django_db
@pytest.mark.parametrize("actor, name", [
    (roles.OPERATIONS_MANAGER, "ops:home"), (roles.OPERATIONS_MANAGER, "ops:job-list"),
    (roles.OPERATIONS_MANAGER, "ops:user-list"), (roles.ONBOARDING_REVIEWER, "ops:merchant-list"),
    ("auditor", "audit:event-list"), ("auditor", "audit:merchant-list"), ("merchant_a", "portal:home"),
    ("merchant_a", "portal:activity"), ("merchant_a", "notifications"),
])
def test_pages_run_a_constant_number_of_queries(clients, actor, name, django_assert_max_num_queries):
    from tests.factories import make_merchant, make_user

    for _n in range(5):
        make_merchant()
        make_user()
    # once first: what a process keeps between requests (the working-day calendar, which a page warning about a year
    # not entered yet reads from December on) is then loaded, as it is on a running server
    assert clients[actor].get(reverse(name)).status_code == 200
    # home pages carry a panel per app (one or two aggregate queries each); each panel's own test proves its count
    # does not grow with the data
    with django_assert_max_num_queries(HOME_BUDGETS.get(name, 15)):
        assert clients[actor].get(reverse(name)).status_code == 200


@pytest.mark.django_db
def test_language_switch_is_remembered_for_a_signed_in_user(clients, users):
    client = clients["merchant_a"]
    response = client.post(reverse("set_language"), {"language": "en", "next": "/portal/"})
    assert response.status_code == 302
    users["merchant_a"].refresh_from_db()
    assert users["merchant_a"].language == "en"
    assert AuditEvent.objects.filter(action="user.language_changed", actor=users["merchant_a"]).exists()
    page = client.get("/portal/")
    assert page.content.decode().startswith("<!doctype html>") and 'lang="en"' in page.content.decode()


@pytest.mark.django_db
def test_language_switch_for_anonymous_sets_the_cookie_only(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302 and response.cookies["django_language"].value == "en"
    assert not AuditEvent.objects.filter(action="user.language_changed").exists()
