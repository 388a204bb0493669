"""The audit trail: one append-only, hash-chained ``AuditEvent`` table.

Services call :func:`record` inside their transaction. Rows are chained: each row's ``hash`` is the
SHA-256 of its canonical content plus the previous row's hash, written under a transaction-level
advisory lock so concurrent writers cannot fork the chain. PostgreSQL refuses UPDATE and DELETE on
the table (trigger from migration 0002); :func:`verify_chain` finds a row altered behind the
application's back.
"""

import contextvars
import hashlib
import ipaddress
import json
from dataclasses import dataclass
from datetime import UTC

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


def _plain(value):
    """JSON-safe, canonical copy (Decimals, dates, UUIDs and phone numbers become strings)."""
    if value is None:
        return None
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


def canonical(event) -> bytes:
    payload = {
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


def compute_hash(event) -> str:
    return hashlib.sha256(canonical(event)).hexdigest()


def record(action: str, *, actor=None, target=None, merchant_id: int | None = None, before=None, after=None,
           data: dict | None = None, actor_label: str = ""):
    """Append one event. Must run inside the caller's transaction (it joins it)."""
    from acquirer.models import AuditEvent

    origin = current_origin()
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if merchant_id is None and target is not None:
        merchant_id = tenant_of(target)
    if merchant_id is None and actor is not None:
        merchant_id = actor.merchant_id
    event = AuditEvent(
        at=timezone.now(),
        actor=actor,
        actor_label=(actor.get_username() if actor else actor_label)[:150],
        role=(actor.role_label if actor else "")[:200],
        merchant_id=merchant_id,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:200] if target is not None else "",
        before=_plain(before),
        after=_plain(after),
        data=_plain(data or {}),
        ip=_normalise_ip(origin.ip),
        source=origin.source[:100],
    )
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        event.prev_hash = last or GENESIS
        event.hash = compute_hash(event)
        event.save(force_insert=True)
    return event


@dataclass
class ChainReport:
    checked: int
    broken_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_id is None


def verify_chain(using: str = "default") -> ChainReport:
    """Walk the chain in id order; report the first row whose link or content does not match."""
    from acquirer.models import AuditEvent

    return verify_events(AuditEvent.objects.using(using).order_by("id").iterator(chunk_size=2000))


def verify_rows(rows) -> ChainReport:
    """The same check over raw rows (dicts of column values), e.g. from a restored scratch database."""
    from acquirer.models import AuditEvent

    fields = {f.attname for f in AuditEvent._meta.concrete_fields}

    def events():
        for row in rows:
            values = {k: v for k, v in row.items() if k in fields}
            if values.get("ip") is not None:
                values["ip"] = str(values["ip"])
            yield AuditEvent(**values)

    return verify_events(events())


def verify_events(events) -> ChainReport:
    expected_prev = GENESIS
    checked = 0
    for event in events:
        if event.prev_hash != expected_prev:
            return ChainReport(checked, event.id, "previous-hash link does not match the row before it")
        if compute_hash(event) != event.hash:
            return ChainReport(checked, event.id, "content does not match its hash (row altered)")
        expected_prev = event.hash
        checked += 1
    return ChainReport(checked)


def snapshot(obj, fields) -> dict:
    """Field values of ``obj`` for before/after records."""
    return {name: getattr(obj, name) for name in fields}
