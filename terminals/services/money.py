"""Terminal money: the deposit taken when a terminal is placed (the contract's amount) and refunded or
forfeited when it comes back; monthly rent charged once per terminal and month from the contract in force,
suspension for unpaid rent and reactivation once everything overdue is paid or waived. Audited."""

import calendar
import json
from collections import Counter
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acquirer import audit, policy
from acquirer.batches import each_batch, in_batches
from acquirer.exceptions import DomainError
from acquirer.models import User
from acquirer.services.notifications import notify, notify_many
from acquirer.workflow import advance
from merchants.selectors.contracts import contract_in_force, contracts_for_period
from merchants.selectors.merchants import merchant_owner, merchant_owners
from terminals.models import DepositMovement, RentCharge, Terminal
from terminals.roles import MANAGE_MONEY
from terminals.workflow import RENT_MOVES, TERMINAL_MOVES

T = Terminal.Status
D = Terminal.Deposit
R = RentCharge.Status
CENT = Decimal("0.01")
RENT_TIMEZONE = ZoneInfo("Asia/Shanghai")
# At (or on the way to) a merchant: a deposit can be taken.
PLACED = {T.ALLOCATED, T.SURVEYED, T.SHIPPED, T.DELIVERED, T.INSTALLED, T.TESTED, T.ACTIVE, T.SUSPENDED}
# Back from the merchant: a held deposit can be refunded (good condition) or forfeited.
RETURNED = {T.IN_STOCK, T.UNDER_REPAIR}
RENTED = {T.ACTIVE, T.SUSPENDED}




def _url(name: str, **kwargs) -> str:
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return ""


def _lock_terminal(terminal: Terminal) -> Terminal:
    return Terminal.objects.select_for_update(of=("self",)).select_related("merchant", "model").get(pk=terminal.pk)


def _amount(value) -> Decimal:
    if isinstance(value, float | bool):
        raise DomainError(_("The amount must be a decimal number of yuan."))
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise DomainError(_("The amount must be a decimal number of yuan.")) from None
    if not amount.is_finite() or amount < 0:
        raise DomainError(_("The amount must be a decimal number of yuan."))
    if amount != amount.quantize(CENT):
        raise DomainError(_("The amount has at most 2 decimals (fen)."))
    return amount.quantize(CENT)


def month_start(value: date | None = None) -> date:
    """The first day of ``value``'s month (default: this month in Asia/Shanghai)."""
    value = value or timezone.localdate(timezone=RENT_TIMEZONE)
    return value.replace(day=1)


def month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def rent_due_on(month: date, today: date | None = None) -> date:
    """The month's due day, but never in the past: a charge created after it (a late start, a job that did
    not run) is due ``ACQUIRER_RENT_DUE_AFTER_DAYS`` after ``today``."""
    due = month.replace(day=min(settings.ACQUIRER_RENT_DUE_DAY, calendar.monthrange(month.year, month.month)[1]))
    if today is not None and due < today:
        due = today + timedelta(days=settings.ACQUIRER_RENT_DUE_AFTER_DAYS)
    return due


def rent_for_month(*, monthly_rent: Decimal, month: date, contract_start: date, contract_end: date,
                   rent_start: date) -> tuple[Decimal, int, int]:
    """(amount, days billed, days in the month): the days of ``month`` inside the contract term (both dates
    included) and from the terminal's rent start, pro rata by day, rounded half up to the fen."""
    first = max(month, contract_start, rent_start)
    last = min(month_end(month), contract_end)
    in_month = month_end(month).day
    days = max((last - first).days + 1, 0)
    if days >= in_month:
        return monthly_rent, in_month, in_month
    amount = (monthly_rent * days / in_month).quantize(CENT, rounding=ROUND_HALF_UP)
    return amount, days, in_month


# --- deposits ---------------------------------------------------------------------------------

def deposit_expected(terminal: Terminal) -> tuple[Decimal, str] | None:
    """The deposit of the merchant's contract in force, with its currency (None: no contract)."""
    if terminal.merchant_id is None:
        return None
    contract = contract_in_force(terminal.merchant)
    return (contract.deposit, contract.currency) if contract else None


