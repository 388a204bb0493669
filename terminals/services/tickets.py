"""Maintenance tickets (faults): raised by the merchant in the portal or by customer service from a
phone call; SLA clocks in business hours (``terminals.services.sla``) with breach detection and escalation to
the operations managers; remote diagnosis, on-site dispatch as a repair work order, spare parts,
resolution code, confirmation or reopening by the merchant; and the swap of a faulty terminal for a
stock terminal that takes over the same parameters.

Every move follows ``TICKET_MOVES`` through ``acquirer.workflow.advance`` and is audited with
``{"terminal": pk}`` in its data so that the terminal's timeline shows it."""

from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import FileResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acquirer import audit, policy, roles
from acquirer.batches import in_batches
from acquirer.exceptions import DomainError, TransitionNotAllowed
from acquirer.models import User
from acquirer.services.notifications import notify, notify_many, notify_role, role_members
from acquirer.workflow import advance
from merchants.selectors.merchants import merchant_owner
from terminals.models import Installation, SparePartUse, Terminal, TerminalPhoto, Ticket, WorkOrder
from terminals.policy import DOES_FIELD_WORK, HANDLES_TICKETS, TICKET_ACTIONS
from terminals.services.numbering import day_numbers
from terminals.services.photos import check_photos, discard_photos, photo_download, store_photos
from terminals.services.sla import add_business_hours
from terminals.workflow import OPEN_TICKET_STATUSES as OPEN_STATUSES
from terminals.workflow import TERMINAL_MOVES, TICKET_MOVES
from terminals.workflow import TICKET_PLACED as PLACED

K = Ticket.Status
T = Terminal.Status
FOLDER = "tickets"
MAX_PHOTOS = 6
MAX_QUANTITY = 99
# A swap replaces a live terminal; one suspended for risk or unpaid rent is not swapped around the
# suspension (the replacement would go live in its place).
SWAPPABLE = {T.ACTIVE, T.SUSPENDED}
NOT_SWAPPABLE_REASONS = {Terminal.SuspendReason.RISK, Terminal.SuspendReason.UNPAID_RENT}
# The parameters a replacement takes over from the terminal it replaces.
SWAP_PARAMETERS = ("mid", "tid", "settlement_method", "comm_settings", "install_address", "install_latitude",
                   "install_longitude", "region_code", "admin_password_hash")

RESOLUTION_CODES = {
    "remote_fix": gettext_lazy("Fixed remotely"),
    "onsite_repair": gettext_lazy("Repaired on site"),
    "part_replaced": gettext_lazy("Part replaced"),
    "swapped": gettext_lazy("Terminal swapped"),
    "consumables": gettext_lazy("Consumables supplied"),
    "operator_training": gettext_lazy("Operator trained"),
    "no_fault_found": gettext_lazy("No fault found"),
}
CLOCKS = {"response": gettext_lazy("response"), "resolution": gettext_lazy("resolution")}


# --- helpers ----------------------------------------------------------------------------------

def _lock(ticket: Ticket) -> Ticket:
    return (Ticket.objects.select_for_update(of=("self",)).select_related("merchant", "terminal")
            .get(pk=ticket.pk))


def _sla_hours(severity: str) -> tuple[int, int]:
    response, resolution = settings.ACQUIRER_TICKET_SLA_HOURS[severity]
    return response, resolution


def _data(ticket: Ticket, **extra) -> dict:
    return {"terminal": ticket.terminal_id, "ticket": ticket.number, **extra}


def _respond(ticket: Ticket, now: datetime) -> list[str]:
    """The first staff action on a ticket stops its response clock."""
    if ticket.responded_at is None:
        ticket.responded_at = now
        return ["responded_at"]
    return []


def _check_move(ticket: Ticket, to: str) -> None:
    """Refuse early a move ``TICKET_MOVES`` does not allow (``advance`` checks again when moving)."""
    if to not in TICKET_MOVES.get(ticket.status, ()):
        raise TransitionNotAllowed(_("Ticket %(number)s is “%(status)s”: it cannot go to “%(target)s”.")
                                   % {"number": ticket.number, "status": ticket.get_status_display(),
                                      "target": K(to).label})


