"""Views every signed-in user shares: home redirect, notifications; and the public health check."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import ListView
from django.views.i18n import set_language

from acquirer.access import PublicView, UserView, is_auditor, is_merchant_user, is_staff_user
from acquirer.backups.services import backup_health
from acquirer.selectors import job_overview, notification_get, notification_list
from acquirer.services.notifications import notification_mark_read, notifications_mark_all_read
from acquirer.services.users import user_set_language


class LanguageSwitchView(PublicView):
    """Django's language switch; a signed-in user's choice is also saved for e-mails and next logins."""

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


class NotificationListView(UserView, ListView):
    template_name = "acquirer/notification_list.html"
    paginate_by = 25
    context_object_name = "notifications"

    def get_queryset(self):
        return notification_list(actor=self.request.user)


class NotificationReadView(UserView):
    http_method_names = ["post"]

    def post(self, request, pk):
        notification = notification_get(actor=request.user, pk=pk)
        notification_mark_read(actor=request.user, notification=notification)
        if notification.url and notification.url.startswith("/"):
            return redirect(notification.url)
        return redirect("notifications")


class NotificationReadAllView(UserView):
    http_method_names = ["post"]

    def post(self, request):
        notifications_mark_all_read(actor=request.user)
        return redirect("notifications")


def _broker_ok() -> bool:
    from acquirer.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:  # noqa: BLE001 - any broker failure means "not ok"
        return False


class HealthView(PublicView):
    """JSON for load balancers and monitoring: database, broker, scheduled jobs. No details leak."""

    def get(self, request):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            database = True
        except Exception:  # noqa: BLE001
            database = False
        jobs = {}
        if database:
            for job in job_overview(actor=_HealthReader()):
                last = job["last"]
                jobs[job["name"]] = {
                    "last_outcome": last.status if last else None,
                    "last_started": last.started_at.isoformat() if last else None,
                    "overdue": job["overdue"],
                }
        broker = _broker_ok()
        backups = backup_health() if database else {"status": "red"}
        healthy = database and broker
        status = "ok" if healthy and backups["status"] == "green" else "degraded"
        body = {"status": status, "time": timezone.now().isoformat(),
                "database": database, "broker": broker, "backups": backups, "jobs": jobs}
        return JsonResponse(body, status=200 if healthy else 503)


class _HealthReader:
    """The health check reads job runs like staff would, without being a user."""

    is_authenticated = True
    is_active = True
    kind = "staff"
    pk = None
    merchant_id = None