@transaction.atomic
def deposit_take(*, actor: User, terminal: Terminal, amount: Decimal, reference: str = "") -> DepositMovement:
    """Record the deposit paid for a terminal placed at a merchant: exactly the contract's amount."""
    policy.require_permission(actor, MANAGE_MONEY)
    terminal = _lock_terminal(terminal)
    if terminal.status not in PLACED or terminal.merchant_id is None:
        raise DomainError(_("A deposit is taken only for a terminal placed at a merchant (this one is %(status)s).")
                          % {"status": terminal.get_status_display()})
    if terminal.deposit_state == D.HELD:
        raise DomainError(_("The deposit of terminal %(serial)s is already held.")
                          % {"serial": terminal.serial_number})
    amount = _amount(amount)
    contract = contract_in_force(terminal.merchant)
    if contract is None:
        raise DomainError(_("%(merchant)s has no contract in force: the deposit amount is not agreed yet.")
                          % {"merchant": terminal.merchant.legal_name})
    if contract.deposit <= 0:
        raise DomainError(_("The contract of %(merchant)s (version %(version)s) asks for no terminal deposit.")
                          % {"merchant": terminal.merchant.legal_name, "version": contract.version})
    if amount != contract.deposit:
        raise DomainError(_("The contract in force (version %(version)s) sets the deposit at %(expected)s "
                            "%(currency)s; you entered %(amount)s.")
                          % {"version": contract.version, "expected": contract.deposit,
                             "currency": contract.currency, "amount": amount})
    movement = DepositMovement.objects.create(terminal=terminal, merchant_id=terminal.merchant_id,
                                              kind=DepositMovement.Kind.TAKEN, amount=amount,
                                              currency=contract.currency, reference=(reference or "").strip()[:60],
                                              recorded_by=actor)
    before = terminal.deposit_state
    terminal.deposit_state = D.HELD
    terminal.save(update_fields=["deposit_state"])
    audit.record("deposit.taken", actor=actor, target=terminal, before={"deposit_state": before},
                 after={"deposit_state": D.HELD},
                 data={"movement": movement.pk, "amount": amount, "currency": movement.currency,
                       "reference": movement.reference, "contract_version": contract.version})
    return movement


@transaction.atomic
def deposit_refund(*, actor: User, terminal: Terminal, condition_ok: bool, reference: str = "") -> DepositMovement:
    """Settle the held deposit of a terminal returned to stock: refunded when it came back in good condition,
    forfeited otherwise."""
    policy.require_permission(actor, MANAGE_MONEY)
    terminal = _lock_terminal(terminal)
    if terminal.deposit_state != D.HELD:
        raise DomainError(_("No deposit is held for terminal %(serial)s.") % {"serial": terminal.serial_number})
    if terminal.status not in RETURNED:
        raise DomainError(_("The deposit is settled only once the terminal is back from the merchant (it is "
                            "%(status)s).") % {"status": terminal.get_status_display()})
    taken = (DepositMovement.objects.filter(terminal=terminal, kind=DepositMovement.Kind.TAKEN)
             .order_by("-recorded_at", "-id").first())
    if taken is None:
        raise DomainError(_("No deposit payment is recorded for terminal %(serial)s.")
                          % {"serial": terminal.serial_number})
    kind = DepositMovement.Kind.REFUNDED if condition_ok else DepositMovement.Kind.FORFEITED
    movement = DepositMovement.objects.create(terminal=terminal, merchant_id=taken.merchant_id, kind=kind,
                                              amount=taken.amount, currency=taken.currency,
                                              reference=(reference or "").strip()[:60], recorded_by=actor)
    terminal.deposit_state = D.REFUNDED if condition_ok else D.FORFEITED
    terminal.save(update_fields=["deposit_state"])
    audit.record(f"deposit.{kind}", actor=actor, target=terminal, merchant_id=taken.merchant_id,
                 before={"deposit_state": D.HELD}, after={"deposit_state": terminal.deposit_state},
                 data={"movement": movement.pk, "amount": movement.amount, "currency": movement.currency,
                       "reference": movement.reference, "condition_ok": bool(condition_ok)})
    return movement


# --- rent -------------------------------------------------------------------------------------

def _suspend_unpaid(today: date) -> int:
    """Suspend active terminals with rent overdue past the grace days, a batch of terminals per transaction."""
    cutoff = today - timedelta(days=settings.ACQUIRER_RENT_SUSPEND_AFTER_DAYS)
    overdue = RentCharge.objects.filter(status=R.DUE, due_on__lt=cutoff).values("terminal_id")
    suspended = 0
    for batch in in_batches(Terminal.objects.filter(status=T.ACTIVE, pk__in=overdue).values_list("id")):
        with transaction.atomic():
            suspended += _suspend_batch([terminal_id for terminal_id, in batch], cutoff)
    return suspended


