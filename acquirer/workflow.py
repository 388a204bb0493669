"""The one transition helper: allowed moves are data (``<app>/workflow.py``), ``advance`` enforces them.

Callers lock the row first (``select_for_update``) and check that the actor may make the move;
``advance`` checks the move is allowed from the current status, moves, stamps
``status_changed_at``, saves and records the audit event, all in the caller's transaction.
"""

from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from acquirer import audit
from acquirer.exceptions import TransitionNotAllowed


def allowed_moves(obj, moves: Mapping) -> set:
    return set(moves.get(obj.status, ()))


def advance(obj, *, to, moves: Mapping, actor, action: str, data: dict | None = None,
            extra_fields: tuple[str, ...] = ()):
    """Move ``obj.status`` to ``to`` if ``moves`` allows it; audit ``action``. Returns ``obj``."""
    current = obj.status
    if to not in moves.get(current, ()):
        raise TransitionNotAllowed(
            _("Cannot change %(object)s from “%(current)s” to “%(target)s”.")
            % {"object": obj._meta.verbose_name, "current": _label(obj, current), "target": _label(obj, to)}
        )
    with transaction.atomic():
        obj.status = to
        obj.status_changed_at = timezone.now()
        obj.save(update_fields=["status", "status_changed_at", *extra_fields])
        audit.record(action, actor=actor, target=obj, before={"status": str(current)},
                     after={"status": str(to)}, data=data)
    return obj


def _label(obj, value) -> str:
    field = obj._meta.get_field("status")
    return str(dict(field.flatchoices).get(value, value))
