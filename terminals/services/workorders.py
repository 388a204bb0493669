"""Field work orders (survey, installation, maintenance visit, repair, swap, retrieval) and the preventive
maintenance plan.

A work order is created and dispatched by operations (``terminals.dispatch_work_order``), assigned to a
field engineer with a time window, started and completed by that engineer (``terminals.field_work``)
with a checklist of its kind, the merchant's sign-off name, the time spent and photos. Every move goes
through ``acquirer.workflow.advance`` (``WORK_ORDER_MOVES``) and is audited with the work order as
target and ``{"terminal": pk}`` in the data, so the terminal's timeline shows it.
"""

import json
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.http import FileResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acquirer import audit, policy, roles
from acquirer.batches import in_batches
from acquirer.exceptions import DomainError, TransitionNotAllowed
from acquirer.models import User
from acquirer.services.notifications import notify, notify_role
from acquirer.workflow import advance
from merchants.models import Merchant
from terminals.models import Terminal, TerminalPhoto, Ticket, WorkOrder
from terminals.policy import DOES_FIELD_WORK, WORK_ORDER_ACTIONS
from terminals.services.numbering import day_numbers
from terminals.services.photos import check_photos, discard_photos, photo_download, store_photos
from terminals.workflow import WORK_ORDER_MOVES

W = WorkOrder.Status
K = WorkOrder.Kind
FOLDER = "terminals"
MAX_PHOTOS = 12
MAX_MINUTES = 24 * 60
OPEN_STATUSES = (W.OPEN, W.ASSIGNED, W.IN_PROGRESS)
CLOSED_STATUSES = (W.DONE, W.CANCELLED)
# Merchants a field visit can be sent to (a terminated merchant still gets its terminals retrieved).
VISITABLE = {Merchant.Status.APPROVED, Merchant.Status.ACTIVE, Merchant.Status.SUSPENDED,
             Merchant.Status.TERMINATED}

# What the engineer confirms on site, per kind of work order: key -> question (answered yes or no).
CHECKLISTS = {
    K.SURVEY: {
        "power": gettext_lazy("Power socket available at the counter"),
        "network_signal": gettext_lazy("Network available with enough signal"),
        "counter_space": gettext_lazy("Enough counter space for the terminal"),
        "photos_taken": gettext_lazy("Photos of the counter and the premises taken"),
    },
    K.INSTALLATION: {
        "mounted": gettext_lazy("Terminal mounted at the agreed counter position"),
        "power_network": gettext_lazy("Power and network connected"),
        "parameters_loaded": gettext_lazy("Parameters loaded (MID, TID, settlement method)"),
        "test_sale_void": gettext_lazy("Test sale and its void done"),
        "merchant_trained": gettext_lazy("Merchant staff trained"),
        "receipt_header": gettext_lazy("Receipt shows the merchant name and MID"),
    },
    K.MAINTENANCE: {
        "cleaned": gettext_lazy("Terminal cleaned (card readers, keypad, printer)"),
        "cables_battery": gettext_lazy("Cables and battery checked"),
        "paper_stock": gettext_lazy("Paper roll stock checked and topped up"),
        "software_version": gettext_lazy("Software and firmware version checked"),
    },
    K.REPAIR: {
        "fault_diagnosed": gettext_lazy("Fault reproduced and diagnosed"),
        "fault_fixed": gettext_lazy("Faulty part repaired or replaced"),
        "test_sale": gettext_lazy("Test sale done after the repair"),
        "merchant_confirmed": gettext_lazy("Merchant confirmed the terminal works"),
    },
    K.SWAP: {
        "old_retrieved": gettext_lazy("Old terminal retrieved"),
        "new_installed": gettext_lazy("New terminal installed with the same parameters"),
        "test_sale": gettext_lazy("Test sale done on the new terminal"),
    },
    K.RETRIEVAL: {
        "collected": gettext_lazy("Terminal and accessories collected"),
        "merchant_signed": gettext_lazy("Merchant signed the retrieval note"),
    },
}


# --- helpers ----------------------------------------------------------------------------------

def _lock(work_order: WorkOrder) -> WorkOrder:
    return (WorkOrder.objects.select_for_update(of=("self",)).select_related("merchant", "terminal", "engineer")
            .get(pk=work_order.pk))


