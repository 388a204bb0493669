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


_SCALARS = frozenset({str, int, bool, type(None)})


def _flat(value) -> bool:
    """A dict of text keys and text, whole-number, true/false or null values: JSON as it is, nothing to copy."""
    if type(value) is not dict:
        return False
    for key, item in value.items():
        if type(key) is not str or type(item) not in _SCALARS:
            return False
    return True


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


# What canonical() writes: sorted keys, no spaces, ASCII only. One encoder, built once (``json.dumps`` with these
# options builds a new one per call); batches call its C core directly, which spares the set-up of each call.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True)
_encode_text = json.encoder.encode_basestring_ascii  # what it writes for a string
try:  # (markers, default, encoder, indent, key and item separators, sort_keys, skipkeys, allow_nan)
    _C_ENCODER = json.encoder.c_make_encoder and json.encoder.c_make_encoder(
        None, _CANONICAL.default, _encode_text, None, ":", ",", True, False, True)
except TypeError:  # another Python's C core: the encoder itself is as exact, only slower
    _C_ENCODER = None


def _encode(value) -> str:
    """``_CANONICAL.encode(value)``, faster."""
    return "".join(_C_ENCODER(value, 0)) if _C_ENCODER is not None else _CANONICAL.encode(value)


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
    return _CANONICAL.encode(payload).encode()


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
    """One event of a batch, before it is written (lighter than a model instance; the same attributes). ``head``
    and ``tail`` are its canonical JSON on either side of ``prev_hash``, ``line`` its ``COPY`` row up to it: the
    chain only has to join them."""

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
    head: str = ""
    tail: str = ""
    line: str = ""


def _build(action: str, *, actor=None, target=None, merchant_id: int | None = None, before=None, after=None,
           data: dict | None = None, actor_label: str = ""):
    """The model instance of one event (:func:`record`); a batch builds lighter rows (:class:`_Batch`)."""
    from acquirer.models import AuditEvent

    _check_catalogued(action)
    origin = current_origin()
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if merchant_id is None and target is not None:
        merchant_id = target.merchant_id if isinstance(target, Ref) else tenant_of(target)
    if merchant_id is None and actor is not None:
        merchant_id = actor.merchant_id
    return AuditEvent(
        at=timezone.now(),
        actor=actor,
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


# COPY's text format: a backslash, tab, newline or carriage return inside a value is written as an escape.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_NULL = "\\N"


def _copy_text(value: str) -> str:
    return value.translate(_COPY_ESCAPES) if "\\" in value or not value.isprintable() else value


def _copy_json(text: str | None) -> str:
    """A JSON column of the COPY row from its canonical text (ASCII, so only backslashes need escaping)."""
    return _COPY_NULL if text is None else text.replace("\\", "\\\\")


class _Batch:
    """The events of one :func:`record_many` call, built without a model instance each. What they share is worked
    out once: the time, the origin and the key that chains them for all, and per action, target model and actor
    (the catalogue check, the actor's name and role, their JSON and ``COPY`` text) once per combination. Each
    event's canonical JSON (:func:`canonical`, to be hashed) and ``COPY`` row are written as it is built, each
    JSON value encoded once for both."""

    def __init__(self, key_id: str):
        origin = current_origin()
        self.at = timezone.now()
        self.ip = _normalise_ip(origin.ip)
        self.source = origin.source[:100]
        self.key_id = key_id
        self.actors: dict[int, tuple] = {}
        self.shared: dict[tuple, tuple] = {}
        # the canonical JSON from "at" to "before" and from "ip" to "merchant": the same for every event
        self.at_json = f',"at":{_encode_text(self.at.astimezone(UTC).isoformat())},"before":'
        self.ip_json = f',"ip":{_encode(self.ip)},"key":{_encode_text(key_id)},"merchant":'
        self.ip_copy = f"\t{_COPY_NULL if self.ip is None else self.ip}\t{_copy_text(self.source)}\t"

    def _actor(self, actor) -> tuple:
        """(id, label, role, merchant id) of an authenticated actor, read once per batch (its role is a query)."""
        found = self.actors.get(id(actor))
        if found is None:
            found = self.actors[id(actor)] = (actor.pk, actor.get_username()[:150], actor.role_label[:200],
                                              actor.merchant_id)
        return found

    def _shared(self, action: str, target_type: str, actor_id, actor_label: str, role: str) -> tuple:
        """The JSON and ``COPY`` text that events of one action, target model and actor have in common."""
        key = (action, target_type, actor_id, actor_label, role)
        found = self.shared.get(key)
        if found is None:
            _check_catalogued(action)
            actor_json = "null" if actor_id is None else _encode(actor_id)
            found = self.shared[key] = (
                # canonical JSON up to "after"; from "role" to "target_id"; after "target_repr"
                f'{{"action":{_encode_text(action)},"actor":{actor_json},"actor_label":{_encode_text(actor_label)},'
                f'"after":',
                f'","role":{_encode_text(role)},"source":{_encode_text(self.source)},"target_id":',
                f',"target_type":{_encode_text(target_type)}}}',
                # COPY text up to merchant_id; from action to target_id
                f"{_copy_text(self.at.isoformat())}\t{_COPY_NULL if actor_id is None else actor_id}\t"
                f"{_copy_text(actor_label)}\t{_copy_text(role)}\t",
                f"\t{_copy_text(action)}\t{_copy_text(target_type)}\t",
            )
        return found

    def row(self, action: str, *, actor=None, target=None, merchant_id: int | None = None, before=None, after=None,
            data: dict | None = None, actor_label: str = "") -> _Row:
        """One event: the keyword arguments of :func:`record`."""
        if actor is not None and getattr(actor, "is_authenticated", False):
            actor_id, actor_label, role, actor_merchant = self._actor(actor)
        else:
            actor_id, actor_label, role, actor_merchant = None, actor_label[:150], "", None
        if target is None:
            target_type = target_id = target_repr = ""
        elif isinstance(target, Ref):
            target_type, target_id, target_repr = target.label, str(target.pk), target.text[:200]
            if merchant_id is None:
                merchant_id = target.merchant_id
        else:
            target_type, target_id, target_repr = target._meta.label_lower, str(target.pk), str(target)[:200]
            if merchant_id is None:
                merchant_id = tenant_of(target)
        if merchant_id is None:
            merchant_id = actor_merchant
        json_head, json_role, json_type, copy_head, copy_action = self._shared(action, target_type, actor_id,
                                                                               actor_label, role)
        # a flat dict of text keys and plain values (most events) is JSON as it is, and is encoded at once
        before = before if before is None or _flat(before) else _plain(before)
        after = after if after is None or _flat(after) else _plain(after)
        data = data if data is not None and _flat(data) else _plain(data or {})
        before_json = None if before is None else _encode(before)
        after_json = None if after is None else _encode(after)
        data_json = _encode(data)
        merchant_json = ("null" if merchant_id is None else str(merchant_id) if type(merchant_id) is int
                         else _encode(merchant_id))
        return _Row(
            self.at, actor_id, actor_label, role, merchant_id, action, target_type, target_id, target_repr, before,
            after, data, self.ip, self.source, key_id=self.key_id,
            # canonical(): the keys in sorted order, "prev" left for the chain to fill in
            head=(f'{json_head}{after_json or "null"}{self.at_json}{before_json or "null"},"data":{data_json}'
                  f'{self.ip_json}{merchant_json},"prev":"'),
            tail=f'{json_role}{_encode_text(target_id)},"target_repr":{_encode_text(target_repr)}{json_type}',
            # the COPY row in _COPY_COLUMNS order, up to prev_hash
            line=(f"{copy_head}{_COPY_NULL if merchant_id is None else merchant_id}{copy_action}"
                  f"{_copy_text(target_id)}\t{_copy_text(target_repr)}\t{_copy_json(before_json)}\t"
                  f"{_copy_json(after_json)}\t{_copy_json(data_json)}{self.ip_copy}"),
        )


def _lock_chain() -> str:
    """Take the chain lock (held to the end of the caller's transaction, so the chain has one order) and return
    the hash of the last event."""
    from acquirer.models import AuditEvent

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])
    return AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first() or GENESIS


