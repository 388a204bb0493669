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