def _data(work_order: WorkOrder, **extra) -> dict:
    return {"terminal": work_order.terminal_id, "number": work_order.number, "kind": work_order.kind, **extra}


def _check_window(window_start: datetime | None, window_end: datetime | None, *, required: bool) -> None:
    if window_start is None and window_end is None:
        if required:
            raise DomainError(_("Give the time window of the visit (from and until)."))
        return
    if window_start is None or window_end is None:
        raise DomainError(_("Give both ends of the time window (from and until)."))
    if window_end <= window_start:
        raise DomainError(_("The time window must end after it starts (from %(start)s until %(end)s).")
                          % {"start": timezone.localtime(window_start).strftime("%Y-%m-%d %H:%M"),
                             "end": timezone.localtime(window_end).strftime("%Y-%m-%d %H:%M")})


def _create(*, actor: User | None, kind: str, merchant: Merchant, terminal: Terminal | None, ticket: Ticket | None,
            address: str, window_start, window_end, instructions: str, data: dict | None = None) -> WorkOrder:
    if kind not in K.values:
        raise DomainError(_("Choose the type of work order."))
    if merchant.status not in VISITABLE:
        raise DomainError(_("Field visits are only sent to approved, active, suspended or terminated merchants "
                            "(this one is %(status)s).") % {"status": merchant.get_status_display()})
    if ticket is not None:
        if ticket.merchant_id != merchant.pk:
            raise DomainError(_("The ticket %(ticket)s is not one of this merchant's.") % {"ticket": ticket.number})
        if terminal is None:
            terminal = ticket.terminal
    if terminal is not None and terminal.merchant_id != merchant.pk:
        raise DomainError(_("The terminal %(serial)s is not placed at this merchant.")
                          % {"serial": terminal.serial_number})
    _check_window(window_start, window_end, required=False)
    address = (address or "").strip() or (terminal.install_address if terminal else "") or merchant.address
    work_order = WorkOrder.objects.create(
        number=day_numbers(WorkOrder, "WO")[0], kind=kind, merchant=merchant, terminal=terminal, ticket=ticket,
        address=address[:300], window_start=window_start, window_end=window_end,
        instructions=(instructions or "").strip(), created_by=actor)
    audit.record("work_order.created", actor=actor, target=work_order,
                 after={"kind": kind, "status": work_order.status, "address": work_order.address,
                        "window_start": window_start, "window_end": window_end},
                 data=_data(work_order, ticket=ticket.number if ticket else None, **(data or {})))
    return work_order


# --- dispatch -----------------------------------------------------------------------------------

@transaction.atomic
def work_order_create(*, actor: User, kind: str, merchant: Merchant, terminal: Terminal | None = None,
                      ticket: Ticket | None = None, address: str = "", window_start: datetime | None = None,
                      window_end: datetime | None = None, instructions: str = "") -> WorkOrder:
    """A new, open work order (numbered per day). The address defaults to the terminal's installation
    address, then the merchant's business address; a ticket's terminal is taken when none is given."""
    policy.require(actor, WORK_ORDER_ACTIONS["create"])
    return _create(actor=actor, kind=kind, merchant=merchant, terminal=terminal, ticket=ticket, address=address,
                   window_start=window_start, window_end=window_end, instructions=instructions)