def _create_numbered(model, prefix: str, **fields):
    """Create a row numbered ``<prefix>-YYYYMMDD-NNNN`` (the next number of the day's counter)."""
    return model.objects.create(number=day_numbers(model, prefix)[0], **fields)


def _check_photos(photos) -> list:
    return check_photos(photos, limit=MAX_PHOTOS)


def _portal_url(ticket: Ticket) -> str:
    return reverse("portal:ticket-detail", kwargs={"pk": ticket.pk})


def _ops_url(ticket: Ticket) -> str:
    return reverse("ops:ticket-detail", kwargs={"pk": ticket.pk})


def _clean_text(value: str, message: str, minimum: int = 5) -> str:
    value = (value or "").strip()
    if len(value) < minimum:
        raise DomainError(message)
    return value


# --- raise ------------------------------------------------------------------------------------

@transaction.atomic
def ticket_raise(*, actor: User, terminal: Terminal, category: str, severity: str, description: str,
                 channel: str, photos=(), raised_at: datetime | None = None) -> Ticket:
    """Report a fault on a terminal placed at its merchant.

    A merchant user reports on its own terminals in the portal; customer service (``handle_ticket``)
    records a phone call on behalf of the terminal's merchant, possibly back-dated to the time the call
    came in (``raised_at``). The SLA clocks start at ``raised_at``.
    """
    now = timezone.now()
    by_merchant = actor is not None and actor.is_authenticated and actor.kind == User.Kind.MERCHANT
    if by_merchant:
        policy.require(actor, TICKET_ACTIONS["report"], terminal)
        if channel != Ticket.Channel.PORTAL:
            raise DomainError(_("Merchants report faults through the portal."))
        if raised_at is not None:
            raise DomainError(_("A fault reported in the portal is raised now."))
    else:
        policy.require(actor, TICKET_ACTIONS["record_call"])
        if channel != Ticket.Channel.PHONE:
            raise DomainError(_("Staff record faults reported by phone."))
    raised_at = raised_at or now
    if raised_at > now:
        raise DomainError(_("A ticket cannot be raised in the future."))
    if category not in Ticket.Category.values:
        raise DomainError(_("Choose the category of the fault."))
    if severity not in Ticket.Severity.values:
        raise DomainError(_("Choose the severity of the fault."))
    description = _clean_text(description, _("Describe the fault (at least 5 characters)."))
    terminal = Terminal.objects.select_for_update().get(pk=terminal.pk)
    if by_merchant:  # the terminal may have moved meanwhile
        policy.require(actor, TICKET_ACTIONS["report"], terminal)
    if terminal.status not in PLACED or terminal.merchant_id is None:
        raise DomainError(_("Terminal %(serial)s is %(status)s: faults are reported on terminals installed at a "
                            "merchant.") % {"serial": terminal.serial_number, "status": terminal.get_status_display()})
    checked = _check_photos(photos)
    response_hours, resolution_hours = _sla_hours(severity)
    stored = []
    try:
        ticket = _create_numbered(
            Ticket, "TK", merchant_id=terminal.merchant_id, terminal=terminal, channel=channel, category=category,
            severity=severity, description=description, raised_by=actor, raised_at=raised_at,
            status=K.OPEN, status_changed_at=now,
            response_due=add_business_hours(raised_at, response_hours),
            resolution_due=add_business_hours(raised_at, resolution_hours))
        store_photos(checked, actor=actor, folder=FOLDER, stored=stored, terminal=terminal,
                     merchant_id=terminal.merchant_id, ticket=ticket)
        audit.record("ticket.raised", actor=actor, target=ticket,
                     after={"status": K.OPEN, "response_due": ticket.response_due,
                            "resolution_due": ticket.resolution_due},
                     data=_data(ticket, channel=channel, category=category, severity=severity,
                                raised_at=raised_at, photos=len(stored)))
    except BaseException:
        discard_photos(stored)
        raise
    notify_role(role=roles.CUSTOMER_SERVICE, kind="ticket.raised",
                title=gettext_lazy("New ticket %(number)s: %(severity)s fault on terminal %(serial)s"),
                body=gettext_lazy("%(merchant)s: %(description)s (response due %(due)s)"),
                params={"number": ticket.number, "severity": Ticket.Severity(severity).label,
                        "serial": terminal.serial_number,
                        "merchant": str(ticket.merchant), "description": description[:300],
                        "due": timezone.localtime(ticket.response_due).strftime("%Y-%m-%d %H:%M")},
                url=_ops_url(ticket))
    return ticket


