"""Lists, searches and jobs at a national acquirer's size, each against the trivial signed-in page of the same role.

Loads the scale data set (``acquirer.scale``: 100,000 merchants, 1,000,000 terminals, 200,000 tickets and work
orders, 2,000,000 audit events at ``SCALE=1``) into a scratch database with COPY, then measures the p95 of every
list page — first page, last page (``before=last``), a search by identifier, a filter — against the p95 of the
trivial page of the same role (the base layout with its menu and nothing else: the person's empty notification
list), in the same run. ``BENCH_KEEP=1`` keeps the database (``bench_scale``) for a second run, which then skips
the load.
"""

import logging
import os
import sys
import time

from _setup import SCALE, django_with_scratch_db, p95, per_call, result, scaled

PAGE_GOAL = 3.0
DB = "bench_scale"


def _load(plan) -> None:
    from acquirer import scale

    start = time.perf_counter()
    scale.seed(plan, log=lambda line: None)
    counts = ", ".join(f"{name} {value}" for name, value in plan.items() if isinstance(value, int))
    print(f"loaded {counts} in {time.perf_counter() - start:.0f} s", flush=True)


def _clients():
    from django.test import Client

    from acquirer import roles
    from acquirer.models import User
    from acquirer.services.accounts import user_create

    def client_for(username, **fields):
        user = User.objects.filter(username=username).first() or user_create(
            actor=None, username=username, password="Bench-horse-42-staple", email=f"{username}@example.test",
            **fields)
        client = Client()
        client.force_login(user)
        client.cookies["django_language"] = "en"
        return client

    return {
        "ops": client_for("bench-manager", kind=User.Kind.STAFF, roles=[roles.OPERATIONS_MANAGER]),
        "audit": client_for("bench-auditor", kind=User.Kind.AUDITOR),
        "portal": client_for("scale-owner"),
    }


def _identifiers() -> dict:
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


def _pages(ids: dict) -> list[tuple[str, str, str, dict]]:
    """(name, role, URL name, query) of every list measured."""
    from datetime import timedelta

    from django.utils import timezone

    today = timezone.localdate()
    two_days = {"date_from": (today - timedelta(days=400)).isoformat(),
                "date_to": (today - timedelta(days=399)).isoformat()}
    pages = []
    for area, prefix in (("ops", "ops"), ("audit", "audit")):
        pages += [
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
    pages += [
        ("ops_merchants_mid", "ops", "ops:merchant-list", {"q": ids["mid"]}),
        ("audit_events_first", "audit", "audit:event-list", {}),
        ("audit_events_last", "audit", "audit:event-list", {"before": "last"}),
        ("audit_events_two_days", "audit", "audit:event-list", two_days),
        ("audit_events_target", "audit", "audit:event-list", {"target": ids["target"]}),
        ("portal_terminals_first", "portal", "portal:terminal-list", {}),
        ("portal_terminals_last", "portal", "portal:terminal-list", {"before": "last"}),
        ("portal_tickets_first", "portal", "portal:ticket-list", {}),
    ]
    return pages


def main() -> int:
    from acquirer.scale import plan_for

    keep = os.environ.get("BENCH_KEEP") == "1"
    cleanup = django_with_scratch_db(DB, keep=keep)
    logging.getLogger("django.request").setLevel(logging.ERROR)
    try:
        from django.urls import reverse

        from terminals.models import Terminal

        if not Terminal.objects.exists():
            _load(plan_for(SCALE))
        clients = _clients()
        count = scaled(30, 12)
        floors = {}
        for role, client in clients.items():
            url = reverse("notifications")
            floors[role] = p95(per_call(lambda c=client, u=url: c.get(u), count))
        passed = True
        for name, role, url_name, query in _pages(_identifiers()):
            client, url = clients[role], reverse(url_name)

            def get(c=client, u=url, q=query):
                status = c.get(u, q).status_code
                assert status in (200, 302), f"{u} {q}: {status}"

            passed &= result(f"scale_{name}", p95(per_call(get, count, warmup=2)), floors[role], PAGE_GOAL)
        return 0 if passed else 1
    finally:
        cleanup()


if __name__ == "__main__":
    sys.exit(main())
