"""The audit trail: one append-only, keyed hash chain in the ``AuditEvent`` table, anchored outside it.

Services call :func:`record` inside their transaction. Rows are chained: each row's ``hash`` is the
HMAC-SHA-256, under a key from ``ACQUIRER_AUDIT_KEYS`` that the database never holds, of its canonical
content plus the previous row's hash, written under a transaction-level advisory lock so concurrent
writers cannot fork the chain. PostgreSQL refuses UPDATE, DELETE and TRUNCATE on the table (triggers from
migrations 0002 and 0007). Someone who gets past the triggers (a database superuser) still cannot
rewrite a row and recompute the chain without the key, and cannot remove rows from the end or the whole
table unnoticed: every verification writes a signed **checkpoint** (last id, count, head hash, time)
outside the database (``ACQUIRER_AUDIT_CHECKPOINT_DIR``), every backup manifest carries one, and
:func:`verify_chain` fails when the chain does not pass through the latest checkpoint.

Key rotation: put a new ``id:key`` first in ``ACQUIRER_AUDIT_KEYS`` and keep the old ones after it;
each event records the id of the key that chained it, so old events still verify (docs/security.md).
"""

import contextvars
import hashlib
import hmac
import ipaddress
import json
import os
import re
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone
from phonenumber_field.phonenumber import PhoneNumber
from psycopg.types.json import Jsonb

GENESIS = "0" * 64
_ADVISORY_LOCK_KEY = 0x41554449  # "AUDI"


@dataclass(frozen=True)
class Origin:
    ip: str | None = None
    source: str = ""


SYSTEM = Origin(source="system")
_origin: contextvars.ContextVar[Origin] = contextvars.ContextVar("audit_origin", default=SYSTEM)


def set_origin(origin: Origin):
    """Set where the current work comes from (a request's IP, a Celery task, a command)."""
    return _origin.set(origin)


def reset_origin(token) -> None:
    _origin.reset(token)


def current_origin() -> Origin:
    return _origin.get()


class _AuditEncoder(DjangoJSONEncoder):
    """Also writes phone numbers (and other value objects with a canonical text form) as text."""

    def default(self, o):
        if isinstance(o, PhoneNumber):
            return o.as_e164
        return super().default(o)


_NOT_NATIVE = object()


def _native_copy(value):
    """A copy of ``value`` when it is JSON as it is (what most events carry), else ``_NOT_NATIVE``."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, dict):
        copied = {}
        for key, item in value.items():
            item = _native_copy(item)
            if not isinstance(key, str) or item is _NOT_NATIVE:
                return _NOT_NATIVE
            copied[key] = item
        return copied
    if isinstance(value, list):
        copied = [_native_copy(item) for item in value]
        return _NOT_NATIVE if any(item is _NOT_NATIVE for item in copied) else copied
    return _NOT_NATIVE


def _plain(value):
    """JSON-safe, canonical copy (Decimals, dates, UUIDs and phone numbers become strings)."""
    if value is None:
        return None
    copied = _native_copy(value)
    if copied is not _NOT_NATIVE:
        return copied
    return json.loads(json.dumps(value, cls=_AuditEncoder))


def _normalise_ip(ip: str | None) -> str | None:
    if not ip:
        return None
    try:
        return ipaddress.ip_address(ip).compressed
    except ValueError:
        return None


def tenant_of(obj) -> int | None:
    """The merchant id an object belongs to, following the model's ``TENANT_FIELD`` path."""
    path = getattr(type(obj), "TENANT_FIELD", None)
    if not path:
        return None
    value = obj
    for part in path.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return None
    return getattr(value, "pk", value)


class CheckpointInvalid(Exception):
    """A checkpoint whose signature does not match: it was forged or altered."""


def audit_keys() -> tuple[str, dict[str, bytes]]:
    """(id of the key that chains new events, every key by id) from ``ACQUIRER_AUDIT_KEYS``."""
    from acquirer.backups.crypto import BackupKeyError, Keyring

    try:
        ring = Keyring.parse(settings.ACQUIRER_AUDIT_KEYS)
    except BackupKeyError as error:
        raise ImproperlyConfigured(f"ACQUIRER_AUDIT_KEYS: {error}".replace("backup key", "audit key")) from error
    return ring.current, ring.keys


