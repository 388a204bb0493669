"""E-mail addresses of accounts: which address may receive a password reset, and the audit trail of
addresses added, confirmed, removed and made primary (reported by allauth, see ``acquirer.receivers``).

An address is *verified* for an account when allauth recorded it as confirmed (the owner opened the link
mailed to it), or — for staff and auditor accounts only — when it is the address operations gave the
account when creating it (audited ``user.created``) and it was never replaced through ``/accounts/email/``
(allauth keeps a copy of that address as an unconfirmed record, so the record alone cannot tell). An
address added through ``/accounts/email/`` stays unverified until confirmed, a merchant's address counts
once confirmed (sign-up link or "re-send verification"), and a password reset link is only ever mailed to
a verified address.
"""

from django.db import transaction

from acquirer import audit
from acquirer.models import User

EMAIL_ACTIONS = ("user.email_added", "user.email_confirmed", "user.email_removed", "user.email_primary_changed")


def email_is_verified(*, user: User, email: str) -> bool:
    from allauth.account.models import EmailAddress

    email = (email or "").strip().lower()
    if not email:
        return False
    if EmailAddress.objects.filter(user_id=user.pk, email__iexact=email, verified=True).exists():
        return True
    if user.kind == User.Kind.MERCHANT or (user.email or "").strip().lower() != email:
        return False
    return not _primary_changed(user)


def _primary_changed(user: User) -> bool:
    """Whether the account's own address was ever replaced through the e-mail page (from the audit trail)."""
    from acquirer.models import AuditEvent

    return AuditEvent.objects.filter(action="user.email_primary_changed", target_type=user._meta.label_lower,
                                     target_id=str(user.pk)).exists()


@transaction.atomic
def email_event(*, user: User, action: str, email: str, actor: User | None = None, data: dict | None = None) -> None:
    """Record a change to the account's addresses (``actor`` is the account itself unless said)."""
    if action not in EMAIL_ACTIONS:
        raise ValueError(f"unknown e-mail action {action}")
    audit.record(action, actor=actor if actor is not None else user, target=user,
                 data={"email": (email or "").lower(), **(data or {})})


@transaction.atomic
def password_reset_withheld(*, user: User, email: str) -> None:
    """A reset was asked for an address that is not verified for the account: nothing is mailed, the
    page says the same as for any address (no enumeration), and the attempt is audited."""
    audit.record("user.password_reset_withheld", target=user, data={"email": (email or "").lower()})