@transaction.atomic
def work_order_assign(*, actor: User, work_order: WorkOrder, engineer: User, window_start: datetime | None = None,
                      window_end: datetime | None = None) -> WorkOrder:
    """Assign an open work order to a field engineer with a window (open -> assigned), or re-assign an
    assigned one (engineer and/or window change, the status stays)."""
    policy.require(actor, WORK_ORDER_ACTIONS["assign"])
    work_order = _lock(work_order)
    if not policy.permitted(engineer, DOES_FIELD_WORK):
        raise DomainError(_("%(user)s is not an active field engineer.") % {"user": engineer.get_username()})
    window_start = window_start or work_order.window_start
    window_end = window_end or work_order.window_end
    _check_window(window_start, window_end, required=True)
    before = {"engineer": work_order.engineer.get_username() if work_order.engineer else None,
              "window_start": work_order.window_start, "window_end": work_order.window_end}
    after = {"engineer": engineer.get_username(), "window_start": window_start, "window_end": window_end}
    work_order.engineer = engineer
    work_order.window_start = window_start
    work_order.window_end = window_end
    fields = ("engineer", "window_start", "window_end")
    if work_order.status == W.ASSIGNED:
        if before == after:
            return work_order
        work_order.save(update_fields=fields)
        audit.record("work_order.reassigned", actor=actor, target=work_order, before=before, after=after,
                     data=_data(work_order))
    else:
        advance(work_order, to=W.ASSIGNED, moves=WORK_ORDER_MOVES, actor=actor, action="work_order.assigned",
                data=_data(work_order, **after), extra_fields=fields)
    local_start = timezone.localtime(window_start)
    notify(recipient=engineer, kind="work_order.assigned",
           title=gettext_lazy("Field job %(number)s on %(day)s"),
           body=gettext_lazy("%(kind)s at %(merchant)s, %(address)s, %(start)s–%(end)s."),
           params={"number": work_order.number, "day": local_start.strftime("%Y-%m-%d"),
                   "kind": str(work_order.get_kind_display()), "merchant": str(work_order.merchant),
                   "address": work_order.address, "start": local_start.strftime("%H:%M"),
                   "end": timezone.localtime(window_end).strftime("%H:%M")},
           url=reverse("ops:workorder-detail", kwargs={"pk": work_order.pk}))
    return work_order


@transaction.atomic
def work_order_cancel(*, actor: User, work_order: WorkOrder, reason: str) -> WorkOrder:
    policy.require(actor, WORK_ORDER_ACTIONS["cancel"])
    reason = (reason or "").strip()
    if len(reason) < 3:
        raise DomainError(_("Please give a reason of at least 3 characters."))
    work_order = _lock(work_order)
    return advance(work_order, to=W.CANCELLED, moves=WORK_ORDER_MOVES, actor=actor, action="work_order.cancelled",
                   data=_data(work_order, reason=reason[:500]))


# --- field work ---------------------------------------------------------------------------------

@transaction.atomic
def work_order_start(*, actor: User, work_order: WorkOrder) -> WorkOrder:
    """The assigned engineer arrives on site: assigned -> in progress."""
    work_order = _lock(work_order)
    policy.require(actor, WORK_ORDER_ACTIONS["start"], work_order)
    return advance(work_order, to=W.IN_PROGRESS, moves=WORK_ORDER_MOVES, actor=actor, action="work_order.started",
                   data=_data(work_order))


def clean_checklist(kind: str, checklist) -> dict[str, bool]:
    """Every item of the kind's checklist answered yes or no; unknown items refused."""
    items = CHECKLISTS.get(kind, {})
    if not isinstance(checklist, dict):
        raise DomainError(_("Answer every checklist item."))
    unknown = sorted(set(checklist) - set(items))
    if unknown:
        raise DomainError(_("Unknown checklist items: %(items)s.") % {"items": ", ".join(map(str, unknown))})
    missing = [str(items[key]) for key in items if checklist.get(key) is None]
    if missing:
        raise DomainError(_("Answer every checklist item; missing: %(items)s.") % {"items": "; ".join(missing)})
    not_boolean = [str(items[key]) for key in items if not isinstance(checklist[key], bool)]
    if not_boolean:
        raise DomainError(_("Checklist answers are yes or no: %(items)s.") % {"items": "; ".join(not_boolean)})
    return {key: checklist[key] for key in items}


def _check_photos(photos) -> list:
    return check_photos(photos, limit=MAX_PHOTOS)