# --- staff work -------------------------------------------------------------------------------

@transaction.atomic
def ticket_assign(*, actor: User, ticket: Ticket, assignee: User) -> Ticket:
    """Give the ticket to a member of staff who handles tickets (the status does not change)."""
    ticket = _lock(ticket)
    policy.require(actor, TICKET_ACTIONS["assign"], ticket)
    if not policy.permitted(assignee, HANDLES_TICKETS):
        raise DomainError(_("%(user)s cannot handle tickets.") % {"user": assignee})
    before = ticket.assignee_id
    ticket.assignee = assignee
    fields = ["assignee", *_respond(ticket, timezone.now())]
    ticket.save(update_fields=fields)
    audit.record("ticket.assigned", actor=actor, target=ticket, before={"assignee": before},
                 after={"assignee": assignee.pk}, data=_data(ticket, assignee=assignee.get_username()))
    if assignee.pk != actor.pk:
        notify(recipient=assignee, kind="ticket.assigned", title=gettext_lazy("Ticket %(number)s assigned to you"),
               body=gettext_lazy("%(merchant)s, terminal %(serial)s: %(description)s"),
               params={"number": ticket.number, "merchant": str(ticket.merchant),
                       "serial": ticket.terminal.serial_number, "description": ticket.description[:300]},
               url=_ops_url(ticket))
    return ticket


@transaction.atomic
def ticket_diagnose(*, actor: User, ticket: Ticket, note: str) -> Ticket:
    """Start remote diagnosis (open -> diagnosing); the ticket goes to the actor if nobody has it."""
    policy.require(actor, TICKET_ACTIONS["diagnose"], ticket)
    ticket = _lock(ticket)
    note = _clean_text(note, _("Write what you checked or asked the merchant (at least 5 characters)."))
    now = timezone.now()
    fields = _respond(ticket, now)
    if ticket.assignee_id is None:
        ticket.assignee = actor
        fields.append("assignee")
    advance(ticket, to=K.DIAGNOSING, moves=TICKET_MOVES, actor=actor, action="ticket.diagnosing",
            data=_data(ticket, note=note), extra_fields=tuple(fields))
    return ticket


@transaction.atomic
def ticket_dispatch(*, actor: User, ticket: Ticket, engineer: User, window_start: datetime,
                    window_end: datetime) -> WorkOrder:
    """Send an engineer on site: a repair work order assigned to ``engineer``; the ticket is dispatched."""
    policy.require(actor, TICKET_ACTIONS["dispatch"], ticket)
    ticket = _lock(ticket)
    _check_move(ticket, K.DISPATCHED)
    if not policy.permitted(engineer, DOES_FIELD_WORK):
        raise DomainError(_("%(user)s is not a field engineer.") % {"user": engineer})
    if window_start is None or window_end is None or window_end <= window_start:
        raise DomainError(_("The visit window must end after it starts."))
    now = timezone.now()
    if window_end <= now:
        raise DomainError(_("The visit window is already over; choose a window in the future."))
    terminal = ticket.terminal
    order = _create_numbered(
        WorkOrder, "WO", kind=WorkOrder.Kind.REPAIR, merchant_id=ticket.merchant_id, terminal=terminal,
        ticket=ticket, address=terminal.install_address, engineer=engineer, window_start=window_start,
        window_end=window_end, status=WorkOrder.Status.ASSIGNED, status_changed_at=now,
        instructions=_("Ticket %(number)s (%(category)s): %(description)s")
        % {"number": ticket.number, "category": ticket.get_category_display(), "description": ticket.description},
        created_by=actor)
    audit.record("work_order.created", actor=actor, target=order,
                 after={"status": order.status, "engineer": engineer.pk},
                 data={"terminal": terminal.pk, "ticket": ticket.number, "kind": order.kind,
                       "window_start": window_start, "window_end": window_end})
    fields = _respond(ticket, now)
    advance(ticket, to=K.DISPATCHED, moves=TICKET_MOVES, actor=actor, action="ticket.dispatched",
            data=_data(ticket, work_order=order.number, engineer=engineer.get_username()),
            extra_fields=tuple(fields))
    notify(recipient=engineer, kind="work_order.assigned",
           title=gettext_lazy("Repair visit %(number)s: %(merchant)s"),
           body=gettext_lazy("Ticket %(ticket)s, terminal %(serial)s at %(address)s, from %(start)s to %(end)s."),
           params={"number": order.number, "merchant": str(ticket.merchant), "ticket": ticket.number,
                   "serial": terminal.serial_number, "address": terminal.install_address,
                   "start": timezone.localtime(window_start).strftime("%Y-%m-%d %H:%M"),
                   "end": timezone.localtime(window_end).strftime("%Y-%m-%d %H:%M")},
           url=_ops_url(ticket))
    return order