def _append(event):
    """Chain one event after the last one and insert it, under the chain lock. Joins the caller's transaction
    without a savepoint (two round trips an event): an audit write that fails fails the change it records."""
    with transaction.atomic(savepoint=False):
        previous = _lock_chain()
        key_id, keys = audit_keys()
        event.prev_hash, event.key_id = previous, key_id
        event.hash = hmac.new(keys[key_id], canonical(event), hashlib.sha256).hexdigest()
        event.save(force_insert=True)
    return event


_COPY_COLUMNS = ("at", "actor_id", "actor_label", "role", "merchant_id", "action", "target_type", "target_id",
                 "target_repr", "before", "after", "data", "ip", "source", "prev_hash", "key_id", "hash")


def _append_rows(rows: list[_Row], key: bytes) -> list[_Row]:
    """Chain a batch after the last event and write it with one ``COPY`` under the chain lock: rows get their ids
    in order, so ids follow the chain. (The rows keep no id: batch callers need the rows written, not their ids.)"""
    from acquirer.models import AuditEvent

    keyed = hmac.new(key, digestmod=hashlib.sha256)  # the key's pads are hashed once, each event continues a copy
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with transaction.atomic(savepoint=False):
        previous = _lock_chain()
        lines = []
        for row in rows:
            digest = keyed.copy()
            digest.update(f"{row.head}{previous}{row.tail}".encode())
            row.prev_hash = previous
            row.hash = previous = digest.hexdigest()
            lines.append(f"{row.line}{row.prev_hash}\t{row.key_id}\t{row.hash}\n")
        with connection.cursor() as cursor, cursor.cursor.copy(
                f"COPY {table} ({', '.join(_COPY_COLUMNS)}) FROM STDIN") as copy:
            copy.write("".join(lines))
    return rows


def record(action: str, *, actor=None, target=None, merchant_id: int | None = None, before=None, after=None,
           data: dict | None = None, actor_label: str = ""):
    """Append one event. Must run inside the caller's transaction (it joins it)."""
    return _append(_build(action, actor=actor, target=target, merchant_id=merchant_id, before=before, after=after,
                          data=data, actor_label=actor_label))


def record_many(entries: list[dict]) -> list:
    """Append one event per entry (the keyword arguments of :func:`record`) with one ``COPY`` and one pass of the
    chain lock: what a batch job uses for the rows of a batch. Must run inside the caller's transaction.

    The events are built before the lock is taken (their canonical JSON and ``COPY`` rows but for the chain's
    links), so the lock is held only for the hashing and the ``COPY``."""
    if not entries:
        return []
    key_id, keys = audit_keys()
    batch = _Batch(key_id)
    return _append_rows([batch.row(**entry) for entry in entries], keys[key_id])


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
