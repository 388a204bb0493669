"""The Django admin: superusers only, through our login (so lockout and MFA apply), and read-only.

Every model admin registered on this site — ours and the third-party ones (auth groups, allauth e-mail
addresses, MFA authenticators, …) — is made view-only when it is registered (:func:`read_only`), and the
site refuses every request but GET and HEAD with a 403 before any admin view runs. Changes go through the
audited pages and services (users and roles under ``/ops/users/``, e-mail addresses through allauth's
verification). Secrets are never shown: encrypted fields appear masked (their ``<field>_masked`` column),
the clear value stays behind the audited reveal of the ops pages; MFA secrets are hidden.
"""

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from acquirer.access import SUPERUSER

SAFE_METHODS = ("GET", "HEAD")
# Third-party fields that hold secrets in clear (model label -> field names): shown as hidden.
HIDDEN_FIELDS = {"mfa.authenticator": ("data",)}
HIDDEN = "••••••"


def _secret_fields(model) -> dict[str, str]:
    """Field name -> the name of its masked companion column ("" when it has none)."""
    from acquirer.fields import EncryptedTextField

    names = {}
    for model_field in model._meta.concrete_fields:
        if isinstance(model_field, EncryptedTextField):
            masked = f"{model_field.name}_masked"
            names[model_field.name] = masked if hasattr(model, masked) else ""
            if hasattr(model, f"{model_field.name}_hash"):  # the keyed hash: no use to a reader, kept out
                names[f"{model_field.name}_hash"] = ""
    for name in HIDDEN_FIELDS.get(model._meta.label_lower, ()):
        names[name] = ""
    return names


def _masked_display(model_field, masked: str):
    def display(obj):
        return (getattr(obj, masked, "") or "—") if masked else HIDDEN

    display.short_description = model_field.verbose_name
    return display


class ReadOnlyAdminMixin:
    """View-only: no add, change or delete, no bulk actions; secret fields shown masked."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._secrets = _secret_fields(self.model)
        for name, masked in self._secrets.items():
            setattr(self, f"masked_{name}", _masked_display(self.model._meta.get_field(name), masked))

    def _mask(self, names):
        masked = [f"masked_{name}" if isinstance(name, str) and name in self._secrets else name for name in names]
        return list(dict.fromkeys(masked))  # once each, in order

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        return {}

    def get_exclude(self, request, obj=None):
        return [*(super().get_exclude(request, obj) or ()), *self._secrets]

    def get_fields(self, request, obj=None):
        return self._mask(super().get_fields(request, obj))

    def get_fieldsets(self, request, obj=None):
        return [(name, {**options, "fields": self._mask(options.get("fields", ()))})
                for name, options in super().get_fieldsets(request, obj)]

    def get_readonly_fields(self, request, obj=None):
        return [*self._mask(super().get_readonly_fields(request, obj)), *(f"masked_{n}" for n in self._secrets)]

    def get_list_display(self, request):
        return self._mask(super().get_list_display(request))

    def get_inlines(self, request, obj):
        return [read_only(inline) for inline in super().get_inlines(request, obj)]


def read_only(admin_class):
    """``admin_class`` made view-only (itself when it already is)."""
    if issubclass(admin_class, ReadOnlyAdminMixin):
        return admin_class
    return type(admin_class.__name__, (ReadOnlyAdminMixin, admin_class), {"__module__": admin_class.__module__})


class AcquirerAdminSite(admin.AdminSite):
    site_header = _("Acquirer Back Office administration")
    site_title = _("Acquirer Back Office")
    gate = SUPERUSER

    def register(self, model_or_iterable, admin_class=None, **options):
        # Every registration, third-party ones included, is view-only.
        super().register(model_or_iterable, read_only(admin_class or admin.ModelAdmin), **options)

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
            if request.method not in SAFE_METHODS:
                raise PermissionDenied("the admin is read-only")
            return inner(request, *args, **kwargs)

        gated.gate = SUPERUSER
        for attr in ("csrf_exempt", "login_url"):
            if hasattr(inner, attr):
                setattr(gated, attr, getattr(inner, attr))
        return gated
