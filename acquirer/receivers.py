"""Framework hooks (Django auth, allauth) that report security events to the audit trail.

They only forward to services; no business rule lives here.
"""

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from django.contrib.auth import signals as auth_signals
from django.dispatch import receiver

from acquirer.middleware import stamp_login
from acquirer.services import users as user_services


@receiver(auth_signals.user_logged_in)
def on_logged_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        stamp_login(request)
    user_services.login_succeeded(user=user)


@receiver(auth_signals.user_logged_out)
def on_logged_out(sender, request, user, **kwargs):
    if user is not None:
        user_services.logged_out(user=user)


@receiver(account_signals.password_changed)
def on_password_changed(sender, request, user, **kwargs):
    user_services.security_event(user=user, action="user.password_changed")


@receiver(account_signals.password_set)
def on_password_set(sender, request, user, **kwargs):
    user_services.security_event(user=user, action="user.password_set")


@receiver(account_signals.password_reset)
def on_password_reset(sender, request, user, **kwargs):
    user_services.security_event(user=user, action="user.password_reset")


@receiver(mfa_signals.authenticator_added)
def on_mfa_added(sender, request, user, authenticator, **kwargs):
    user_services.security_event(user=user, action="user.mfa_added", data={"type": authenticator.type})


@receiver(mfa_signals.authenticator_removed)
def on_mfa_removed(sender, request, user, authenticator, **kwargs):
    user_services.security_event(user=user, action="user.mfa_removed", data={"type": authenticator.type})


@receiver(mfa_signals.authenticator_reset)
def on_mfa_reset(sender, request, user, authenticator, **kwargs):
    user_services.security_event(user=user, action="user.mfa_reset", data={"type": authenticator.type})


@receiver(mfa_signals.authentication_failed)
def on_mfa_failed(sender, request, user, authenticator, reauthentication=False, **kwargs):
    user_services.security_event(user=user, action="user.mfa_failed",
                                 data={"type": authenticator.type, "reauthentication": reauthentication})


# --- e-mail addresses (allauth's /accounts/email/ and its confirmation link) -------------------------

def _email_event(user, action, email_address, **data):
    from acquirer.services import emails

    if user is not None and email_address is not None:
        emails.email_event(user=user, action=action, email=email_address.email, data=data or None)


@receiver(account_signals.email_added)
def on_email_added(sender, request, user, email_address, **kwargs):
    _email_event(user, "user.email_added", email_address, verified=email_address.verified)


@receiver(account_signals.email_confirmed)
def on_email_confirmed(sender, request, email_address, **kwargs):
    _email_event(email_address.user, "user.email_confirmed", email_address)


@receiver(account_signals.email_removed)
def on_email_removed(sender, request, user, email_address, **kwargs):
    _email_event(user, "user.email_removed", email_address)


@receiver(account_signals.email_changed)
def on_email_primary_changed(sender, request, user, from_email_address, to_email_address, **kwargs):
    _email_event(user, "user.email_primary_changed", to_email_address,
                 previous=from_email_address.email.lower() if from_email_address else "")