def _key(key_id: str) -> bytes | None:
    return audit_keys()[1].get(key_id)


def canonical(event) -> bytes:
    payload = {
        "key": event.key_id,
        "prev": event.prev_hash,
        "at": event.at.astimezone(UTC).isoformat(),
        "actor": event.actor_id,
        "actor_label": event.actor_label,
        "role": event.role,
        "merchant": event.merchant_id,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "target_repr": event.target_repr,
        "before": event.before,
        "after": event.after,
        "data": event.data,
        "ip": event.ip,
        "source": event.source,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def compute_hash(event) -> str | None:
    """The HMAC of an event under the key it names; None when that key is not configured."""
    key = _key(event.key_id)
    if key is None:
        return None
    return hmac.new(key, canonical(event), hashlib.sha256).hexdigest()


def _check_catalogued(action: str) -> None:
    """With ``ACQUIRER_AUDIT_STRICT`` (the test settings) an action missing from every app's catalogue
    (``audit_actions.py``) is refused, so the whole suite proves each recorded action reads as a sentence."""
    if getattr(settings, "ACQUIRER_AUDIT_STRICT", False):
        from acquirer.audit_text import catalogue

        if action not in catalogue().actions:
            raise ValueError(f"audit action {action!r} is in no app's audit_actions catalogue")


@dataclass(frozen=True, slots=True)
class Ref:
    """A target named without loading a model instance (batch jobs): its model label, id, text and merchant."""

    label: str
    pk: object
    text: str
    merchant_id: int | None = None


@dataclass(slots=True)
class _Row:
    """One event of a batch, before it is written (lighter than a model instance; the same attributes)."""

    at: object
    actor_id: int | None
    actor_label: str
    role: str
    merchant_id: int | None
    action: str
    target_type: str
    target_id: str
    target_repr: str
    before: object
    after: object
    data: object
    ip: str | None
    source: str
    prev_hash: str = ""
    key_id: str = ""
    hash: str = ""


def _build(action: str, *, actor=None, target=None, merchant_id: int | None = None, before=None, after=None,
           data: dict | None = None, actor_label: str = "", at=None, origin: Origin | None = None,
           row: bool = False):
    from acquirer.models import AuditEvent

    _check_catalogued(action)
    origin = origin or current_origin()
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if merchant_id is None and target is not None:
        merchant_id = target.merchant_id if isinstance(target, Ref) else tenant_of(target)
    if merchant_id is None and actor is not None:
        merchant_id = actor.merchant_id
    return (_Row if row else AuditEvent)(
        at=at or timezone.now(),
        **({"actor_id": actor.pk if actor else None} if row else {"actor": actor}),
        actor_label=(actor.get_username() if actor else actor_label)[:150],
        role=(actor.role_label if actor else "")[:200],
        merchant_id=merchant_id,
        action=action,
        target_type="" if target is None else target.label if isinstance(target, Ref) else target._meta.label_lower,
        target_id=str(target.pk) if target is not None else "",
        target_repr="" if target is None else (target.text if isinstance(target, Ref) else str(target))[:200],
        before=_plain(before),
        after=_plain(after),
        data=_plain(data or {}),
        ip=_normalise_ip(origin.ip),
        source=origin.source[:100],
    )


def _append(events: list) -> list:
    """Chain ``events`` after the last one and insert them, under the chain lock held to the end of the
    caller's transaction (so the chain has one order)."""
    from acquirer.models import AuditEvent

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])
        previous = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first() or GENESIS
        key_id, keys = audit_keys()
        key = keys[key_id]
        for event in events:
            event.prev_hash, event.key_id = previous, key_id
            event.hash = previous = hmac.new(key, canonical(event), hashlib.sha256).hexdigest()
        if isinstance(events[0], _Row):
            _copy(events)
        else:
            events[0].save(force_insert=True)
    return events


