"""Writes about users: login outcomes, lockout, sessions, disabling and enabling accounts."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from acquirer import audit
from acquirer.batches import in_batches
from acquirer.exceptions import DomainError, NotPermitted
from acquirer.models import LoginLockout, Session, User


def _normalise(username: str) -> str:
    return (username or "").strip().lower()[:150]


def login_is_locked(*, username: str) -> bool:
    lock = LoginLockout.objects.filter(username=_normalise(username)).first()
    return bool(lock and lock.is_locked())


@transaction.atomic
def login_failed(*, username: str) -> LoginLockout:
    """Count a failed login for a name (known or not); lock it after the limit. Audited."""
    name = _normalise(username)
    now = timezone.now()
    window = timedelta(minutes=settings.ACQUIRER_LOCKOUT_MINUTES)
    lock, _created = LoginLockout.objects.select_for_update().get_or_create(username=name)
    if lock.last_failure_at is None or now - lock.last_failure_at > window:
        lock.failures = 0
    lock.failures += 1
    lock.last_failure_at = now
    user = User.objects.filter(username__iexact=name).first()
    locked_now = lock.failures >= settings.ACQUIRER_LOCKOUT_ATTEMPTS
    if locked_now:
        lock.locked_until = now + window
        lock.failures = 0
    lock.save()
    audit.record("user.login_failed", target=user, actor_label=name, data={"username": name})
    if locked_now:
        audit.record("user.locked", target=user, actor_label=name,
                     data={"username": name, "locked_until": lock.locked_until})
    return lock


@transaction.atomic
def login_succeeded(*, user: User) -> None:
    LoginLockout.objects.filter(username=_normalise(user.get_username())).delete()
    audit.record("user.login", actor=user, target=user)


@transaction.atomic
def logged_out(*, user: User) -> None:
    audit.record("user.logout", actor=user, target=user)


@transaction.atomic
def session_expired(*, user: User, reason: str) -> None:
    audit.record("user.session_expired", actor=user, target=user, data={"reason": reason})


@transaction.atomic
def security_event(*, user: User, action: str, data: dict | None = None) -> None:
    """Password and MFA changes reported by allauth."""
    audit.record(action, actor=user, target=user, data=data)


def _end_sessions(user: User) -> int:
    deleted, _detail = Session.objects.filter(user=user).delete()
    return deleted


@transaction.atomic
def user_disable(*, actor: User | None, user: User, reason: str) -> User:
    if actor is not None and actor.pk == user.pk:
        raise NotPermitted(_("You cannot disable your own account."))
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        raise DomainError(_("This account is already disabled."))
    user.is_active = False
    user.disabled_reason = reason[:200]
    user.save(update_fields=["is_active", "disabled_reason"])
    ended = _end_sessions(user)
    audit.record("user.disabled", actor=actor, target=user, before={"is_active": True},
                 after={"is_active": False}, data={"reason": reason, "sessions_ended": ended})
    return user


@transaction.atomic
def user_revoke_access(*, actor: User | None, user: User, reason: str) -> User:
    """Take an account's access away at once (an access review's revocation, PCI DSS 7.2.4): a staff account loses
    every role (group); an auditor, who holds no role, is disabled. Its sessions end either way. Audited."""
    if actor is not None and actor.pk == user.pk:
        raise NotPermitted(_("You cannot revoke your own access."))
    user = User.objects.select_for_update().get(pk=user.pk)
    roles_before = sorted(user.groups.values_list("name", flat=True))
    before = {"roles": roles_before, "is_active": user.is_active}
    user.groups.clear()
    if user.kind == User.Kind.AUDITOR and user.is_active:
        user.is_active = False
        user.disabled_reason = reason[:200]
        user.save(update_fields=["is_active", "disabled_reason"])
    ended = _end_sessions(user)
    audit.record("user.access_revoked", actor=actor, target=user, before=before,
                 after={"roles": [], "is_active": user.is_active}, data={"reason": reason, "sessions_ended": ended})
    return user


@transaction.atomic
def user_enable(*, actor: User, user: User, reason: str) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active:
        raise DomainError(_("This account is already active."))
    user.is_active = True
    user.disabled_reason = ""
    # Re-enabled accounts start a fresh inactivity period.
    user.last_login = timezone.now()
    user.save(update_fields=["is_active", "disabled_reason", "last_login"])
    audit.record("user.enabled", actor=actor, target=user, before={"is_active": False},
                 after={"is_active": True}, data={"reason": reason})
    return user


@transaction.atomic
def user_unlock(*, actor: User, user: User) -> None:
    deleted, _detail = LoginLockout.objects.filter(username=_normalise(user.get_username())).delete()
    if not deleted:
        raise DomainError(_("This account is not locked."))
    audit.record("user.unlocked", actor=actor, target=user)


def users_disable_inactive(*, now=None) -> dict:
    """Disable accounts not used for ``ACQUIRER_INACTIVE_DAYS`` (PCI DSS 8.2.6). Safe to run twice, and a run that
    stopped half way is finished by the next."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.ACQUIRER_INACTIVE_DAYS)
    candidates = User.objects.filter(is_active=True, is_superuser=False).filter(
        last_login__lt=cutoff
    ) | User.objects.filter(is_active=True, is_superuser=False, last_login__isnull=True, date_joined__lt=cutoff)
    disabled = 0
    # in batches by id, each its own transaction: however many accounts lapse, no transaction stays open long
    for batch in in_batches(candidates):
        with transaction.atomic():
            for user in batch:
                try:
                    user_disable(actor=None, user=user,
                                 reason=f"inactive for {settings.ACQUIRER_INACTIVE_DAYS} days")
                except DomainError:  # disabled meanwhile by someone else
                    continue
                disabled += 1
    return {"disabled": disabled}


@transaction.atomic
def user_set_language(*, actor: User, language: str) -> User:
    if language not in dict(settings.LANGUAGES):
        raise DomainError(_("Unknown language."))
    before = actor.language
    User.objects.filter(pk=actor.pk).update(language=language)
    actor.language = language
    audit.record("user.language_changed", actor=actor, target=actor, before={"language": before},
                 after={"language": language})
    return actor
