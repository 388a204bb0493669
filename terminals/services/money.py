"""Terminal money: the deposit taken when a terminal is placed (the contract's amount) and refunded or
forfeited when it comes back; monthly rent charged once per terminal and month from the contract in force,
suspension for unpaid rent and reactivation once everything overdue is paid or waived. Audited."""

import calendar
import json
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acquirer import audit, policy
from acquirer.batches import in_batches
from acquirer.exceptions import DomainError
from acquirer.models import User
from acquirer.services.notifications import notify
from acquirer.workflow import advance
from merchants.selectors.contracts import contract_in_force, contracts_for_period
from merchants.selectors.merchants import merchant_owner
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
    for batch in in_batches(Terminal.objects.filter(status=T.ACTIVE, pk__in=overdue).values("id")):
        with transaction.atomic():
            suspended += _suspend_batch([row["id"] for row in batch], cutoff)
    return suspended


def _suspend_batch(terminal_ids: list[int], cutoff: date) -> int:
    """The move active -> suspended (``TERMINAL_MOVES``) for the batch's terminals still active, set-based:
    one update, one audit insert; each merchant's owner is told per terminal."""
    terminals = list(Terminal.objects.select_for_update(of=("self",)).filter(pk__in=terminal_ids, status=T.ACTIVE)
                     .only("id", "merchant_id", "serial_number", "status").order_by("pk"))
    if not terminals:
        return 0
    charges: dict[int, list[RentCharge]] = {}
    for charge in (RentCharge.objects.filter(terminal__in=terminals, status=R.DUE, due_on__lt=cutoff)
                   .only("id", "terminal_id", "month", "amount", "currency").order_by("terminal_id", "month")):
        charges.setdefault(charge.terminal_id, []).append(charge)
    reason = Terminal.SuspendReason.UNPAID_RENT
    Terminal.objects.filter(pk__in=[t.pk for t in terminals]).update(
        status=T.SUSPENDED, status_changed_at=timezone.now(), suspend_reason=reason)
    audit.record_many([
        {"action": "terminal.suspended", "target": terminal, "before": {"status": str(T.ACTIVE)},
         "after": {"status": str(T.SUSPENDED)},
         "data": {"reason": reason, "charges": [c.pk for c in charges.get(terminal.pk, [])],
                  "months": [f"{c.month:%Y-%m}" for c in charges.get(terminal.pk, [])]}}
        for terminal in terminals])
    owners: dict[int, User | None] = {}
    for terminal in terminals:
        if terminal.merchant_id not in owners:
            owners[terminal.merchant_id] = merchant_owner(terminal.merchant_id)
        if owners[terminal.merchant_id] is not None:
            _tell_suspended(owners[terminal.merchant_id], terminal, charges.get(terminal.pk, []))
    return len(terminals)


def _tell_suspended(owner: User, terminal: Terminal, charges: list[RentCharge]) -> None:
    total = sum((c.amount for c in charges), Decimal("0.00"))
    notify(recipient=owner, kind="terminal.suspended_unpaid_rent",
           title=gettext_lazy("Terminal %(serial)s suspended: rent unpaid"),
           body=gettext_lazy("The rent of terminal %(serial)s for %(months)s (%(total)s %(currency)s) is "
                             "more than %(days)s days overdue, so the terminal was suspended. It is "
                             "reactivated as soon as the overdue rent is paid."),
           params={"serial": terminal.serial_number, "months": ", ".join(f"{c.month:%Y-%m}" for c in charges),
                   "total": total, "currency": charges[0].currency if charges else "CNY",
                   "days": settings.ACQUIRER_RENT_SUSPEND_AFTER_DAYS},
           url=_url("portal:terminal-detail", pk=terminal.pk))


def _rented_in(month: date):
    """Terminals that owe rent for ``month``: at a merchant, active or suspended, rented by the month's end."""
    return (Terminal.objects.filter(status__in=RENTED, merchant__isnull=False, rent_start__isnull=False,
                                    rent_start__lte=month_end(month))
            .only("id", "merchant_id", "rent_start", "serial_number"))


_INSERT_CHARGES = f"""
INSERT INTO {RentCharge._meta.db_table} (terminal_id, merchant_id, month, amount, currency, status,
    status_changed_at, due_on, contract_version, days, days_in_month, credit_reason, created_at)
SELECT r.terminal_id, r.merchant_id, %(month)s, r.amount, r.currency, %(status)s, %(now)s, %(due_on)s,
    r.contract_version, r.days, r.days_in_month, '', %(now)s
FROM jsonb_to_recordset(%(rows)s::jsonb) AS r(terminal_id bigint, merchant_id bigint, amount numeric,
    currency text, contract_version integer, days integer, days_in_month integer)
ON CONFLICT (terminal_id, month) DO NOTHING
RETURNING id, terminal_id
"""