@transaction.atomic
def work_order_complete(*, actor: User, work_order: WorkOrder, checklist: dict, signed_off_by: str,
                        minutes_spent: int, completion_notes: str = "", photos=()) -> WorkOrder:
    """The assigned engineer finishes the job: in progress -> done, with the evidence.

    Every checklist item is answered; an unmet item needs completion notes. Completing a maintenance
    visit plans the terminal's next preventive maintenance.
    """
    work_order = _lock(work_order)
    policy.require(actor, WORK_ORDER_ACTIONS["complete"], work_order)
    if W.DONE not in WORK_ORDER_MOVES.get(work_order.status, ()):
        raise TransitionNotAllowed(_("Only a work order in progress can be completed (%(number)s is %(status)s).")
                                   % {"number": work_order.number, "status": work_order.get_status_display()})
    answers = clean_checklist(work_order.kind, checklist)
    signed_off_by = (signed_off_by or "").strip()
    if not signed_off_by:
        raise DomainError(_("Enter the name of the merchant's person who signed off the visit."))
    if len(signed_off_by) > 100:
        raise DomainError(_("The sign-off name is at most 100 characters."))
    if isinstance(minutes_spent, bool) or not isinstance(minutes_spent, int) or not 1 <= minutes_spent <= MAX_MINUTES:
        raise DomainError(_("Time spent must be a whole number of minutes from 1 to %(max)d.") % {"max": MAX_MINUTES})
    completion_notes = (completion_notes or "").strip()
    unmet = [key for key, done in answers.items() if not done]
    if unmet and len(completion_notes) < 5:
        raise DomainError(_("Some checklist items are not met: explain why in the completion notes (%(items)s).")
                          % {"items": "; ".join(str(CHECKLISTS[work_order.kind][key]) for key in unmet)})
    checked = _check_photos(photos)
    stored = []
    try:
        store_photos(checked, actor=actor, folder=FOLDER, stored=stored, work_order=work_order,
                     merchant=work_order.merchant, terminal=work_order.terminal)
        work_order.checklist = answers
        work_order.signed_off_by = signed_off_by
        work_order.minutes_spent = minutes_spent
        work_order.completion_notes = completion_notes
        work_order.completed_at = timezone.now()
        advance(work_order, to=W.DONE, moves=WORK_ORDER_MOVES, actor=actor, action="work_order.completed",
                data=_data(work_order, checklist=answers, unmet=unmet, signed_off_by=signed_off_by,
                           minutes_spent=minutes_spent, photos=len(stored)),
                extra_fields=("checklist", "signed_off_by", "minutes_spent", "completion_notes", "completed_at"))
        if work_order.kind == K.MAINTENANCE and work_order.terminal_id:
            _plan_next_maintenance(actor=actor, work_order=work_order)
    except BaseException:
        discard_photos(stored)
        raise
    return work_order


def _plan_next_maintenance(*, actor: User, work_order: WorkOrder) -> None:
    terminal = Terminal.objects.select_for_update().get(pk=work_order.terminal_id)
    previous = terminal.next_maintenance_due
    due = timezone.localdate(work_order.completed_at) + timedelta(days=settings.ACQUIRER_MAINTENANCE_INTERVAL_DAYS)
    terminal.next_maintenance_due = due
    terminal.save(update_fields=["next_maintenance_due"])
    audit.record("terminal.maintenance_planned", actor=actor, target=terminal,
                 before={"next_maintenance_due": previous}, after={"next_maintenance_due": due},
                 data={"work_order": work_order.number, "terminal": terminal.pk,
                       "interval_days": settings.ACQUIRER_MAINTENANCE_INTERVAL_DAYS})


# --- photos ---------------------------------------------------------------------------------------

@transaction.atomic
def work_order_photo_download(*, actor: User, photo: TerminalPhoto) -> FileResponse:
    """A work order's photo as an attachment; every download is audited."""
    action = WORK_ORDER_ACTIONS["photo_download"]
    policy.require(actor, action, photo)
    return photo_download(actor=actor, photo=photo, action=action.audit_action, target=photo.work_order)


# --- preventive maintenance ------------------------------------------------------------------------

# The batch's new maintenance visits arrive as one JSON document of [number, merchant id, terminal id, address]
# arrays; every other column is what a new work order has (``WorkOrder``'s defaults: open, no engineer, no window).
_INSERT_MAINTENANCE = f"""
INSERT INTO {WorkOrder._meta.db_table} (number, kind, merchant_id, terminal_id, address, status, status_changed_at,
    instructions, checklist, signed_off_by, completion_notes, created_at)
SELECT r->>0, %(kind)s, (r->>1)::bigint, (r->>2)::bigint, r->>3, %(status)s, %(now)s, %(instructions)s, '{{}}',
    '', '', %(now)s
FROM jsonb_array_elements(%(rows)s::jsonb) AS r
RETURNING id, terminal_id
"""


