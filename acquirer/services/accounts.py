"""Creating accounts (used by seed_demo and, later, by onboarding)."""

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from acquirer import audit
from acquirer.models import User


@transaction.atomic
def user_create(*, actor: User | None, username: str, password: str, kind: str, email: str = "",
                roles: list[str] | None = None, language: str = "zh-hans", first_name: str = "",
                last_name: str = "") -> User:
    user = User(username=username, email=email, kind=kind, language=language, first_name=first_name,
                last_name=last_name)
    validate_password(password, user)
    user.set_password(password)
    user.save()
    if roles:
        user.groups.set(Group.objects.filter(name__in=roles))
    audit.record("user.created", actor=actor, target=user,
                 after={"username": username, "kind": kind, "roles": sorted(roles or [])})
    return user


@transaction.atomic
def user_set_password(*, actor: User | None, user: User, password: str) -> User:
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record("user.password_set", actor=actor, target=user)
    return user


def ensure_demo_user(*, username: str, password: str, force_password: bool, **fields) -> tuple[User, bool]:
    """The demo user ``username``: created if missing; its password reset only when asked."""
    user = User.objects.filter(username=username).first()
    if user is None:
        return user_create(actor=None, username=username, password=password, **fields), True
    if force_password and not user.check_password(password):
        user_set_password(actor=None, user=user, password=password)
    return user, False
