"""The one door: who may see which rows (``scope``) and which URLs (gates).

Rows: staff and auditors see every row; a merchant user sees the rows of its own merchant (the
model's ``TENANT_FIELD`` path to a merchant id) and, of content shared with every merchant (help
articles, training sessions), the rows its ``SHARED_WITH_MERCHANTS`` lookups select; models with an
``OWNER_FIELD`` (notifications) are visible only to their owner, whatever the role; anyone else sees nothing.

URLs: every view declares a ``gate``. The base views below enforce them:

=============  ============================================================================
``public``     anyone (login, password reset, health check, language switch)
``user``       any signed-in, active user (notifications, own password and MFA)
``ops``        operations staff; ``permission_required`` narrows it to roles
``portal``     merchant users linked to a merchant
``audit``      auditors; GET and HEAD only
``superuser``  the Django admin
=============  ============================================================================
"""

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed
from django.views import View

PUBLIC, USER, OPS, PORTAL, AUDIT, SUPERUSER = "public", "user", "ops", "portal", "audit", "superuser"
GATES = {PUBLIC, USER, OPS, PORTAL, AUDIT, SUPERUSER}
READ_METHODS = ("get", "head")

# Third-party views (django-allauth) cannot carry our attribute: their gates are declared here by
# URL name. allauth's own views enforce sign-in where they say "user".
THIRD_PARTY_GATES = {
    "account_login": PUBLIC,
    "account_logout": PUBLIC,
    "account_signup": PUBLIC,
    "account_reset_password": PUBLIC,
    "account_reset_password_done": PUBLIC,
    "account_reset_password_from_key": PUBLIC,
    "account_reset_password_from_key_done": PUBLIC,
    "account_inactive": PUBLIC,
    "account_email_verification_sent": PUBLIC,
    "account_confirm_email": PUBLIC,
    "account_login_code_confirm": PUBLIC,
    "account_request_login_code": PUBLIC,
    "account_reset_password_code": PUBLIC,
    "account_confirm_login_code": PUBLIC,
    "account_email": USER,
    "account_change_password": USER,
    "account_set_password": USER,
    "account_reauthenticate": USER,
    "mfa_authenticate": PUBLIC,  # the second login step, before the user is signed in
    "mfa_reauthenticate": USER,
    "mfa_index": USER,
    "mfa_activate_totp": USER,
    "mfa_deactivate_totp": USER,
    "mfa_view_recovery_codes": USER,
    "mfa_generate_recovery_codes": USER,
    "mfa_download_recovery_codes": USER,
    "mfa_trust": PUBLIC,
}


def is_staff_user(user) -> bool:
    return user.is_authenticated and user.is_active and user.kind == "staff"


def is_auditor(user) -> bool:
    return user.is_authenticated and user.is_active and user.kind == "auditor"


def is_merchant_user(user) -> bool:
    return user.is_authenticated and user.is_active and user.kind == "merchant" and user.merchant_id is not None


def scope(queryset, actor):
    """The rows of ``queryset`` that ``actor`` may see. Every selector goes through here."""
    model = queryset.model
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return queryset.none()
    owner_field = getattr(model, "OWNER_FIELD", None)
    if owner_field:
        return queryset.filter(**{owner_field: actor.pk})
    if actor.kind in ("staff", "auditor"):
        return queryset
    if actor.kind == "merchant":
        tenant_field = getattr(model, "TENANT_FIELD", None)
        merchant_id = actor.merchant_id
        if tenant_field and merchant_id is not None:
            return queryset.filter(**{tenant_field: merchant_id})
        shared = getattr(model, "SHARED_WITH_MERCHANTS", None)
        if shared is not None and merchant_id is not None:
            return queryset.filter(**shared)
    return queryset.none()


def get_scoped(queryset, actor, **lookup):
    """One object the actor may see; another merchant's object is a 404, exactly like a missing one."""
    try:
        return scope(queryset, actor).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404 from None


def gate_allows(user, gate: str, permissions=()) -> bool:
    if gate == PUBLIC:
        return True
    if not (user.is_authenticated and user.is_active):
        return False
    if gate == USER:
        return True
    if gate == OPS:
        return is_staff_user(user) and user.has_perms(permissions)
    if gate == PORTAL:
        return is_merchant_user(user)
    if gate == AUDIT:
        return is_auditor(user)
    if gate == SUPERUSER:
        return user.is_superuser
    return False


class GatedView(View):
    """Base of every view of ours. Subclasses set ``gate`` (and maybe ``permission_required``)."""

    gate: str | None = None
    permission_required: tuple[str, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        if self.gate not in GATES:
            raise PermissionDenied("view has no declared gate")
        if self.gate == AUDIT and request.method.lower() not in READ_METHODS:
            return HttpResponseNotAllowed(["GET", "HEAD"])
        if self.gate != PUBLIC and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not gate_allows(request.user, self.gate, self.permission_required):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class PublicView(GatedView):
    gate = PUBLIC


class UserView(GatedView):
    gate = USER


class OpsView(GatedView):
    gate = OPS


class PortalView(GatedView):
    gate = PORTAL


class AuditorView(GatedView):
    gate = AUDIT
    http_method_names = ["get", "head"]


def gate_of(pattern_name: str | None, namespace: str | None, callback) -> str | None:
    """The declared gate of a resolved URL pattern, or None when it has none."""
    if namespace == "admin" or (namespace or "").startswith("admin:"):
        return SUPERUSER
    view_class = getattr(callback, "view_class", None)
    gate = getattr(view_class, "gate", None) or getattr(callback, "gate", None)
    if gate in GATES:
        return gate
    return THIRD_PARTY_GATES.get(pattern_name or "")


def public(view):
    """Mark a function view as public (health check and the like)."""
    view.gate = PUBLIC
    return view