def _maintenance_batch(first_id: int, last_id: int, *, today: date) -> tuple[int, list[str]]:
    """One batch of the maintenance plan, the due terminals with ids from ``first_id`` to ``last_id``: lock them
    (skipping those another transaction holds), one query for their open maintenance visits, the new work orders
    numbered in one counter update, inserted in one statement and audited in one more. Returns (due, numbers
    created)."""
    terminals = list(Terminal.objects.select_for_update(skip_locked=True, of=("self",))
                     .filter(pk__gte=first_id, pk__lte=last_id, status=Terminal.Status.ACTIVE,
                             next_maintenance_due__lte=today)
                     .order_by("next_maintenance_due", "id")
                     .values_list("id", "merchant_id", "install_address", "merchant__address", "next_maintenance_due"))
    planned = set(WorkOrder.objects.filter(kind=K.MAINTENANCE, terminal_id__gte=first_id, terminal_id__lte=last_id)
                  .exclude(status__in=CLOSED_STATUSES).values_list("terminal_id", flat=True))
    todo = [terminal for terminal in terminals if terminal[0] not in planned]
    if not todo:
        return len(terminals), []
    instructions = str(gettext_lazy("Preventive maintenance: cleaning, cables and battery, paper, software version."))
    numbers = day_numbers(WorkOrder, "WO", len(todo))
    rows = [[number, merchant_id, terminal_id, (install_address or merchant_address)[:300]]
            for number, (terminal_id, merchant_id, install_address, merchant_address, _) in zip(numbers, todo,
                                                                                               strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_MAINTENANCE, {"kind": K.MAINTENANCE, "status": W.OPEN, "now": timezone.now(),
                                             "instructions": instructions, "rows": json.dumps(rows)})
        created = {terminal_id: order_id for order_id, terminal_id in cursor.fetchall()}
    label = WorkOrder._meta.label_lower
    audit.record_many([
        # the order as the audit names it (WorkOrder.__str__: its number), and what work_order_create records
        {"action": "work_order.created", "target": audit.Ref(label, created[terminal_id], number, merchant_id),
         "after": {"kind": K.MAINTENANCE.value, "status": W.OPEN.value, "address": address, "window_start": None,
                   "window_end": None},
         "data": {"terminal": terminal_id, "number": number, "kind": K.MAINTENANCE.value, "ticket": None,
                  "due": due.isoformat(), "source": "maintenance plan"}}
        for (number, merchant_id, terminal_id, address), (*_, due) in zip(rows, todo, strict=True)])
    return len(terminals), numbers


def maintenance_create_due(*, today: date | None = None) -> dict:
    """One maintenance work order for every active terminal whose preventive maintenance is due and that
    has no open maintenance visit yet, in batches of terminals each committed on its own; operations managers
    are told once. Running it again creates nothing."""
    today = today or timezone.localdate()
    due = Terminal.objects.filter(status=Terminal.Status.ACTIVE, next_maintenance_due__lte=today).values_list("id")
    counts = {"due": 0, "created": 0, "already_planned": 0}
    first_numbers: list[str] = []
    for batch in in_batches(due):
        with transaction.atomic():
            # the batch as its id range (what the query sees again under the locks): no thousand ids to send back
            found, numbers = _maintenance_batch(batch[0][0], batch[-1][0], today=today)
        counts["due"] += found
        counts["created"] += len(numbers)
        counts["already_planned"] += found - len(numbers)
        first_numbers = (first_numbers + numbers)[:20]
    if counts["created"]:
        notify_role(role=roles.OPERATIONS_MANAGER, kind="work_order.maintenance_due",
                    title=gettext_lazy("%(count)s preventive maintenance visits to dispatch"),
                    body=gettext_lazy("The maintenance plan created %(count)s work orders (%(numbers)s). Assign "
                                      "them to field engineers."),
                    params={"count": counts["created"], "numbers": ", ".join(first_numbers)},
                    url=reverse("ops:workorder-list") + "?kind=maintenance&status=open")
    return counts
