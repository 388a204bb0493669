"""What the scale benchmarks share: the scratch database ``bench_scale`` with the scale data set
(``acquirer.scale``), loaded only when it is empty; the signed-in clients of each role; the list pages measured;
and the process's memory.

Every scale script opens the database with ``scale_db()`` (``BENCH_SCALE_DB`` names another); ``BENCH_KEEP=1``
keeps it afterwards, so ``BENCH_KEEP=1 make bench`` loads the data once for all of them.
"""

import os
import time
from pathlib import Path

from _setup import SCALE, django_with_scratch_db

DB = os.environ.get("BENCH_SCALE_DB", "bench_scale")  # another name for runs side by side
PASSWORD = "Bench-horse-42-staple"


def keep() -> bool:
    return os.environ.get("BENCH_KEEP") == "1"


def scale_db():
    """Open (create and migrate if needed) ``bench_scale``, load the data set when it holds no terminal, and
    return the cleanup function (which drops the database unless ``BENCH_KEEP=1``)."""
    import logging

    from acquirer.scale import plan_for

    cleanup = django_with_scratch_db(DB, keep=keep())
    logging.getLogger("django.request").setLevel(logging.ERROR)
    from terminals.models import Terminal

    if not Terminal.objects.exists():
        _load(plan_for(SCALE))
    return cleanup


def _load(plan) -> None:
    from acquirer import scale

    start = time.perf_counter()
    scale.seed(plan, log=lambda line: None)
    counts = ", ".join(f"{name} {value}" for name, value in plan.items() if isinstance(value, int))
    print(f"loaded {counts} in {time.perf_counter() - start:.0f} s", flush=True)


def users() -> dict:
    """The person measured for each role: an operations manager, an auditor, the big chain's owner."""
    from acquirer import roles
    from acquirer.models import User
    from acquirer.services.accounts import user_create

    def user(username, **fields):
        return User.objects.filter(username=username).first() or user_create(
            actor=None, username=username, password=PASSWORD, email=f"{username}@example.test", **fields)

    return {
        "ops": user("bench-manager", kind=User.Kind.STAFF, roles=[roles.OPERATIONS_MANAGER]),
        "audit": user("bench-auditor", kind=User.Kind.AUDITOR),
        "portal": user("scale-owner"),
    }


def clients() -> dict:
    """A signed-in test client per role, in English."""
    from django.test import Client

    signed_in = {}
    for role, user in users().items():
        client = Client()
        client.force_login(user)
        client.cookies["django_language"] = "en"
        signed_in[role] = client
    return signed_in


def identifiers() -> dict:
    """Real identifiers to search for, taken from the middle of the data."""
    from merchants.models import Merchant
    from terminals.models import Terminal, Ticket, WorkOrder

    def middle(queryset, field):
        count = queryset.count()
        return queryset.order_by("id").values_list(field, flat=True)[count // 2]

    return {
        "mid": middle(Merchant.objects.exclude(mid=None), "mid"),
        "serial": middle(Terminal.objects.all(), "serial_number"),
        "ticket": middle(Ticket.objects.all(), "number"),
        "work_order": middle(WorkOrder.objects.all(), "number"),
        "target": middle(Terminal.objects.all(), "serial_number"),
    }


def pages(ids: dict) -> list[tuple[str, str, str, dict]]:
    """(name, role, URL name, query) of every list measured."""
    from datetime import timedelta

    from django.utils import timezone

    today = timezone.localdate()
    two_days = {"date_from": (today - timedelta(days=400)).isoformat(),
                "date_to": (today - timedelta(days=399)).isoformat()}
    listed = []
    for area, prefix in (("ops", "ops"), ("audit", "audit")):
        listed += [
            (f"{area}_merchants_first", area, f"{prefix}:merchant-list", {}),
            (f"{area}_merchants_last", area, f"{prefix}:merchant-list", {"before": "last"}),
            (f"{area}_merchants_filter", area, f"{prefix}:merchant-list", {"status": "active"}),
            (f"{area}_terminals_first", area, f"{prefix}:terminal-list", {}),
            (f"{area}_terminals_last", area, f"{prefix}:terminal-list", {"before": "last"}),
            (f"{area}_terminals_filter", area, f"{prefix}:terminal-list", {"status": "in_stock"}),
            (f"{area}_terminals_serial", area, f"{prefix}:terminal-list", {"q": ids["serial"]}),
            (f"{area}_tickets_first", area, f"{prefix}:ticket-list", {}),
            (f"{area}_tickets_last", area, f"{prefix}:ticket-list", {"before": "last"}),
            (f"{area}_workorders_first", area, f"{prefix}:workorder-list", {}),
            (f"{area}_workorders_last", area, f"{prefix}:workorder-list", {"before": "last"}),
            (f"{area}_workorders_number", area, f"{prefix}:workorder-list", {"q": ids["work_order"]}),
        ]
    listed += [
        ("ops_merchants_mid", "ops", "ops:merchant-list", {"q": ids["mid"]}),
        ("audit_events_first", "audit", "audit:event-list", {}),
        ("audit_events_last", "audit", "audit:event-list", {"before": "last"}),
        ("audit_events_two_days", "audit", "audit:event-list", two_days),
        ("audit_events_target", "audit", "audit:event-list", {"target": ids["target"]}),
        ("portal_terminals_first", "portal", "portal:terminal-list", {}),
        ("portal_terminals_last", "portal", "portal:terminal-list", {"before": "last"}),
        ("portal_tickets_first", "portal", "portal:ticket-list", {}),
    ]
    return listed


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def rss_mb() -> float:
    """The process's resident memory now, in MB."""
    return _status_kb("VmRSS") / 1024


def reset_peak_rss() -> None:
    """Start the kernel's peak-RSS mark (VmHWM) again from the current RSS, so ``peak_rss_mb`` measures only what
    follows."""
    Path("/proc/self/clear_refs").write_text("5")


def peak_rss_mb() -> float:
    """The highest resident memory since the last ``reset_peak_rss``, in MB."""
    return _status_kb("VmHWM") / 1024
