"""One policy for who may do what: actions are data, one helper checks them.

An app declares its actions in its ``policy.py`` as :class:`Action` values: the permission they need, the
kinds of user who may take them, the statuses they start from, the status they lead to, an extra rule and
the words people read (button label, what the move is called). Services guard each move with
:func:`require` (raising the domain error a person reads), and views and templates ask
:func:`available_actions` for the buttons to show — the same question, so the buttons a person sees and
what the service allows cannot drift apart. Services that are not status moves use
:func:`require_permission`.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.utils.text import capfirst
from django.utils.translation import gettext as _

from acquirer.exceptions import DomainError, NotPermitted, TransitionNotAllowed


@dataclass(frozen=True)
class Action:
    name: str
    permission: str = ""  # "app.codename"; empty: any signed-in user of an allowed kind
    kinds: frozenset = frozenset({"staff"})
    from_statuses: frozenset = frozenset()  # empty: any status
    to_status: str = ""
    label: object = ""  # the button
    what: object = ""  # the move in words, for refusals ("a site survey")
    audit_action: str = ""
    rule: Callable | None = field(default=None, compare=False)  # (actor, obj) -> refusal text or None


def permitted(actor, action: Action) -> bool:
    """The actor's account and role allow ``action`` (status and rules aside)."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    if actor.kind not in action.kinds:
        return False
    return not action.permission or actor.has_perm(action.permission)


def _status_refusal(action: Action, obj) -> str | None:
    if not action.from_statuses or obj is None or getattr(obj, "status", None) in action.from_statuses:
        return None
    field_ = obj._meta.get_field("status")
    labels = dict(field_.flatchoices)
    allowed = ", ".join(sorted(str(labels.get(status, status)) for status in action.from_statuses))
    return (_("%(object)s is “%(status)s”: %(what)s is possible only when it is %(allowed)s.")
            % {"object": capfirst(f"{obj._meta.verbose_name} {obj}".strip()), "status": obj.get_status_display(),
               "what": action.what or action.label or action.name, "allowed": allowed})


def require(actor, action: Action, obj=None) -> None:
    """Raise :class:`NotPermitted`, :class:`TransitionNotAllowed` or :class:`DomainError` unless ``actor``
    may take ``action`` on ``obj`` now."""
    if not permitted(actor, action):
        raise NotPermitted(_("Your role does not allow this action."))
    refusal = _status_refusal(action, obj)
    if refusal:
        raise TransitionNotAllowed(refusal)
    if action.rule is not None and obj is not None:
        refusal = action.rule(actor, obj)
        if refusal:
            raise DomainError(refusal)


def require_status(action: Action, obj) -> None:
    """Only the status part of :func:`require` (for a move the system makes, or after the row was locked)."""
    refusal = _status_refusal(action, obj)
    if refusal:
        raise TransitionNotAllowed(refusal)


def allows(actor, action: Action, obj=None) -> bool:
    try:
        require(actor, action, obj)
    except DomainError:
        return False
    return True


def available_actions(actor, obj, actions: Iterable[Action]) -> dict[str, Action]:
    """The actions ``actor`` may take on ``obj`` now, by name (what the page renders as buttons)."""
    return {action.name: action for action in actions if allows(actor, action, obj)}


def require_permission(actor, permission: str, *, kinds: Iterable[str] = ("staff",)) -> None:
    """The guard of a service that is not a status move: an active user of an allowed kind with ``permission``."""
    require(actor, Action(name=permission, permission=permission, kinds=frozenset(kinds)))
