"""Views every signed-in user shares: home redirect, notifications; and the public health check."""

import hmac

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView
from django.views.i18n import set_language

from acquirer.access import PublicView, UserView, is_auditor, is_merchant_user, is_staff_user
from acquirer.backups.services import backup_health
from acquirer.cache import cache_status
from acquirer.lists import page_from_request, query_without_position
from acquirer.middleware import mfa_required, mfa_satisfied
from acquirer.outbox import outbox_backlog
from acquirer.selectors import backup_list, backup_status, job_overview, notification_get, notification_list
from acquirer.services.notifications import notification_mark_read, notifications_mark_all_read
from acquirer.services.users import user_set_language
from acquirer.views.actions import ActionView


class LanguageSwitchView(PublicView):
    """Django's language switch; a signed-in user's choice is also saved for e-mails and next logins. Not an
    ``ActionView``: Django's ``set_language`` reads the POST and chooses where to go back to."""

    http_method_names = ["post"]

    def post(self, request):
        response = set_language(request)
        code = request.POST.get("language", "")
        if request.user.is_authenticated and code in dict(settings.LANGUAGES) and code != request.user.language:
            user_set_language(actor=request.user, language=code)
        return response


class HomeView(UserView):
    """Send each kind of user to its own area."""

    def get(self, request):
        user = request.user
        if is_staff_user(user):
            return redirect("ops:home")
        if is_auditor(user):
            return redirect("audit:home")
        if is_merchant_user(user):
            return redirect("portal:home")
        return redirect("notifications")


class NotificationListView(UserView, TemplateView):
    template_name = "acquirer/shared/notification_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        page = page_from_request(self.request, notification_list(actor=self.request.user), ("-created_at", "-id"),
                                 size=25)
        ctx.update(page=page, notifications=page.object_list, query=query_without_position(self.request))
        return ctx


class NotificationReadView(ActionView, UserView):
    """Mark one notification read and open what it is about (a page of ours only)."""

    def get_object(self, pk):
        return notification_get(actor=self.request.user, pk=pk)

    def perform(self, form, notification):
        notification_mark_read(actor=self.request.user, notification=notification)
        return ""

    def get_success_url(self, notification):
        if notification.url and notification.url.startswith("/"):
            return notification.url
        return reverse("notifications")


class NotificationReadAllView(ActionView, UserView):
    def perform(self, form, obj):
        notifications_mark_all_read(actor=self.request.user)
        return ""

    def get_success_url(self, obj):
        return reverse("notifications")


def _broker_ok() -> bool:
    from acquirer.celery import BROKER_CONNECT_TIMEOUT, app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=BROKER_CONNECT_TIMEOUT)
        return True
    except Exception:  # noqa: BLE001 - any broker failure means "not ok"
        return False


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:  # noqa: BLE001
        return False


def _may_see_details(request, *, database: bool) -> bool:
    """Signed-in staff (past the second factor when it is required), or a monitor presenting
    ACQUIRER_HEALTHZ_TOKEN as a bearer token (compared in constant time). Without a database only the
    token works (the session cannot be read)."""
    if database:
        user = request.user
        if is_staff_user(user) and (not mfa_required(user) or mfa_satisfied(request)):
            return True
    expected = settings.ACQUIRER_HEALTHZ_TOKEN
    scheme, _space, presented = request.headers.get("Authorization", "").partition(" ")
    return bool(expected) and scheme.lower() == "bearer" and hmac.compare_digest(
        presented.strip().encode(), expected.encode())


@method_decorator(never_cache, name="dispatch")
class HealthView(PublicView):
    """JSON for load balancers and monitoring.

    Everyone gets ``{"status": "ok" | "degraded" | "down"}``: down (HTTP 503) when the database does not
    answer; degraded (200: requests still work) when the broker or Redis is down, the outbox has a stale
    backlog, or backups are not green. Signed-in staff and monitors with the token also get the details:
    database, broker, cache, outbox backlog, last run of every job, backups.
    """

    def get(self, request):
        database = _database_ok()
        broker = _broker_ok()
        cache = cache_status()
        backlog = outbox_backlog() if database else None
        backups = backup_health() if database else {"status": "red"}
        if not database:
            status = "down"
        elif not broker or cache != "ok" or backlog["stale"] or backups["status"] != "green":
            status = "degraded"
        else:
            status = "ok"
        http_status = 503 if status == "down" else 200
        if not _may_see_details(request, database=database):
            return JsonResponse({"status": status}, status=http_status)
        jobs = {}
        if database:
            for job in job_overview(actor=_HealthReader()):
                last = job["last"]
                jobs[job["name"]] = {
                    "last_outcome": last.status if last else None,
                    "last_started": last.started_at.isoformat() if last else None,
                    "overdue": job["overdue"],
                }
        body = {"status": status, "time": timezone.now().isoformat(), "database": database, "broker": broker,
                "cache": cache, "outbox": backlog, "backups": backups, "jobs": jobs}
        return JsonResponse(body, status=http_status)


class _HealthReader:
    """The health check reads job runs like staff would, without being a user."""

    is_authenticated = True
    is_active = True
    kind = "staff"
    pk = None
    merchant_id = None


class BackupListMixin:
    """The backups and their health (the ops and audit lists show the same)."""

    context_object_name = "backups"
    paginate_by = 50

    def get_queryset(self):
        return backup_list(actor=self.request.user)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["health"] = backup_status(actor=self.request.user)
        return ctx