def _suspend_batch(terminal_ids: list[int], cutoff: date) -> int:
    """The move active -> suspended (``TERMINAL_MOVES``) for the batch's terminals still active, set-based:
    one update, one audit insert, the merchants' owners in one query and told in one insert (a notification
    per terminal)."""
    terminals = list(Terminal.objects.select_for_update(of=("self",)).filter(pk__in=terminal_ids, status=T.ACTIVE)
                     .order_by("pk").values_list("id", "merchant_id", "serial_number"))
    if not terminals:
        return 0
    charges: dict[int, list[tuple]] = {}
    for terminal_id, *charge in (RentCharge.objects
                                 .filter(terminal_id__in=[t[0] for t in terminals], status=R.DUE, due_on__lt=cutoff)
                                 .order_by("terminal_id", "month")
                                 .values_list("terminal_id", "id", "month", "amount", "currency")):
        charges.setdefault(terminal_id, []).append(charge)
    reason = Terminal.SuspendReason.UNPAID_RENT
    Terminal.objects.filter(pk__in=[t[0] for t in terminals]).update(
        status=T.SUSPENDED, status_changed_at=timezone.now(), suspend_reason=reason)
    label = Terminal._meta.label_lower
    audit.record_many([
        {"action": "terminal.suspended", "target": audit.Ref(label, terminal_id, serial, merchant_id),
         "before": {"status": str(T.ACTIVE)}, "after": {"status": str(T.SUSPENDED)},
         "data": {"reason": reason, "charges": [charge_id for charge_id, *_ in charges.get(terminal_id, [])],
                  "months": [f"{month:%Y-%m}" for _, month, *_ in charges.get(terminal_id, [])]}}
        for terminal_id, merchant_id, serial in terminals])
    owners = merchant_owners({merchant_id for _, merchant_id, _ in terminals})
    notify_many([_suspended_notice(owners[merchant_id], terminal_id, serial, charges.get(terminal_id, []))
                 for terminal_id, merchant_id, serial in terminals if merchant_id in owners])
    return len(terminals)


def _suspended_notice(owner: User, terminal_id: int, serial: str, charges: list[tuple]) -> dict:
    """What the owner is told about one terminal suspended for unpaid rent (``charges``: (id, month, amount,
    currency) of its overdue rent)."""
    total = sum((amount for _, _, amount, _ in charges), Decimal("0.00"))
    return dict(recipient=owner, kind="terminal.suspended_unpaid_rent",
                title=gettext_lazy("Terminal %(serial)s suspended: rent unpaid"),
                body=gettext_lazy("The rent of terminal %(serial)s for %(months)s (%(total)s %(currency)s) is "
                                  "more than %(days)s days overdue, so the terminal was suspended. It is "
                                  "reactivated as soon as the overdue rent is paid."),
                params={"serial": serial, "months": ", ".join(f"{month:%Y-%m}" for _, month, _, _ in charges),
                        "total": total, "currency": charges[0][3] if charges else "CNY",
                        "days": settings.ACQUIRER_RENT_SUSPEND_AFTER_DAYS},
                url=_url("portal:terminal-detail", pk=terminal_id))


def _rented_in(month: date):
    """Terminals that owe rent for ``month``: at a merchant, active or suspended, rented by the month's end. As
    (id, merchant id, rent start, serial number) tuples, all the job reads of them (no model instance per row)."""
    return (Terminal.objects.filter(status__in=RENTED, merchant__isnull=False, rent_start__isnull=False,
                                    rent_start__lte=month_end(month))
            .values_list("id", "merchant_id", "rent_start", "serial_number"))


@lru_cache(maxsize=4096)
def _rent_terms(monthly_rent: Decimal, month: date, contract_start: date, contract_end: date,
                rent_start: date) -> tuple[Decimal, int, int]:
    """:func:`rent_for_month`, worked out once per contract and rent start (a few hundred in a run of a million
    terminals) rather than per terminal."""
    return rent_for_month(monthly_rent=monthly_rent, month=month, contract_start=contract_start,
                          contract_end=contract_end, rent_start=rent_start)


# The batch's charges arrive as one JSON document of [terminal id, merchant id, amount, currency, contract version,
# days, days in month] arrays (cheaper to write and send than objects or arrays of parameters).
_INSERT_CHARGES = f"""
INSERT INTO {RentCharge._meta.db_table} (terminal_id, merchant_id, month, amount, currency, status,
    status_changed_at, due_on, contract_version, days, days_in_month, credit_reason, created_at)
SELECT (r->>0)::bigint, (r->>1)::bigint, %(month)s, (r->>2)::numeric, r->>3, %(status)s, %(now)s, %(due_on)s,
    (r->>4)::integer, (r->>5)::integer, (r->>6)::integer, '', %(now)s
FROM jsonb_array_elements(%(rows)s::jsonb) AS r
ON CONFLICT (terminal_id, month) DO NOTHING
RETURNING id, terminal_id
"""