@transaction.atomic
def ticket_add_part(*, actor: User, ticket: Ticket, part: str, quantity: int) -> SparePartUse:
    """Record a spare part used on the ticket's terminal."""
    ticket = _lock(ticket)
    policy.require(actor, TICKET_ACTIONS["add_part"], ticket)
    part = _clean_text(part, _("Name the spare part."), minimum=2)[:100]
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
        raise DomainError(_("The quantity must be a whole number from 1 to %(max)d.") % {"max": MAX_QUANTITY})
    use = SparePartUse.objects.create(ticket=ticket, merchant_id=ticket.merchant_id, part=part, quantity=quantity,
                                      recorded_by=actor)
    fields = _respond(ticket, timezone.now())
    if fields:
        ticket.save(update_fields=fields)
    audit.record("ticket.part_used", actor=actor, target=ticket, data=_data(ticket, part=part, quantity=quantity))
    return use


@transaction.atomic
def ticket_resolve(*, actor: User, ticket: Ticket, resolution_code: str, notes: str) -> Ticket:
    """Resolve the fault with a resolution code; the merchant is asked to confirm (or reopen)."""
    policy.require(actor, TICKET_ACTIONS["resolve"], ticket)
    ticket = _lock(ticket)
    if resolution_code not in RESOLUTION_CODES:
        raise DomainError(_("Choose a resolution code."))
    notes = (notes or "").strip()
    if resolution_code == "swapped" and not Installation.objects.filter(
            swap_of_id=ticket.terminal_id, recorded_at__gte=ticket.raised_at).exists():
        raise DomainError(_("No swap was recorded for this ticket's terminal: swap it first, or choose another "
                            "resolution code."))
    now = timezone.now()
    fields = _respond(ticket, now)
    ticket.resolved_at = now
    ticket.resolution_code = resolution_code
    ticket.resolution_notes = notes
    advance(ticket, to=K.RESOLVED, moves=TICKET_MOVES, actor=actor, action="ticket.resolved",
            data=_data(ticket, resolution_code=resolution_code, notes=notes),
            extra_fields=("resolved_at", "resolution_code", "resolution_notes", *fields))
    owner = merchant_owner(ticket.merchant_id)
    if owner is not None:
        notify(recipient=owner, kind="ticket.resolved",
               title=gettext_lazy("Your ticket %(number)s is resolved"),
               body=gettext_lazy("Terminal %(serial)s: %(resolution)s. %(notes)s Please confirm the fix, or reopen "
                                 "the ticket if the fault persists."),
               params={"number": ticket.number, "serial": ticket.terminal.serial_number,
                       "resolution": RESOLUTION_CODES[resolution_code], "notes": notes},
               url=_portal_url(ticket))
    return ticket


# --- the merchant -----------------------------------------------------------------------------

