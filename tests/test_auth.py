"""Passwords, lockout and throttling, sessions, MFA, CSRF — through the real login pages."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from acquirer import roles
from acquirer.models import AuditEvent, LoginLockout, Session, User
from tests.factories import PASSWORD, make_user
from tests.totp import totp

LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


def login(client, username, password, **extra):
    return client.post(LOGIN, {"login": username, "password": password, **extra})


def errors_of(response) -> str:
    return response.content.decode()


# --- passwords -------------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("password, code", [
    ("Short1a", "password_too_short"),
    ("onlyletterslongenough", "password_letter_digit"),
    ("123456789012345", "password_letter_digit"),
    ("password1234", "password_too_common"),
])
def test_weak_passwords_are_refused(password, code):
    user = make_user()
    with pytest.raises(ValidationError) as info:
        validate_password(password, user)
    assert code in [e.code for e in info.value.error_list]


@pytest.mark.django_db
def test_none_of_the_last_four_passwords_may_be_reused():
    user = make_user(password="First-pass-001")
    history = ["Second-pass-002", "Third-pass-003", "Fourth-pass-004"]
    for new in history:
        validate_password(new, user)
        user.set_password(new)
        user.save()
    for old in ["First-pass-001", *history]:
        with pytest.raises(ValidationError) as info:
            validate_password(old, user)
        assert "password_reused" in [e.code for e in info.value.error_list]
    user.set_password("Fifth-pass-005")
    user.save()
    validate_password("First-pass-001", user)  # five passwords ago: allowed again


@pytest.mark.django_db
@pytest.mark.parametrize("language, expected", [
    ("en", "at least one letter and one digit"),
    ("zh-hans", "至少包含一个字母和一个数字"),
])
def test_password_change_bad_input_is_explained_in_both_languages_and_changes_nothing(language, expected):
    user = make_user()
    client = Client()
    assert login(client, user.username, PASSWORD).status_code == 302
    old_hash = User.objects.get(pk=user.pk).password
    client.cookies["django_language"] = language
    response = client.post(reverse("account_change_password"),
                           {"oldpassword": PASSWORD, "password1": "abcdefghijklmnop", "password2": "abcdefghijklmnop"})
    assert response.status_code == 200
    assert expected in response.content.decode()
    assert User.objects.get(pk=user.pk).password == old_hash


@pytest.mark.django_db
def test_password_change_is_audited_and_recorded_in_history():
    user = make_user()
    client = Client()
    login(client, user.username, PASSWORD)
    new = "Brand-new-pass-77"
    response = client.post(reverse("account_change_password"),
                           {"oldpassword": PASSWORD, "password1": new, "password2": new})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Brand-new-pass-77")
    assert AuditEvent.objects.filter(action="user.password_changed", actor=user).exists()
    assert user.password_history.count() == 2


# --- login, lockout, throttling ----------------------------------------------------------------

@pytest.mark.django_db
def test_login_success_and_failure_are_audited_with_ip():
    user = make_user()
    login(Client(REMOTE_ADDR="10.1.2.3"), user.username, "wrong-password-1")
    login(Client(REMOTE_ADDR="10.1.2.3"), user.username, PASSWORD)
    failed = AuditEvent.objects.get(action="user.login_failed")
    ok = AuditEvent.objects.get(action="user.login")
    assert failed.target_id == str(user.pk) and failed.ip == "10.1.2.3"
    assert ok.actor == user and ok.ip == "10.1.2.3"


@pytest.mark.django_db
def test_unknown_user_and_wrong_password_get_the_same_answer():
    user = make_user()
    wrong = login(Client(), user.username, "wrong-password-1")
    unknown = login(Client(), "nobody-here", "wrong-password-1")
    assert wrong.status_code == unknown.status_code == 200
    strip = lambda html: re.sub(r'value="[^"]*"', "", html)  # noqa: E731 - csrf token, echoed login
    assert strip(wrong.content.decode()).replace(user.username, "X") == strip(unknown.content.decode()).replace(
        "nobody-here", "X")


@pytest.mark.django_db
def test_ten_failures_lock_the_account_for_thirty_minutes():
    user = make_user()
    for i in range(10):
        # different IPs, so this is the per-account lock, not the per-IP throttle
        login(Client(REMOTE_ADDR=f"10.0.0.{i + 1}"), user.username, f"wrong-password-{i}")
    locked = login(Client(REMOTE_ADDR="10.0.1.1"), user.username, PASSWORD)
    assert locked.status_code == 200 and "_auth_user_id" not in locked.wsgi_request.session
    assert AuditEvent.objects.filter(action="user.locked").count() == 1
    # an unknown name locked the same way answers exactly the same
    for i in range(10):
        login(Client(REMOTE_ADDR=f"10.0.2.{i + 1}"), "ghost-user", f"wrong-password-{i}")
    ghost = login(Client(REMOTE_ADDR="10.0.1.2"), "ghost-user", "whatever-pass-1")
    assert _message(locked) == _message(ghost) != ""
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        cache.clear()
        assert login(Client(REMOTE_ADDR="10.0.1.3"), user.username, PASSWORD).status_code == 302


def _message(response) -> str:
    found = re.findall(r'class="(?:alert[^"]*|errorlist[^"]*)"[^>]*>(.*?)</', response.content.decode(), re.S)
    return " ".join(m.strip() for m in found)


@pytest.mark.django_db
def test_ops_manager_can_unlock_a_locked_account(ops_client):
    user = make_user()
    for i in range(10):
        login(Client(REMOTE_ADDR=f"10.0.3.{i + 1}"), user.username, "wrong-password-x")
    assert LoginLockout.objects.get(username=user.username).is_locked()
    response = ops_client.post(reverse("ops:user-unlock", kwargs={"pk": user.pk}))
    assert response.status_code == 302
    assert not LoginLockout.objects.filter(username=user.username).exists()
    assert AuditEvent.objects.filter(action="user.unlocked", target_id=str(user.pk)).exists()
    assert login(Client(REMOTE_ADDR="10.0.3.99"), user.username, PASSWORD).status_code == 302


@pytest.mark.django_db
def test_login_is_throttled_per_ip():
    """After 20 failures from one IP in a minute, even a right password from it is refused without a hash."""
    user = make_user()
    for i in range(20):
        login(Client(REMOTE_ADDR="10.9.9.9"), f"someone{i}", "wrong-password-1")
    response = login(Client(REMOTE_ADDR="10.9.9.9"), user.username, PASSWORD)
    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in response.wsgi_request.session
    assert login(Client(REMOTE_ADDR="10.9.9.10"), user.username, PASSWORD).status_code == 302


# --- sessions --------------------------------------------------------------------------------

@pytest.mark.django_db
def test_login_issues_a_new_session_key():
    user = make_user()
    client = Client()
    client.get(LOGIN)
    session = client.session
    session["probe"] = 1
    session.save()
    before = session.session_key
    login(client, user.username, PASSWORD)
    assert client.cookies["sessionid"].value != before
    assert not Session.objects.filter(session_key=before).exists()


@pytest.mark.django_db
def test_logout_really_ends_the_session():
    user = make_user()
    client = Client()
    login(client, user.username, PASSWORD)
    stolen = client.cookies["sessionid"].value
    assert Session.objects.filter(session_key=stolen, user=user).exists()
    client.post(reverse("account_logout"))
    replay = Client()
    replay.cookies["sessionid"] = stolen
    assert replay.get(reverse("ops:home")).status_code == 302
    assert AuditEvent.objects.filter(action="user.logout", actor=user).exists()


@pytest.mark.django_db
def test_idle_session_expires_after_fifteen_minutes(role_groups):
    user = make_user(roles=[roles.CUSTOMER_SERVICE])
    client = Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        login(client, user.username, PASSWORD)
        assert client.get(reverse("ops:home")).status_code == 200
    with time_machine.travel(start + timedelta(minutes=14), tick=False):
        assert client.get(reverse("ops:home")).status_code == 200
    with time_machine.travel(start + timedelta(minutes=30), tick=False):
        response = client.get(reverse("ops:home"))
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)
        assert client.get(reverse("ops:home")).status_code == 302
    assert AuditEvent.objects.filter(action="user.session_expired", data__reason="idle").exists()


@pytest.mark.django_db
def test_session_ends_after_twelve_hours_even_when_active(role_groups):
    user = make_user(roles=[roles.CUSTOMER_SERVICE])
    client = Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        login(client, user.username, PASSWORD)
    minute = 0
    while minute < 12 * 60 - 10:
        minute += 10
        with time_machine.travel(start + timedelta(minutes=minute), tick=False):
            assert client.get(reverse("ops:home")).status_code == 200, minute
    with time_machine.travel(start + timedelta(hours=12, minutes=5), tick=False):
        assert client.get(reverse("ops:home")).status_code == 302


@pytest.mark.django_db
def test_disabling_a_user_ends_all_their_sessions(ops_client, users):
    victim = users["merchant_a"]
    browsers = [Client(), Client()]
    for browser in browsers:
        login(browser, victim.username, PASSWORD)
        assert browser.get(reverse("portal:home")).status_code == 200
    response = ops_client.post(reverse("ops:user-disable", kwargs={"pk": victim.pk}), {"reason": "fraud suspected"})
    assert response.status_code == 302
    for browser in browsers:
        assert browser.get(reverse("portal:home")).status_code == 302
    assert not Session.objects.filter(user=victim).exists()
    event = AuditEvent.objects.get(action="user.disabled", target_id=str(victim.pk))
    assert event.after == {"is_active": False} and event.data["reason"] == "fraud suspected"


@pytest.mark.django_db
def test_disable_without_reason_is_refused_and_changes_nothing(ops_client, users):
    victim = users["merchant_a"]
    response = ops_client.post(reverse("ops:user-disable", kwargs={"pk": victim.pk}), {"reason": ""}, follow=True)
    victim.refresh_from_db()
    assert victim.is_active
    assert "reason" in response.content.decode().lower() or "原因" in response.content.decode()


# --- MFA -------------------------------------------------------------------------------------

def _enrol_totp(client) -> str:
    page = client.get(reverse("mfa_activate_totp"))
    if page.status_code == 302 and page["Location"].startswith(reverse("account_reauthenticate")):
        # allauth asks for the password again before a security change
        assert client.post(page["Location"], {"password": PASSWORD}).status_code == 302
        page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200, page.status_code
    secret = client.session["mfa.totp.secret"]
    response = client.post(reverse("mfa_activate_totp"), {"code": totp(secret)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return secret


@pytest.mark.django_db
def test_staff_must_enrol_in_mfa_when_required(settings, role_groups, django_capture_on_commit_callbacks):
    settings.ACQUIRER_REQUIRE_MFA = True
    user = make_user(roles=[roles.RISK_ANALYST])
    client = Client()
    login(client, user.username, PASSWORD)
    response = client.get(reverse("ops:home"))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")
    with django_capture_on_commit_callbacks(execute=True):
        _enrol_totp(client)
    assert AuditEvent.objects.filter(action="user.mfa_added", actor=user).exists()


@pytest.mark.django_db
def test_merchants_are_not_forced_into_mfa(settings, users):
    settings.ACQUIRER_REQUIRE_MFA = True
    client = Client()
    login(client, users["merchant_a"].username, PASSWORD)
    assert client.get(reverse("portal:home")).status_code == 200


@pytest.mark.django_db
def test_login_with_totp_and_with_a_recovery_code(settings, role_groups):
    settings.ACQUIRER_REQUIRE_MFA = True
    user = make_user(roles=[roles.RISK_ANALYST])
    client = Client()
    login(client, user.username, PASSWORD)
    secret = _enrol_totp(client)
    client.post(reverse("account_logout"))

    # password alone does not sign in: the second step is asked
    client = Client()
    response = login(client, user.username, PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    bad = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert bad.status_code == 200 and client.get(reverse("ops:home")).status_code == 302
    # a wrong code is explained; the right one lets the user in
    client = Client()
    login(client, user.username, PASSWORD)
    with translation.override("en"):
        bad = client.post(reverse("mfa_authenticate"), {"code": "12345x"})
    assert bad.status_code == 200
    ok = client.post(reverse("mfa_authenticate"), {"code": totp(secret)})
    assert ok.status_code == 302
    assert client.get(reverse("ops:home")).status_code == 200

    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    codes = RecoveryCodes(Authenticator.objects.get(user=user, type="recovery_codes")).get_unused_codes()
    assert len(codes) >= 10
    client = Client()
    login(client, user.username, PASSWORD)
    assert client.post(reverse("mfa_authenticate"), {"code": codes[0]}).status_code == 302
    assert client.get(reverse("ops:home")).status_code == 200


@pytest.mark.django_db
def test_admin_cannot_be_reached_without_mfa(settings):
    settings.ACQUIRER_REQUIRE_MFA = True
    admin_user = make_user(username="root2")
    admin_user.is_superuser = admin_user.is_staff = True
    admin_user.save()
    client = Client()
    login(client, admin_user.username, PASSWORD)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")
    # and the admin's own login form is never offered
    anonymous = Client().get("/admin/login/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(LOGIN)


# --- CSRF and headers ------------------------------------------------------------------------

@pytest.mark.django_db
def test_state_changes_need_a_csrf_token(users):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users[roles.OPERATIONS_MANAGER])
    response = client.post(reverse("ops:user-disable", kwargs={"pk": users["merchant_a"].pk}), {"reason": "test"})
    assert response.status_code == 403
    assert User.objects.get(pk=users["merchant_a"].pk).is_active
    assert Client(enforce_csrf_checks=True).post(LOGIN, {"login": "x", "password": "y"}).status_code == 403


@pytest.mark.django_db
def test_security_headers(client):
    response = client.get(LOGIN)
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_templates_have_no_inline_script_or_handlers():
    import pathlib

    offenders = []
    for path in pathlib.Path("templates").rglob("*.html"):
        text = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\son[a-z]+=", text) or "style=" in text:
            offenders.append(str(path))
    assert not offenders, offenders


def test_check_deploy_is_clean_under_production_settings():
    import base64
    import os
    import secrets
    import subprocess
    import sys

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "acquirer.settings.prod",
           "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
           "ACQUIRER_EXPORT_SIGNING_KEY": base64.b64encode(secrets.token_bytes(32)).decode()}
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


# --- inactivity ------------------------------------------------------------------------------

@pytest.mark.django_db
def test_inactive_accounts_are_disabled_and_the_job_is_safe_twice():
    from acquirer.models import JobRun
    from acquirer.tasks import disable_inactive_users

    stale = make_user()
    fresh = make_user()
    User.objects.filter(pk=stale.pk).update(last_login=timezone.now() - timedelta(days=91))
    User.objects.filter(pk=fresh.pk).update(last_login=timezone.now() - timedelta(days=10))
    assert disable_inactive_users.apply().get() == {"disabled": 1}
    assert disable_inactive_users.apply().get() == {"disabled": 0}
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert not stale.is_active and fresh.is_active
    assert JobRun.objects.filter(job="users.disable_inactive", status="succeeded").count() == 2
    assert AuditEvent.objects.filter(action="user.disabled", target_id=str(stale.pk), actor=None).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("language, wrong_login, wrong_code", [
    ("en", "The username and/or password you specified are not correct.", "The code is not correct."),
    ("zh-hans", "您提供的用户名或密码不正确。", "验证码不正确"),
])
def test_bad_login_and_mfa_input_is_explained_in_both_languages(settings, role_groups, language, wrong_login,
                                                                wrong_code):
    settings.ACQUIRER_REQUIRE_MFA = True
    user = make_user(roles=[roles.RISK_ANALYST])
    client = Client()
    client.cookies["django_language"] = language
    response = login(client, user.username, "not-the-password-1")
    assert wrong_login in response.content.decode()
    login(client, user.username, PASSWORD)
    _enrol_totp(client)
    client.post(reverse("account_logout"))
    client.cookies["django_language"] = language
    login(client, user.username, PASSWORD)
    before = AuditEvent.objects.count()
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert response.status_code == 200 and wrong_code in response.content.decode()
    assert client.get(reverse("ops:home")).status_code == 302  # still not signed in
    assert list(AuditEvent.objects.filter(id__gt=0).order_by("-id").values_list("action", flat=True)[:1]) == [
        "user.mfa_failed"]
    assert AuditEvent.objects.count() == before + 1  # the failure is recorded, nothing else changed


@pytest.mark.django_db
def test_inactive_accounts_are_disabled_in_batches(settings):
    from acquirer.services.users import users_disable_inactive

    settings.ACQUIRER_BATCH_SIZE = 2
    stale = [make_user() for _ in range(5)]
    User.objects.filter(pk__in=[u.pk for u in stale]).update(last_login=timezone.now() - timedelta(days=91))
    assert users_disable_inactive() == {"disabled": 5}
    assert users_disable_inactive() == {"disabled": 0}
    assert not User.objects.filter(pk__in=[u.pk for u in stale], is_active=True).exists()
    assert AuditEvent.objects.filter(action="user.disabled", target_id__in=[str(u.pk) for u in stale]).count() == 5