def _insert_charges(rows: list[list], *, month: date, due_on: date) -> dict[int, int]:
    """Insert the batch's charges (``_INSERT_CHARGES`` arrays, the amount as text) in one statement; terminal id
    -> new charge id for those not charged yet (the unique (terminal, month) constraint skips the others)."""
    if not rows:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_CHARGES, {"month": month, "status": R.DUE, "now": timezone.now(), "due_on": due_on,
                                         "rows": json.dumps(rows)})
        return {terminal_id: charge_id for charge_id, terminal_id in cursor.fetchall()}


def _charge_batch(terminals: list[tuple], *, month: date, due_on: date, counts: dict,
                  skipped_merchants: set[int]) -> None:
    """One batch of the rent job: its merchants' contracts in one query, the amounts in Python, the charges in
    one insert and their audit events in one more."""
    # the merchants of the batch's id range, as a subquery (the database joins them faster than a thousand ids
    # are sent to it); a merchant of a terminal in the range that owes no rent only adds a contract not used
    merchants = Terminal.objects.filter(pk__gte=terminals[0][0], pk__lte=terminals[-1][0]).values("merchant_id")
    contracts = contracts_for_period(merchants, month, month_end(month))
    rows, serials = [], {}
    for terminal_id, merchant_id, rent_start, serial in terminals:
        contract = contracts.get(merchant_id)
        if contract is None or contract.monthly_rent <= 0:
            counts["skipped_no_contract" if contract is None else "skipped_no_rent"] += 1
            skipped_merchants.add(merchant_id)
            continue
        amount, days, in_month = _rent_terms(contract.monthly_rent, month, contract.start_date, contract.end_date,
                                             rent_start)
        if days == 0:  # the terminal's rent starts after the contract's term ends
            counts["skipped_no_contract"] += 1
            skipped_merchants.add(merchant_id)
            continue
        rows.append([terminal_id, merchant_id, str(amount), contract.currency, contract.version, days, in_month])
        serials[terminal_id] = serial
    inserted = _insert_charges(rows, month=month, due_on=due_on)
    counts["charged"] += len(inserted)
    counts["already_charged"] += len(rows) - len(inserted)
    # the events of the new charges, in terminal order; what every one of them shares is worked out once
    label, month_text, due_text = RentCharge._meta.label_lower, f"{month:%Y-%m}", due_on.isoformat()
    audit.record_many([
        # the charge as the audit names it (RentCharge.__str__), and its amount and due day as the trail writes them
        {"action": "rent.charged",
         "target": audit.Ref(label, inserted[terminal_id], f"{serials[terminal_id]} {month_text}", merchant_id),
         "after": {"amount": amount, "currency": currency, "due_on": due_text},
         "data": {"terminal": terminal_id, "month": month_text, "contract_version": version, "days": days,
                  "days_in_month": in_month}}
        for terminal_id, merchant_id, amount, currency, version, days, in_month in rows if terminal_id in inserted])


def rent_charge_month(*, month: date | None = None, today: date | None = None) -> dict:
    """The scheduled job: one rent charge per active or suspended terminal and month for the days of the month
    inside the term of a countersigned contract and from the terminal's rent start (pro rata by day), due on
    the month's due day or later, never in the past; then suspend active terminals whose rent is overdue.

    Walks the terminals in batches (``acquirer.batches.each_batch``: two at a time), each committed on its own
    so no transaction (nor the audit chain lock) is held for the whole run. Safe to run any number of times, and
    a run that stopped half way is finished by the next: the unique (terminal, month) constraint keeps one
    charge, a suspended terminal is not suspended again."""
    month = month_start(month)
    today = today or timezone.localdate(timezone=RENT_TIMEZONE)
    due_on = rent_due_on(month, today)
    counts = {"month": f"{month:%Y-%m}", "charged": 0, "already_charged": 0, "skipped_no_contract": 0,
              "skipped_no_rent": 0, "merchants_skipped": 0, "suspended": 0}
    skipped_merchants: set[int] = set()

    def charge(terminals) -> tuple[Counter, set[int]]:
        batch_counts, batch_skipped = Counter(), set()
        with transaction.atomic():
            _charge_batch(terminals, month=month, due_on=due_on, counts=batch_counts,
                          skipped_merchants=batch_skipped)
        return batch_counts, batch_skipped

    for batch_counts, batch_skipped in each_batch(_rented_in(month), charge):
        for name, value in batch_counts.items():
            counts[name] += value
        skipped_merchants |= batch_skipped
    counts["merchants_skipped"] = len(skipped_merchants)
    counts["suspended"] = _suspend_unpaid(today)
    return counts