@transaction.atomic
def ticket_confirm(*, actor: User, ticket: Ticket) -> Ticket:
    """The merchant confirms the fix: the ticket is closed."""
    policy.require(actor, TICKET_ACTIONS["confirm"], ticket)
    ticket = _lock(ticket)
    ticket.closed_at = timezone.now()
    advance(ticket, to=K.CLOSED, moves=TICKET_MOVES, actor=actor, action="ticket.closed",
            data=_data(ticket), extra_fields=("closed_at",))
    return ticket


@transaction.atomic
def ticket_reopen(*, actor: User, ticket: Ticket, reason: str) -> Ticket:
    """The fault persists: the ticket opens again with a new resolution clock from now."""
    policy.require(actor, TICKET_ACTIONS["reopen"], ticket)
    ticket = _lock(ticket)
    reason = _clean_text(reason, _("Tell us what is still wrong (at least 3 characters)."), minimum=3)
    now = timezone.now()
    before = {"resolution_due": ticket.resolution_due, "resolution_code": ticket.resolution_code}
    _check_move(ticket, K.OPEN)
    ticket.reopen_count += 1
    ticket.resolution_due = add_business_hours(now, _sla_hours(ticket.severity)[1])
    ticket.resolved_at = None
    ticket.resolution_code = ""
    ticket.resolution_notes = ""
    ticket.resolution_breached_at = None  # the new resolution clock may breach again
    advance(ticket, to=K.OPEN, moves=TICKET_MOVES, actor=actor, action="ticket.reopened",
            data=_data(ticket, reason=reason, reopen_count=ticket.reopen_count, previous=before,
                       resolution_due=ticket.resolution_due),
            extra_fields=("reopen_count", "resolution_due", "resolved_at", "resolution_code",
                          "resolution_notes", "resolution_breached_at"))
    notify_role(role=roles.CUSTOMER_SERVICE, kind="ticket.reopened",
                title=gettext_lazy("Ticket %(number)s reopened by the merchant"),
                body=gettext_lazy("%(merchant)s: %(reason)s"),
                params={"number": ticket.number, "merchant": str(ticket.merchant), "reason": reason},
                url=_ops_url(ticket))
    if ticket.assignee_id and ticket.assignee.is_active:
        notify(recipient=ticket.assignee, kind="ticket.reopened",
               title=gettext_lazy("Ticket %(number)s reopened by the merchant"),
               body=gettext_lazy("%(merchant)s: %(reason)s"),
               params={"number": ticket.number, "merchant": str(ticket.merchant), "reason": reason},
               url=_ops_url(ticket))
    return ticket


# --- swap -------------------------------------------------------------------------------------

