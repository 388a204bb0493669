"""django-allauth adapters: lockout per login name, audited failures, no self sign-up yet, clearer MFA errors."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from acquirer.services import users as user_services


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        # Self sign-up is for prospective merchants only; staff and auditor accounts are created by ops.
        return settings.ACQUIRER_MERCHANT_SIGNUP

    def save_user(self, request, user, form, commit=True):
        from django.utils.translation import get_language

        user.kind = "merchant"
        user.language = "en" if (get_language() or "").startswith("en") else "zh-hans"
        return super().save_user(request, user, form, commit=commit)

    def get_signup_redirect_url(self, request):
        return "/portal/application/"

    def pre_authenticate(self, request, **credentials):
        super().pre_authenticate(request, **credentials)  # per-IP throttle (cache based)
        username = credentials.get("username") or credentials.get("email") or ""
        if user_services.login_is_locked(username=username):
            # Same message for a locked real account and a locked unknown name; no hash is computed.
            raise self.validation_error("too_many_login_attempts")

    def authentication_failed(self, request, **credentials):
        user_services.login_failed(username=credentials.get("username") or credentials.get("email") or "")

    def get_login_redirect_url(self, request):
        return settings.LOGIN_REDIRECT_URL and super().get_login_redirect_url(request)


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "incorrect_code": _("The code is not correct. Check that your phone's clock is right and try again."),
    }
