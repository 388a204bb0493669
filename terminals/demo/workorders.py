"""Demo field work orders: for merchant A's and B's active terminals, work orders in every status (with
today's jobs for the demo engineer), then one run of the preventive-maintenance plan. Built through the
services; idempotent (the demo work orders carry a tag in their instructions). Creates nothing while the
merchants have no active terminal yet."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from terminals.models import Terminal, WorkOrder
from terminals.services import workorders as svc

TAG = "[demo] "


def _window(days: int, hour: int, minute: int = 0, hours: float = 1.5):
    day = timezone.localdate() + timedelta(days=days)
    start = timezone.make_aware(datetime.combine(day, time(hour, minute)))
    return start, start + timedelta(minutes=int(hours * 60))


def _create(ops, merchant, terminal, kind: str, text: str, window=None):
    start, end = window or (None, None)
    return svc.work_order_create(actor=ops, kind=kind, merchant=merchant, terminal=terminal,
                                 window_start=start, window_end=end, instructions=TAG + text)


def _assign(ops, engineer, work_order, window):
    return svc.work_order_assign(actor=ops, work_order=work_order, engineer=engineer, window_start=window[0],
                                 window_end=window[1])


def _seed_merchant(ops, engineer, merchant, terminals, *, full: bool) -> None:
    first, second = terminals[0], terminals[1 % len(terminals)]
    # open, waiting for dispatch
    _create(ops, merchant, second, "repair", "Receipt printer jams; the merchant called customer service.",
            _window(1, 10))
    # today's jobs of the demo engineer
    visit = _create(ops, merchant, first, "maintenance", "Half-yearly visit: clean, check cables and paper.")
    _assign(ops, engineer, visit, _window(0, 9, 30))
    if not full:
        return
    running = _create(ops, merchant, second, "repair", "Contactless reader not responding.")
    _assign(ops, engineer, running, _window(0, 13, 0, 2))
    svc.work_order_start(actor=engineer, work_order=running)
    # done yesterday, with the evidence
    done = _create(ops, merchant, first, "repair", "Terminal does not sign in over 4G.")
    _assign(ops, engineer, done, _window(-1, 15))
    svc.work_order_start(actor=engineer, work_order=done)
    svc.work_order_complete(actor=engineer, work_order=done, checklist=dict.fromkeys(svc.CHECKLISTS["repair"], True),
                            signed_off_by="店长 王芳", minutes_spent=50,
                            completion_notes="SIM card reseated; sign-in and test sale OK.")
    # cancelled
    cancelled = _create(ops, merchant, None, "survey", "Survey for a second counter.", _window(2, 10))
    svc.work_order_cancel(actor=ops, work_order=cancelled, reason="The merchant postponed the second counter.")


def seed(*, staff: dict, merchant_a, merchant_b) -> None:
    ops, engineer = staff["ops"], staff["engineer"]
    placed = []
    for merchant in (merchant_a, merchant_b):
        if merchant is None or merchant.status not in svc.VISITABLE:
            continue
        terminals = list(Terminal.objects.filter(status=Terminal.Status.ACTIVE, merchant=merchant).order_by("id"))
        if terminals:
            placed.append((merchant, terminals))
    if not placed:
        return
    if not WorkOrder.objects.filter(instructions__startswith=TAG).exists():
        for index, (merchant, terminals) in enumerate(placed):
            _seed_merchant(ops, engineer, merchant, terminals, full=index == 0)
    all_active = [terminal for _merchant, terminals in placed for terminal in terminals]
    today = timezone.localdate()
    plan_ran = WorkOrder.objects.filter(kind="maintenance", created_by__isnull=True,
                                        terminal__in=all_active).exists()
    if not plan_ran and not any(t.next_maintenance_due and t.next_maintenance_due <= today for t in all_active):
        # make one terminal without a maintenance visit due, so the plan has a visit to create (demo data only)
        visited = set(WorkOrder.objects.filter(kind="maintenance", terminal__in=all_active)
                      .exclude(status__in=svc.CLOSED_STATUSES).values_list("terminal_id", flat=True))
        free = [t.pk for t in all_active if t.pk not in visited]
        if free:
            Terminal.objects.filter(pk=free[-1]).update(next_maintenance_due=today - timedelta(days=3))
    svc.maintenance_create_due(today=today)