def _insert_charges(rows: list[dict], *, month: date, due_on: date) -> dict[int, int]:
    """Insert the batch's charges in one statement (the rows as one JSON document, cheaper to send than
    arrays); terminal id -> new charge id for those not charged yet (the unique (terminal, month) constraint
    skips the others)."""
    if not rows:
        return {}
    document = json.dumps([{"terminal_id": r["terminal"].pk, "merchant_id": r["terminal"].merchant_id,
                            "amount": str(r["amount"]), "currency": r["contract"].currency,
                            "contract_version": r["contract"].version, "days": r["days"],
                            "days_in_month": r["days_in_month"]} for r in rows])
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_CHARGES, {"month": month, "status": R.DUE, "now": timezone.now(), "due_on": due_on,
                                         "rows": document})
        return {terminal_id: charge_id for charge_id, terminal_id in cursor.fetchall()}


def _charge_batch(terminals: list[Terminal], *, month: date, due_on: date, counts: dict,
                  skipped_merchants: set[int]) -> None:
    """One batch of the rent job: its merchants' contracts in one query, the amounts in Python, the charges in
    one insert and their audit events in one more."""
    contracts = contracts_for_period({t.merchant_id for t in terminals}, month, month_end(month))
    rows = []
    for terminal in terminals:
        contract = contracts.get(terminal.merchant_id)
        if contract is None or contract.monthly_rent <= 0:
            counts["skipped_no_contract" if contract is None else "skipped_no_rent"] += 1
            skipped_merchants.add(terminal.merchant_id)
            continue
        amount, days, in_month = rent_for_month(monthly_rent=contract.monthly_rent, month=month,
                                                contract_start=contract.start_date, contract_end=contract.end_date,
                                                rent_start=terminal.rent_start)
        if days == 0:  # the terminal's rent starts after the contract's term ends
            counts["skipped_no_contract"] += 1
            skipped_merchants.add(terminal.merchant_id)
            continue
        rows.append({"terminal": terminal, "contract": contract, "amount": amount, "days": days,
                     "days_in_month": in_month})
    inserted = _insert_charges(rows, month=month, due_on=due_on)
    counts["charged"] += len(inserted)
    counts["already_charged"] += len(rows) - len(inserted)
    audit.record_many([_charged_event(row, inserted[row["terminal"].pk], month=month, due_on=due_on)
                       for row in rows if row["terminal"].pk in inserted])


def _charged_event(row: dict, charge_id: int, *, month: date, due_on: date) -> dict:
    terminal, contract = row["terminal"], row["contract"]
    # the charge as the audit names it (RentCharge.__str__), without building a model instance per row
    charge = audit.Ref(RentCharge._meta.label_lower, charge_id, f"{terminal} {month:%Y-%m}", terminal.merchant_id)
    return {"action": "rent.charged", "target": charge,
            # written as the audit trail writes them (text), which spares it a JSON round trip per charge
            "after": {"amount": str(row["amount"]), "currency": contract.currency, "due_on": due_on.isoformat()},
            "data": {"terminal": terminal.pk, "month": f"{month:%Y-%m}", "contract_version": contract.version,
                     "days": row["days"], "days_in_month": row["days_in_month"]}}


def rent_charge_month(*, month: date | None = None, today: date | None = None) -> dict:
    """The scheduled job: one rent charge per active or suspended terminal and month for the days of the month
    inside the term of a countersigned contract and from the terminal's rent start (pro rata by day), due on
    the month's due day or later, never in the past; then suspend active terminals whose rent is overdue.

    Walks the terminals in batches (``acquirer.batches``), each committed on its own so no transaction (nor
    the audit chain lock) is held for the whole run. Safe to run any number of times, and a run that stopped
    half way is finished by the next: the unique (terminal, month) constraint keeps one charge, a suspended
    terminal is not suspended again."""
    month = month_start(month)
    today = today or timezone.localdate(timezone=RENT_TIMEZONE)
    due_on = rent_due_on(month, today)
    counts = {"month": f"{month:%Y-%m}", "charged": 0, "already_charged": 0, "skipped_no_contract": 0,
              "skipped_no_rent": 0, "merchants_skipped": 0, "suspended": 0}
    skipped_merchants: set[int] = set()
    for terminals in in_batches(_rented_in(month)):
        with transaction.atomic():
            _charge_batch(terminals, month=month, due_on=due_on, counts=counts, skipped_merchants=skipped_merchants)
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