def _lock_charge(charge: RentCharge) -> RentCharge:
    return RentCharge.objects.select_for_update(of=("self",)).select_related("terminal").get(pk=charge.pk)


def _reactivate_if_clear(*, actor: User, terminal_id: int, today: date) -> bool:
    """A terminal suspended for unpaid rent goes live again once no charge is left overdue."""
    terminal = Terminal.objects.select_for_update(of=("self",)).get(pk=terminal_id)
    if terminal.status != T.SUSPENDED or terminal.suspend_reason != Terminal.SuspendReason.UNPAID_RENT:
        return False
    if RentCharge.objects.filter(terminal=terminal, status=R.DUE, due_on__lt=today).exists():
        return False
    terminal.suspend_reason = ""
    advance(terminal, to=T.ACTIVE, moves=TERMINAL_MOVES, actor=actor, action="terminal.reactivated",
            data={"reason": "rent_settled"}, extra_fields=("suspend_reason",))
    return True


@transaction.atomic
def rent_mark_paid(*, actor: User, charge: RentCharge, reference: str) -> RentCharge:
    """Record the payment of a rent charge; paying the last overdue charge reactivates a terminal that was
    suspended for unpaid rent."""
    policy.require_permission(actor, MANAGE_MONEY)
    reference = (reference or "").strip()
    if not reference:
        raise DomainError(_("Give the payment reference (bank transfer or receipt number)."))
    charge = _lock_charge(charge)
    advance(charge, to=R.PAID, moves=RENT_MOVES, actor=actor, action="rent.paid",
            data={"terminal": charge.terminal_id, "reference": reference[:60], "amount": charge.amount,
                  "currency": charge.currency, "month": f"{charge.month:%Y-%m}"})
    _reactivate_if_clear(actor=actor, terminal_id=charge.terminal_id, today=timezone.localdate())
    return charge


@transaction.atomic
def rent_waive(*, actor: User, charge: RentCharge, reason: str) -> RentCharge:
    """Waive a rent charge (with a reason); like a payment it can lift a suspension for unpaid rent."""
    policy.require_permission(actor, MANAGE_MONEY)
    reason = (reason or "").strip()
    if len(reason) < 3:
        raise DomainError(_("Please give a reason of at least 3 characters."))
    charge = _lock_charge(charge)
    advance(charge, to=R.WAIVED, moves=RENT_MOVES, actor=actor, action="rent.waived",
            data={"terminal": charge.terminal_id, "reason": reason[:200], "amount": charge.amount,
                  "currency": charge.currency, "month": f"{charge.month:%Y-%m}"})
    _reactivate_if_clear(actor=actor, terminal_id=charge.terminal_id, today=timezone.localdate())
    return charge



@transaction.atomic
def rent_credit(*, actor: User, charge: RentCharge, reason: str) -> RentCharge:
    """Credit back a charge created wrongly (due: it is no longer owed; paid: the amount is owed back to the
    merchant). Operations managers only, with a reason; the merchant's owner is told."""
    policy.require_permission(actor, MANAGE_MONEY)  # operations managers
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise DomainError(_("Give the reason for the credit (at least 5 characters)."))
    charge = _lock_charge(charge)
    was = charge.status
    charge.credit_reason = reason[:200]
    advance(charge, to=R.CREDITED, moves=RENT_MOVES, actor=actor, action="rent.credited",
            data={"terminal": charge.terminal_id, "reason": charge.credit_reason, "amount": charge.amount,
                  "currency": charge.currency, "month": f"{charge.month:%Y-%m}", "was_paid": was == R.PAID},
            extra_fields=("credit_reason",))
    _reactivate_if_clear(actor=actor, terminal_id=charge.terminal_id, today=timezone.localdate())
    owner = merchant_owner(charge.merchant_id)
    if owner is not None:
        notify(recipient=owner, kind="rent.credited",
               title=gettext_lazy("Rent of %(serial)s for %(month)s credited back"),
               body=(gettext_lazy("The rent charge of %(amount)s %(currency)s was credited back and will be "
                                  "refunded to you. Reason: %(reason)s") if was == R.PAID else
                     gettext_lazy("The rent charge of %(amount)s %(currency)s was credited back: you do not owe "
                                  "it. Reason: %(reason)s")),
               params={"serial": charge.terminal.serial_number, "month": f"{charge.month:%Y-%m}",
                       "amount": charge.amount, "currency": charge.currency, "reason": charge.credit_reason},
               url=_url("portal:terminal-detail", pk=charge.terminal_id))
    return charge
