"""Retention: may a record be deleted now? The apps that own records declare their types
(``acquirer.registry.RecordType``); the apps that keep rules about deletion declare guards
(``Plugin.deletion_guards``: ``(record_type, obj) -> refusal or None``). This module only asks them; it never
imports a domain app.

A refused deletion is audited (``record.deletion_refused``), and that event must survive the refusal: the caller's
transaction is usually rolled back when the ``DomainError`` propagates. Our choice: **check first, then open the
transaction.** :func:`require_deletable` writes the refusal in a transaction of its own (``transaction.atomic``),
so it must be called *before* the caller opens the transaction that deletes (a service that deletes is therefore
not decorated with ``@transaction.atomic``; it calls :func:`require_deletable`, then opens its own block, asks
:func:`deletion_refusal` again under its locks and, if a hold appeared meanwhile, leaves the block untouched and
calls :func:`require_deletable` once more to record the refusal). ``transaction.on_commit`` would lose the event
with the rollback; a second database connection would escape the test's transaction and the audit chain lock.
"""

from django.apps import apps
from django.db import transaction
from django.utils.translation import gettext as _

from acquirer import audit
from acquirer.exceptions import DomainError
from acquirer.registry import RecordType, registry


def record_type_get(key: str) -> RecordType:
    found = registry().record_types.get(key)
    if found is None:
        raise DomainError(_("Unknown record type."))
    return found


def record_get(record_type: RecordType, record_id: str):
    """The record of ``record_type`` that ``record_id`` names (its ``lookup``, else the primary key), or None."""
    record_id = (record_id or "").strip()
    if not record_id:
        return None
    if record_type.lookup is not None:
        return record_type.lookup(record_id)
    model = apps.get_model(record_type.model)
    try:
        return model._default_manager.filter(pk=record_id).first()
    except (ValueError, TypeError):
        return None


def deletion_refusal(record_type: str, obj) -> str | None:
    """Why ``obj`` (of the registered type ``record_type``) may not be deleted now, or None: the first refusal of
    any registered guard."""
    for guard in registry().deletion_guards():
        refusal = guard(record_type, obj)
        if refusal:
            return str(refusal)
    return None


def require_deletable(*, actor, record_type: str, obj) -> None:
    """Raise ``DomainError`` with the refusal when ``obj`` may not be deleted, after recording the refusal in the
    audit trail in a transaction of its own. Call it before opening the transaction that deletes (see above)."""
    refusal = deletion_refusal(record_type, obj)
    if refusal is None:
        return
    found = registry().record_types.get(record_type)
    merchant_id = found.merchant_id(obj) if found is not None else None
    with transaction.atomic():
        audit.record("record.deletion_refused", actor=actor, target=obj, merchant_id=merchant_id,
                     data={"record_type": record_type, "reason": refusal})
    raise DomainError(refusal)