_COPY_COLUMNS = ("at", "actor_id", "actor_label", "role", "merchant_id", "action", "target_type", "target_id",
                 "target_repr", "before", "after", "data", "ip", "source", "prev_hash", "key_id", "hash")


def _json(value):
    return None if value is None else Jsonb(value)


def _copy(events: list) -> None:
    """Write a chained batch with one ``COPY`` under the lock: rows get their ids in order, so ids follow the
    chain. (The events keep ``pk`` None: batch callers need the rows written, not their ids.)"""
    from acquirer.models import AuditEvent

    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY {table} ({', '.join(_COPY_COLUMNS)}) FROM STDIN") as copy:
        for e in events:
            copy.write_row((e.at, e.actor_id, e.actor_label, e.role, e.merchant_id, e.action, e.target_type,
                            e.target_id, e.target_repr, _json(e.before), _json(e.after), _json(e.data), e.ip,
                            e.source, e.prev_hash, e.key_id, e.hash))


def record(action: str, *, actor=None, target=None, merchant_id: int | None = None, before=None, after=None,
           data: dict | None = None, actor_label: str = ""):
    """Append one event. Must run inside the caller's transaction (it joins it)."""
    return _append([_build(action, actor=actor, target=target, merchant_id=merchant_id, before=before,
                           after=after, data=data, actor_label=actor_label)])[0]


def record_many(entries: list[dict]) -> list:
    """Append one event per entry (the keyword arguments of :func:`record`) with one ``COPY`` and one pass of the
    chain lock: what a batch job uses for the rows of a batch. Must run inside the caller's transaction."""
    if not entries:
        return []
    at, origin = timezone.now(), current_origin()
    return _append([_build(**entry, at=at, origin=origin, row=True) for entry in entries])


@dataclass
class ChainReport:
    checked: int
    broken_id: int | None = None
    reason: str = ""
    last_id: int | None = None
    head: str = GENESIS

    @property
    def ok(self) -> bool:
        return not self.reason


def verify_chain(using: str = "default", *, through: dict | None = None) -> ChainReport:
    """Walk the chain in id order; report the first row whose link or content does not match, or a chain
    that does not pass through the checkpoint ``through`` (rows removed from the end or the whole table)."""
    from acquirer.models import AuditEvent

    return verify_events(AuditEvent.objects.using(using).order_by("id").iterator(chunk_size=2000), through=through)


def verify_rows(rows, *, through: dict | None = None) -> ChainReport:
    """The same check over raw rows (dicts of column values), e.g. from a restored scratch database."""
    from acquirer.models import AuditEvent

    fields = {f.attname for f in AuditEvent._meta.concrete_fields}

    def events():
        for row in rows:
            values = {k: v for k, v in row.items() if k in fields}
            if values.get("ip") is not None:
                values["ip"] = str(values["ip"])
            yield AuditEvent(**values)

    return verify_events(events(), through=through)


def verify_events(events, *, through: dict | None = None) -> ChainReport:
    expected_prev = GENESIS
    checked = 0
    last_id = None
    passed = through is None or not through.get("count")
    for event in events:
        if event.prev_hash != expected_prev:
            return ChainReport(checked, event.id, "previous-hash link does not match the row before it", last_id,
                               expected_prev)
        digest = compute_hash(event)
        if digest is None:
            return ChainReport(checked, event.id, f"chained with key {event.key_id!r}, which is not configured "
                                                  "(ACQUIRER_AUDIT_KEYS)", last_id, expected_prev)
        if not hmac.compare_digest(digest, event.hash):
            return ChainReport(checked, event.id, "content does not match its keyed hash (row altered or "
                                                  "chain recomputed without the key)", last_id, expected_prev)
        expected_prev = event.hash
        checked += 1
        last_id = event.id
        if through is not None and not passed and event.id >= through["last_id"]:
            if event.id != through["last_id"] or event.hash != through["head"] or checked != through["count"]:
                return ChainReport(checked, event.id, _checkpoint_miss(through), last_id, expected_prev)
            passed = True
    if not passed:
        return ChainReport(checked, None, _checkpoint_miss(through, shorter=checked), last_id, expected_prev)
    return ChainReport(checked, None, "", last_id, expected_prev)


