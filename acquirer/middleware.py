"""Request-wide concerns: audit origin, session lifetimes, language per user, mandatory MFA."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from acquirer import audit

SESSION_LOGIN_AT = "acquirer_login_at"
SESSION_LAST_SEEN = "acquirer_last_seen"


def client_ip(request) -> str | None:
    # Behind a proxy, configure it to set REMOTE_ADDR (e.g. gunicorn --forwarded-allow-ips).
    return request.META.get("REMOTE_ADDR")


class RequestContextMiddleware:
    """Tell the audit trail where the current request comes from."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = audit.set_origin(audit.Origin(ip=client_ip(request), source="web"))
        try:
            return self.get_response(request)
        finally:
            audit.reset_origin(token)


def stamp_login(request) -> None:
    """Start the absolute and idle clocks of a fresh session."""
    now = time.time()
    request.session[SESSION_LOGIN_AT] = now
    request.session[SESSION_LAST_SEEN] = now


class SessionLifetimeMiddleware:
    """Idle timeout (15 min) and absolute lifetime (12 h), enforced on the server."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            session = request.session
            login_at = session.get(SESSION_LOGIN_AT)
            last_seen = session.get(SESSION_LAST_SEEN, login_at)
            idle = settings.ACQUIRER_SESSION_IDLE_SECONDS
            if login_at is None:
                session[SESSION_LOGIN_AT] = login_at = now
                last_seen = now
            if now - login_at > settings.SESSION_COOKIE_AGE or now - last_seen > idle:
                from acquirer.services.users import session_expired

                reason = "absolute" if now - login_at > settings.SESSION_COOKIE_AGE else "idle"
                session_expired(user=request.user, reason=reason)
                logout(request)
                messages.info(request, _("Your session has expired. Please sign in again."))
                return redirect(f"{reverse(settings.LOGIN_URL)}?next={request.path}")
            if now - last_seen > 30:  # avoid a session write on every request
                session[SESSION_LAST_SEEN] = now
        return self.get_response(request)


class UserLanguageMiddleware:
    """A signed-in user's saved language wins unless they switched in this session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME):
            translation.activate(user.language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


MFA_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/healthz", "/i18n/")


def mfa_satisfied(request) -> bool:
    """The user has TOTP set up and this session passed the second factor."""
    from allauth.account.authentication import get_authentication_records
    from allauth.mfa.utils import is_mfa_enabled

    if not is_mfa_enabled(request.user):
        return False
    return any(r.get("method") == "mfa" for r in get_authentication_records(request, request.user))


def mfa_required(user) -> bool:
    return settings.ACQUIRER_REQUIRE_MFA and (user.kind in ("staff", "auditor") or user.is_superuser)


class RequireMFAMiddleware:
    """Staff, auditors and superusers must enrol in TOTP and pass it at login (also for /admin/)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (user.is_authenticated and mfa_required(user) and not request.path.startswith(MFA_EXEMPT_PREFIXES)
                and not mfa_satisfied(request)):
            from allauth.mfa.utils import is_mfa_enabled

            if is_mfa_enabled(user):
                # Enrolled but this session skipped the second step (e.g. enrolled after login): sign in again.
                logout(request)
                return redirect(f"{reverse('account_login')}?next={request.path}")
            messages.warning(request, _("Two-factor authentication is required for your account. "
                                        "Set it up to continue."))
            return redirect("mfa_activate_totp")
        return self.get_response(request)