@transaction.atomic
def terminal_swap(*, actor: User, ticket: Ticket, replacement: Terminal, engineer: User,
                  installed_on: date) -> Installation:
    """Replace the ticket's faulty terminal by a stock terminal that takes over the same parameters.

    The faulty terminal goes to the repair bench (its TID released); the replacement is installed at the
    merchant with the faulty one's MID, TID, settlement method, communication settings, address and admin
    password hash. It still has to be tested and put live by the lifecycle services.
    """
    ticket = _lock(ticket)
    policy.require(actor, TICKET_ACTIONS["swap"], ticket)
    if not policy.permitted(engineer, DOES_FIELD_WORK):
        raise DomainError(_("%(user)s is not a field engineer.") % {"user": engineer})
    if not isinstance(installed_on, date) or installed_on > timezone.localdate():
        raise DomainError(_("The installation date cannot be in the future."))
    if replacement.pk == ticket.terminal_id:
        raise DomainError(_("A terminal cannot replace itself."))
    # lock both terminals in a fixed order
    locked = {t.pk: t for t in Terminal.objects.select_for_update().filter(pk__in=[ticket.terminal_id,
                                                                                    replacement.pk]).order_by("pk")}
    faulty, replacement = locked[ticket.terminal_id], locked[replacement.pk]
    if faulty.status not in SWAPPABLE or faulty.merchant_id != ticket.merchant_id:
        raise DomainError(_("Terminal %(serial)s is %(status)s: only an active or suspended terminal at the merchant "
                            "can be swapped.") % {"serial": faulty.serial_number,
                                                  "status": faulty.get_status_display()})
    if faulty.status == T.SUSPENDED and faulty.suspend_reason in NOT_SWAPPABLE_REASONS:
        raise DomainError(_("Terminal %(serial)s is suspended (%(reason)s): it cannot be swapped until the "
                            "suspension is lifted.") % {"serial": faulty.serial_number,
                                                         "reason": faulty.get_suspend_reason_display()})
    if replacement.status != T.IN_STOCK:
        raise DomainError(_("Replacement terminal %(serial)s is not in stock (it is %(status)s).")
                          % {"serial": replacement.serial_number, "status": replacement.get_status_display()})
    if replacement.merchant_id is not None and replacement.merchant_id != ticket.merchant_id:
        raise DomainError(_("Replacement terminal %(serial)s is held for another merchant; it cannot be used for "
                            "this merchant's ticket.") % {"serial": replacement.serial_number})
    if T.INSTALLED not in TERMINAL_MOVES[T.IN_STOCK] or T.UNDER_REPAIR not in TERMINAL_MOVES[faulty.status]:
        raise DomainError(_("The terminal workflow does not allow a swap."))
    parameters = {name: getattr(faulty, name) for name in SWAP_PARAMETERS}
    # the faulty terminal releases its TID first (TIDs are unique), then goes to the repair bench
    faulty.tid = None
    faulty.custodian = Terminal.Custodian.REPAIR
    faulty.custodian_user = None
    advance(faulty, to=T.UNDER_REPAIR, moves=TERMINAL_MOVES, actor=actor, action="terminal.swapped_out",
            data={"terminal": faulty.pk, "ticket": ticket.number, "replacement": replacement.serial_number,
                  "tid_released": parameters["tid"]},
            extra_fields=("tid", "custodian", "custodian_user"))
    for name, value in parameters.items():
        setattr(replacement, name, value)
    replacement.merchant_id = ticket.merchant_id
    replacement.custodian = Terminal.Custodian.MERCHANT
    replacement.custodian_user = None
    advance(replacement, to=T.INSTALLED, moves=TERMINAL_MOVES, actor=actor, action="terminal.swapped_in",
            data={"terminal": replacement.pk, "ticket": ticket.number, "swap_of": faulty.serial_number,
                  "mid": parameters["mid"], "tid": parameters["tid"],
                  "settlement_method": parameters["settlement_method"], "engineer": engineer.get_username(),
                  "installed_on": installed_on},
            extra_fields=(*SWAP_PARAMETERS, "merchant", "custodian", "custodian_user"))
    installation = Installation.objects.create(
        terminal=replacement, merchant_id=ticket.merchant_id, engineer=engineer, installed_on=installed_on,
        mid=parameters["mid"], tid=parameters["tid"] or "", settlement_method=parameters["settlement_method"],
        comm_settings=parameters["comm_settings"], swap_of=faulty)
    fields = _respond(ticket, timezone.now())
    if fields:
        ticket.save(update_fields=fields)
    audit.record("ticket.swapped", actor=actor, target=ticket,
                 data=_data(ticket, faulty=faulty.serial_number, replacement=replacement.serial_number,
                            replacement_terminal=replacement.pk, installation=installation.pk))
    return installation


# --- photos -----------------------------------------------------------------------------------

@transaction.atomic
def ticket_photo_download(*, actor: User, photo: TerminalPhoto) -> FileResponse:
    """A ticket photo as an attachment; audited. The caller scoped ``photo``."""
    if photo.ticket_id is None:
        raise DomainError(_("This photo does not belong to a ticket."))
    action = TICKET_ACTIONS["photo_download"]
    policy.require(actor, action, photo)
    return photo_download(actor=actor, photo=photo, action=action.audit_action, target=photo.ticket)


# --- the SLA job ------------------------------------------------------------------------------

