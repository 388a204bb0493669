"""The scale data set: what a national acquirer holds (100,000 merchants, 1,000,000 terminals, 200,000 tickets
and work orders, 2,000,000 audit events), loaded with ``COPY`` so that lists, searches, exports and jobs can be
measured at that size (``python manage.py seed_scale``, ``bench/scale.py``).

Each app loads its own rows through its plugin's ``scale`` seeder (``seed(plan, log)``); the core then appends the
audit events, with a valid keyed hash chain, spread over the last two years. ``plan`` holds the counts.
"""

import hashlib
import hmac
import random
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from acquirer import audit
from acquirer.bulk import copy_rows
from acquirer.registry import registry

FULL = {"merchants": 100_000, "terminals": 1_000_000, "big_merchant_terminals": 10_011, "tickets": 100_000,
        "work_orders": 100_000, "audit_events": 2_000_000}
CHUNK = 20_000
# common actions of a working day, by weight (codes of the apps' catalogues)
_ACTIONS = ("merchant.approved", "terminal.allocated", "terminal.installed", "terminal.activated", "rent.charged",
            "ticket.raised", "work_order.completed", "user.logged_in")


def plan_for(scale: float = 1.0, **overrides) -> dict:
    """The counts at ``scale`` (1 = full size), with any count given explicitly."""
    plan = {name: max(1, int(count * scale)) for name, count in FULL.items()}
    plan.update({name: value for name, value in overrides.items() if value is not None})
    plan["big_merchant_terminals"] = min(plan["big_merchant_terminals"], plan["terminals"])
    return plan


def seed_audit_events(count: int, log=print) -> None:
    """Append ``count`` events with a valid chain, oldest first, ``CHUNK`` per transaction under the chain lock."""
    from acquirer.audit_text import catalogue
    from acquirer.models import AuditEvent

    known = catalogue().actions
    actions = [action for action in _ACTIONS if action in known] or sorted(known)[:5]
    key_id, keys = audit.audit_keys()
    key = keys[key_id]
    rng = random.Random(7)
    start = timezone.now() - timedelta(days=730)
    step = timedelta(days=730) / max(count, 1)
    written = 0
    while written < count:
        size = min(CHUNK, count - written)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [audit._ADVISORY_LOCK_KEY])
            previous = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first() or audit.GENESIS
            rows = []
            for n in range(written, written + size):
                target = rng.randrange(1, 1_000_000)
                event = AuditEvent(at=start + step * n, actor_label="scale", role="", merchant_id=None,
                                   action=rng.choice(actions), target_type="terminals.terminal",
                                   target_id=str(target), target_repr=f"T{target:09d}", before=None,
                                   after={"status": "active"}, data={"terminal": target}, ip=None,
                                   source="seed_scale", prev_hash=previous, key_id=key_id)
                event.hash = previous = hmac.new(key, audit.canonical(event), hashlib.sha256).hexdigest()
                rows.append({f.attname: getattr(event, f.attname)
                             for f in AuditEvent._meta.concrete_fields if not f.primary_key})
            copy_rows(AuditEvent, rows)
        written += size
        log(f"audit events: {written}/{count}")


def seed(plan: dict, log=print) -> None:
    """Every app's rows, then the audit events; statistics refreshed so the planner knows the sizes."""
    for seeder in registry().scale_seeders():
        seeder(plan, log)
    seed_audit_events(plan["audit_events"], log)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
