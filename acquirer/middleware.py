"""Request-wide concerns: audit origin, session lifetimes, language per user, mandatory MFA, NUL bytes,
no caching of signed-in pages."""

import logging
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
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


NUL = "\x00"
security_log = logging.getLogger("acquirer.security")


def _keys_and_values(source):
    if hasattr(source, "lists"):  # a QueryDict: every value of a repeated key
        for key, values in source.lists():
            yield key
            yield from values
    else:
        for key, value in source.items():
            yield key
            yield value


def contains_nul(request) -> bool:
    """A NUL byte in the path, a query-string or form key or value, a cookie or an uploaded file's name."""
    if NUL in request.path_info or NUL in request.path:
        return True
    sources = [request.GET, request.COOKIES]
    if request.method == "POST":
        try:
            sources += [request.POST, {name: upload.name for name, upload in request.FILES.items()}]
        except OSError:  # the client went away mid-upload (UnreadablePostError): nothing left to check
            pass
    return any(isinstance(item, str) and NUL in item for source in sources for item in _keys_and_values(source))


class RejectNulMiddleware:
    """A NUL byte anywhere in the request's path or parameters answers 400, before any database work.

    PostgreSQL cannot store NUL in text, so such a value would otherwise end as a 500 in the first query
    that uses it (a search, a session lookup, a form save). No legitimate form or link carries one.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if contains_nul(request):
            security_log.warning("Refused a %s request with a NUL byte", request.method)
            return HttpResponseBadRequest(_("The request contains a character that is not allowed."),
                                          content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class NoStoreForSignedInMiddleware:
    """Nothing shown to a signed-in user is kept by the browser or a proxy (``Cache-Control: no-store``).

    The back button after logout, a shared computer or a caching proxy must not reveal merchant data. A view
    that already said ``no-store`` (file downloads) keeps its header; any other caching it asked for gives way.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if "no-store" not in response.get("Cache-Control", ""):
                patch_cache_control(response, no_store=True, private=True)
            response.setdefault("Pragma", "no-cache")
        return response