def _escalation_notices(ticket: Ticket, clocks: list[str], managers: list[User]) -> list[dict]:
    params = {"number": ticket.number,
              "clocks": format_lazy(", ".join("{}" for _c in clocks), *(CLOCKS[c] for c in clocks)),
              "merchant": str(ticket.merchant), "serial": ticket.terminal.serial_number,
              "severity": Ticket.Severity(ticket.severity).label,
              "raised": timezone.localtime(ticket.raised_at).strftime("%Y-%m-%d %H:%M")}
    return [{"recipient": manager, "kind": "ticket.escalated",
             "title": gettext_lazy("SLA breached: ticket %(number)s (%(clocks)s)"),
             "body": gettext_lazy("%(merchant)s, terminal %(serial)s, severity %(severity)s: the %(clocks)s "
                                  "target was missed. Raised %(raised)s."),
             "params": params, "url": _ops_url(ticket)} for manager in managers]


def _stamp_breaches(ticket: Ticket, now: datetime) -> list[str]:
    """Stamp the ticket's clocks past due and not stamped yet (and its escalation); the clocks stamped."""
    clocks = []
    if ticket.responded_at is None and ticket.response_breached_at is None and ticket.response_due < now:
        ticket.response_breached_at = now
        clocks.append("response")
    if ticket.resolution_breached_at is None and ticket.resolution_due < now:
        ticket.resolution_breached_at = now
        clocks.append("resolution")
    return clocks


def _check_sla_batch(ticket_ids: list[int], *, now: datetime, managers: list[User], counts: dict) -> None:
    """One batch of the SLA check: lock the batch's tickets still breached (skipping those a person is
    changing), then one update of the stamps and one insert each for the audit events and the notifications."""
    tickets = list(Ticket.objects.select_for_update(of=("self",), skip_locked=True)
                   .select_related("merchant", "terminal")
                   .filter(_breached(now), pk__in=ticket_ids, status__in=OPEN_STATUSES).order_by("raised_at", "id"))
    counts["checked"] += len(tickets)
    stamped, events, notices = [], [], []
    for ticket in tickets:
        clocks = _stamp_breaches(ticket, now)
        if not clocks:
            continue
        stamped.append(ticket)
        for name in clocks:
            counts[f"{name}_breached"] += 1
            due = ticket.response_due if name == "response" else ticket.resolution_due
            events.append({"action": "ticket.sla_breached", "target": ticket, "actor_label": "system",
                           "data": _data(ticket, clock=name, due=due, detected_at=now, severity=ticket.severity)})
        if ticket.escalated_at is None:
            ticket.escalated_at = now
            counts["escalated"] += 1
            events.append({"action": "ticket.escalated", "target": ticket, "actor_label": "system",
                           "data": _data(ticket, clocks=clocks, to=roles.OPERATIONS_MANAGER)})
            notices.extend(_escalation_notices(ticket, clocks, managers))
    Ticket.objects.bulk_update(stamped, ["response_breached_at", "resolution_breached_at", "escalated_at"])
    audit.record_many(events)
    notify_many(notices)


def tickets_check_sla(now: datetime | None = None) -> dict:
    """Stamp SLA breaches of open tickets and escalate each ticket once to the operations managers, in
    batches of tickets each committed on its own.

    Safe to run any number of times: a breach is stamped once, a ticket is escalated once."""
    now = now or timezone.now()
    candidates = Ticket.objects.filter(_breached(now), status__in=OPEN_STATUSES).values("id")
    managers = role_members(roles.OPERATIONS_MANAGER)
    counts = {"checked": 0, "response_breached": 0, "resolution_breached": 0, "escalated": 0}
    for batch in in_batches(candidates):
        with transaction.atomic():
            _check_sla_batch([row["id"] for row in batch], now=now, managers=managers, counts=counts)
    return counts


def _breached(now: datetime) -> Q:
    """Tickets with a clock past due that is not stamped yet."""
    response = Q(responded_at__isnull=True, response_breached_at__isnull=True, response_due__lt=now)
    resolution = Q(resolution_breached_at__isnull=True, resolution_due__lt=now)
    return response | resolution
