"""The Django admin: superusers only, through our login (so lockout and MFA apply)."""

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from acquirer.access import SUPERUSER


class AcquirerAdminSite(admin.AdminSite):
    site_header = _("Acquirer Back Office administration")
    site_title = _("Acquirer Back Office")
    gate = SUPERUSER

    def has_permission(self, request):
        from acquirer.middleware import mfa_required, mfa_satisfied

        user = request.user
        if not (user.is_active and user.is_superuser):
            return False
        return not mfa_required(user) or mfa_satisfied(request)

    def login(self, request, extra_context=None):
        # Never the admin's own password form: it would bypass lockout and the second factor.
        if request.user.is_authenticated:
            raise PermissionDenied
        return redirect_to_login(request.GET.get("next") or request.get_full_path())

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def gated(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not self.has_permission(request):
                raise PermissionDenied
            return inner(request, *args, **kwargs)

        gated.gate = SUPERUSER
        for attr in ("csrf_exempt", "login_url"):
            if hasattr(inner, attr):
                setattr(gated, attr, getattr(inner, attr))
        return gated