def _checkpoint_miss(checkpoint: dict, shorter: int | None = None) -> str:
    if shorter is not None:
        return (f"the trail holds {shorter} events but the checkpoint of {checkpoint.get('at')} recorded "
                f"{checkpoint['count']} up to event {checkpoint['last_id']}: events were removed")
    return (f"the chain does not pass through the checkpoint of {checkpoint.get('at')} (event "
            f"{checkpoint['last_id']}, {checkpoint['count']} events): events were removed or rewritten")


# --- Checkpoints: the chain's head, signed, kept outside the table ---------------------------------

def _signature(body: dict, key: bytes) -> str:
    message = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(key, b"audit-checkpoint\x00" + message, hashlib.sha256).hexdigest()


def checkpoint_sign(*, last_id: int | None, count: int, head: str, at=None) -> dict:
    """A checkpoint of the chain's head, signed with the current audit key."""
    key_id, keys = audit_keys()
    body = {"last_id": last_id, "count": count, "head": head,
            "at": (at or timezone.now()).astimezone(UTC).isoformat(), "key_id": key_id}
    return {**body, "sig": _signature(body, keys[key_id])}


def checkpoint_check(checkpoint: dict) -> None:
    """Raise :class:`CheckpointInvalid` unless the checkpoint carries a valid signature."""
    body = {k: checkpoint.get(k) for k in ("last_id", "count", "head", "at", "key_id")}
    key = _key(body["key_id"] or "")
    if key is None or not hmac.compare_digest(_signature(body, key), str(checkpoint.get("sig", ""))):
        raise CheckpointInvalid(f"audit checkpoint of {body['at']} has an invalid signature (forged or altered)")


def checkpoint_path(using: str = "default") -> Path:
    """One file of checkpoints per database (by its name), in ``ACQUIRER_AUDIT_CHECKPOINT_DIR``."""
    from django.db import connections

    name = re.sub(r"[^A-Za-z0-9_.-]", "_", str(connections[using].settings_dict["NAME"]))
    return Path(settings.ACQUIRER_AUDIT_CHECKPOINT_DIR) / f"checkpoints-{name}.jsonl"


def checkpoint_latest(using: str = "default") -> dict | None:
    """The newest checkpoint written by a verification run (signature checked), or None before the first."""
    path = checkpoint_path(using)
    if not path.exists():
        return None
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    if not lines:
        return None
    try:
        checkpoint = json.loads(lines[-1])
    except ValueError as error:
        raise CheckpointInvalid(f"the latest audit checkpoint in {path} is not readable") from error
    checkpoint_check(checkpoint)
    return checkpoint


def checkpoint_write(report: ChainReport, using: str = "default") -> dict:
    """Append a signed checkpoint of a verified chain to the database's checkpoint file (created 0600)."""
    checkpoint = checkpoint_sign(last_id=report.last_id, count=report.checked, head=report.head)
    path = checkpoint_path(using)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(descriptor, "a") as handle:
        handle.write(json.dumps(checkpoint, sort_keys=True) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return checkpoint


def verify_and_checkpoint(using: str = "default") -> tuple[ChainReport, dict | None]:
    """Verify the live chain through the latest checkpoint; on success write a new checkpoint.

    A forged checkpoint file counts as a broken chain (its report names the reason)."""
    try:
        latest = checkpoint_latest(using)
    except CheckpointInvalid as error:
        return ChainReport(0, None, str(error)), None
    report = verify_chain(using=using, through=latest)
    if not report.ok:
        return report, latest
    return report, checkpoint_write(report, using)


def snapshot(obj, fields) -> dict:
    """Field values of ``obj`` for before/after records."""
    return {name: getattr(obj, name) for name in fields}
