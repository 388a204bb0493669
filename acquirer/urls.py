"""Root URLs. Areas: /ops/ (staff), /portal/ (merchants), /audit/ (auditors, read-only),
/accounts/ (login, password, MFA), /admin/ (superusers), /healthz. Every view declares its gate
(see ``acquirer.access``); tests/test_gates.py fails on a URL without one. Each area holds the core's own
paths plus what every app's ``plugin.py`` declares for it (``acquirer.registry``)."""

from django.contrib import admin
from django.urls import include, path

from acquirer.registry import registry
from acquirer.views import audit as audit_views
from acquirer.views import common, ops

ops_patterns = [
    path("", ops.OpsHomeView.as_view(), name="home"),
    path("jobs/", ops.JobListView.as_view(), name="job-list"),
    path("jobs/<str:job>/run/", ops.JobRunNowView.as_view(), name="job-run"),
    path("calendar/", include("acquirer.views.calendar")),
    path("backups/", ops.BackupListView.as_view(), name="backup-list"),
    path("users/", ops.UserListView.as_view(), name="user-list"),
    path("users/<int:pk>/", ops.UserDetailView.as_view(), name="user-detail"),
    path("users/<int:pk>/disable/", ops.UserDisableView.as_view(), name="user-disable"),
    path("users/<int:pk>/enable/", ops.UserEnableView.as_view(), name="user-enable"),
    path("users/<int:pk>/unlock/", ops.UserUnlockView.as_view(), name="user-unlock"),
    *registry().urls("ops"),
]

audit_patterns = [
    path("", audit_views.AuditHomeView.as_view(), name="home"),
    path("events/", audit_views.AuditEventListView.as_view(), name="event-list"),
    path("events/export.csv", audit_views.AuditEventExportView.as_view(), name="event-export"),
    path("jobs/", audit_views.AuditJobListView.as_view(), name="job-list"),
    path("backups/", audit_views.AuditBackupListView.as_view(), name="backup-list"),
    path("help/", audit_views.AuditHelpView.as_view(), name="help"),
    path("help/export-signing-public.pem", audit_views.AuditExportPublicKeyView.as_view(),
         name="export-public-key"),
    *registry().urls("audit"),
]

portal_patterns = [*registry().urls("portal")]

urlpatterns = [
    path("", common.HomeView.as_view(), name="home"),
    path("healthz", common.HealthView.as_view(), name="healthz"),
    path("notifications/", common.NotificationListView.as_view(), name="notifications"),
    path("notifications/<int:pk>/read/", common.NotificationReadView.as_view(), name="notification-read"),
    path("notifications/read-all/", common.NotificationReadAllView.as_view(), name="notification-read-all"),
    path("downloads/", include("acquirer.views.exports")),
    path("i18n/setlang/", common.LanguageSwitchView.as_view(), name="set_language"),
    path("ops/", include((ops_patterns, "ops"))),
    path("portal/", include((portal_patterns, "portal"))),
    path("audit/", include((audit_patterns, "audit"))),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "acquirer.views.errors.permission_denied"
handler404 = "acquirer.views.errors.page_not_found"
handler500 = "acquirer.views.errors.server_error"
