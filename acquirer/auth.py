"""django-allauth adapters: lockout per login name, audited failures, merchant self sign-up (e-mail as login
name, confirmed before use, no account enumeration), clearer MFA errors."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.app_settings import EmailVerificationMethod
from allauth.account.stages import EmailVerificationStage
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

    def populate_username(self, request, user):
        # Self sign-up asks no username: the login name is the e-mail address (no taken names to reveal).
        from allauth.account.utils import user_email, user_username

        if not user_username(user):
            user_username(user, (user_email(user) or "").lower())

    def get_login_stages(self):
        # allauth's e-mail verification step, made mandatory for self sign-up (SelfSignupEmailVerificationStage).
        allauth_stage = f"{EmailVerificationStage.__module__}.{EmailVerificationStage.__name__}"
        return [SelfSignupEmailVerificationStage.PATH if path == allauth_stage else path
                for path in super().get_login_stages()]

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

    def send_password_reset_mail(self, user, email, context):
        # A reset link goes only to a VERIFIED address of the account; for any other the page still says
        # "sent" (enumeration prevention), nothing is mailed, and the attempt is audited.
        from acquirer.services import emails

        if not emails.email_is_verified(user=user, email=email):
            emails.password_reset_withheld(user=user, email=email)
            return None
        return super().send_password_reset_mail(user, email, context)


def unconfirmed_self_signup(user) -> bool:
    """A merchant account whose own address is still waiting for its confirmation link (a self sign-up)."""
    from allauth.account.models import EmailAddress

    if user is None or user.kind != "merchant":
        return False
    records = EmailAddress.objects.filter(user_id=user.pk)
    return records.exists() and not records.filter(verified=True).exists()


class SelfSignupEmailVerificationStage(EmailVerificationStage):
    """A self sign-up is usable only once the mailed link is opened (``ACCOUNT_EMAIL_VERIFICATION`` stays
    "optional" for everyone else). So a fresh sign-up answers "verify your e-mail address", exactly like a
    sign-up with a taken address (allauth's enumeration prevention mails that address's owner instead), and
    an unconfirmed self-signed-up account cannot sign in with its password alone."""

    PATH = "acquirer.auth.SelfSignupEmailVerificationStage"

    def handle(self):
        if self.login.signup or unconfirmed_self_signup(self.login.user):
            self.login.email_verification = EmailVerificationMethod.MANDATORY
        return super().handle()


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "incorrect_code": _("The code is not correct. Check that your phone's clock is right and try again."),
    }
