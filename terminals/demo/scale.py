"""The terminals of the scale data set (``acquirer.scale``): live terminals at the scale merchants (the first one,
the big chain, gets ``plan["big_merchant_terminals"]``; a tenth of the rest stay in stock), maintenance tickets and
work orders spread over the last year, all loaded with COPY."""

import random
import secrets
from datetime import timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from acquirer.bulk import copy_rows
from acquirer.models import User
from acquirer.services.accounts import user_create
from terminals.models import Terminal, TerminalModel, Ticket, WorkOrder

CHUNK = 20_000


def _model() -> TerminalModel:
    model, _created = TerminalModel.objects.get_or_create(
        brand="ScalePOS", name="S1", defaults={"form_factor": "countertop", "communications": ["4g"],
                                               "capabilities": ["chip", "contactless"]})
    return model


def _placements(plan: dict, merchants: list[int]):
    """(merchant id or None) for each terminal: the big chain's share first, then round robin, 10 % in stock."""
    big = plan["big_merchant_terminals"]
    others = merchants[1:] or merchants
    for n in range(plan["terminals"]):
        if n < big:
            yield merchants[0]
        elif n % 10 == 0:
            yield None
        else:
            yield others[n % len(others)]


def seed(plan: dict, log=print) -> None:
    merchants = plan.get("merchant_ids") or []
    if not merchants:
        return
    model = _model()
    first = (Terminal.objects.aggregate(top=Max("id"))["top"] or 0) + 1
    now = timezone.now()
    today = timezone.localdate()
    placements = _placements(plan, merchants)
    total = plan["terminals"]
    for start in range(0, total, CHUNK):
        rows = []
        for n in range(start, min(total, start + CHUNK)):
            merchant = next(placements)
            number = first + n
            live = merchant is not None
            rows.append({
                "serial_number": f"SC{number:010d}", "model_id": model.pk, "merchant_id": merchant,
                "tid": f"{number:08d}"[-8:] if live else None,
                "status": Terminal.Status.ACTIVE if live else Terminal.Status.IN_STOCK,
                "custodian": "merchant" if live else "warehouse", "mid": "", "region_code": "1101" if live else "",
                "deposit_state": "held" if live else "none",
                "rent_start": today - timedelta(days=200) if live else None,
                "last_seen_at": now - timedelta(hours=n % 96) if live else None,
                "next_maintenance_due": today + timedelta(days=n % 180) if live else None,
                "created_at": now - timedelta(minutes=n), "status_changed_at": now})
        with transaction.atomic():
            copy_rows(Terminal, rows)
        log(f"terminals: {min(total, start + CHUNK)}/{total}")
    _seed_service(plan, first, log)


def _seed_service(plan: dict, first_terminal: int, log) -> None:
    """Tickets and work orders on live terminals, numbered per day like real ones (prefix SC so they never
    collide with numbers the application gives)."""
    live = list(Terminal.objects.filter(id__gte=first_terminal, status=Terminal.Status.ACTIVE)
                .order_by("id").values_list("id", "merchant_id")[: max(plan["tickets"], plan["work_orders"])])
    if not live:
        return
    raiser = User.objects.filter(kind=User.Kind.STAFF).order_by("id").first() or user_create(
        actor=None, username="scale-desk", password=secrets.token_urlsafe(24) + "7a", kind=User.Kind.STAFF,
        email="scale-desk@example.test")
    rng = random.Random(11)
    now = timezone.now()
    for kind, count in (("tickets", plan["tickets"]), ("work_orders", plan["work_orders"])):
        for start in range(0, count, CHUNK):
            rows = []
            for n in range(start, min(count, start + CHUNK)):
                terminal, merchant = live[n % len(live)]
                at = now - timedelta(minutes=n * 5)
                closed = n % 5 != 0
                if kind == "tickets":
                    rows.append({
                        "number": f"TSC-{at:%Y%m%d}-{n:07d}", "merchant_id": merchant, "terminal_id": terminal,
                        "channel": "phone", "category": rng.choice(("hardware", "software", "network")),
                        "severity": rng.choice(("high", "medium")), "description": "Scale data",
                        "raised_by_id": raiser.pk, "raised_at": at, "status": "closed" if closed else "open",
                        "status_changed_at": at, "response_due": at + timedelta(hours=4),
                        "resolution_due": at + timedelta(hours=24), "closed_at": at + timedelta(hours=8)
                        if closed else None})
                else:
                    rows.append({
                        "number": f"WSC-{at:%Y%m%d}-{n:07d}", "kind": "maintenance", "merchant_id": merchant,
                        "terminal_id": terminal, "status": "done" if closed else "open", "status_changed_at": at,
                        "created_at": at, "completed_at": at + timedelta(days=2) if closed else None})
            with transaction.atomic():
                copy_rows(Ticket if kind == "tickets" else WorkOrder, rows)
            log(f"{kind.replace('_', ' ')}: {min(count, start + CHUNK)}/{count}")
