"""The terminal lifecycle, one service per move (docs/terminals.md):

in stock → allocated → surveyed → shipped → delivered → installed → tested → active ⇄ suspended,
active/suspended → under repair → active | in stock | retired; back to stock from any placed status;
in stock → retired; deletion only while in stock and never placed.

Every service locks the terminal (``select_for_update``), checks the actor's permission and the guards,
moves through ``acquirer.workflow.advance`` with ``TERMINAL_MOVES`` and audits with ``target=terminal``.
Parameters are cleaned and changed in ``terminals.services.parameters``, photos stored through
``terminals.services.photos``. The terminal admin password is stored only as a hash and never audited.
"""

import re
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from acquirer import audit, policy
from acquirer.exceptions import DomainError, TransitionNotAllowed
from acquirer.models import User
from acquirer.workflow import advance
from merchants.models import Merchant
from merchants.selectors.contracts import contract_in_force
from terminals.models import Installation, Shipment, SiteSurvey, Terminal, TerminalTest
from terminals.policy import ACTIONS, ALLOCATABLE_MERCHANTS, FROM
from terminals.services.checks import (
    LifecycleError,
    LifecycleErrors,
    clean_note,
    clean_text,
    lock_terminal,
    raise_all,
)
from terminals.services.parameters import (
    clean_address,
    clean_comm,
    clean_settlement_method,
    clean_tid,
    save_parameters,
)
from terminals.services.photos import check_photos, discard_photos, store_photos
from terminals.workflow import LIVE, TERMINAL_MOVES

T = Terminal.Status
FOLDER = "terminals"
MAX_PHOTOS = 12
TRACKING_PATTERN = re.compile(r"^[0-9A-Za-z-]{4,60}$")
ADMIN_PASSWORD_MIN, ADMIN_PASSWORD_MAX = 6, 64
MAX_TEST_AMOUNT = Decimal("1000.00")
CENT = Decimal("0.01")


# --- helpers ----------------------------------------------------------------------------------

def _check_day(day, field: str, label: str) -> date:
    if not isinstance(day, date):
        raise LifecycleError(_("Give the %(what)s.") % {"what": label}, field)
    if day > timezone.localdate():
        raise LifecycleError(_("The %(what)s cannot be in the future.") % {"what": label}, field)
    return day


def _check_photos(photos) -> list:
    try:
        return check_photos(photos, limit=MAX_PHOTOS)
    except DomainError as error:
        raise LifecycleError(str(error), "photos") from error


def _clear_placement(terminal: Terminal) -> list[str]:
    """Take the terminal back from its merchant: parameters, TID and admin password are wiped."""
    terminal.merchant = None
    terminal.tid = None
    terminal.mid = ""
    terminal.settlement_method = ""
    terminal.comm_settings = {}
    terminal.admin_password_hash = ""
    terminal.install_address = ""
    terminal.install_latitude = terminal.install_longitude = None
    terminal.region_code = ""
    terminal.suspend_reason = ""
    terminal.rent_start = None
    terminal.next_maintenance_due = None
    terminal.custodian = Terminal.Custodian.WAREHOUSE
    terminal.custodian_user = None
    fields = ["merchant", "tid", "mid", "settlement_method", "comm_settings", "admin_password_hash",
              "install_address", "install_latitude", "install_longitude", "region_code", "suspend_reason",
              "rent_start", "next_maintenance_due", "custodian", "custodian_user"]
    if terminal.deposit_state == Terminal.Deposit.DUE:  # nothing was taken: nothing is owed any more
        terminal.deposit_state = Terminal.Deposit.NONE
        fields.append("deposit_state")
    return fields


def _back_to_stock(terminal: Terminal, *, actor, action: str, data: dict) -> Terminal:
    """Move to stock (audited while the merchant is still on the row), then clear the placement."""
    advance(terminal, to=T.IN_STOCK, moves=TERMINAL_MOVES, actor=actor, action=action,
            data={"merchant": terminal.merchant_id, "tid_released": terminal.tid, **data})
    terminal.save(update_fields=_clear_placement(terminal))
    return terminal


def _merchant_for_live(terminal: Terminal) -> Merchant:
    merchant = terminal.merchant
    if merchant is None:
        raise LifecycleError(_("Terminal %(serial)s has no merchant.") % {"serial": terminal.serial_number})
    if merchant.status != Merchant.Status.ACTIVE:
        raise LifecycleError(_("Merchant %(merchant)s is “%(status)s”: its terminals cannot take payments.")
                             % {"merchant": merchant, "status": merchant.get_status_display()})
    return merchant



# --- allocation, survey, shipping, delivery ---------------------------------------------------

@transaction.atomic
def terminal_allocate(*, actor: User, terminal: Terminal, merchant: Merchant) -> Terminal:
    """Allocate a stock terminal to an approved or active merchant with a countersigned contract."""
    policy.require(actor, ACTIONS["allocate"])
    terminal = lock_terminal(terminal)
    if terminal.status in LIVE:
        raise TransitionNotAllowed(_("An active terminal cannot be re-allocated: retrieve it to stock first."))
    policy.require_status(ACTIONS["allocate"], terminal)
    merchant = Merchant.objects.get(pk=merchant.pk)
    if merchant.status not in ALLOCATABLE_MERCHANTS:
        raise LifecycleError(_("Allocating to an unapproved merchant is refused: %(merchant)s is “%(status)s”; "
                               "only approved or active merchants receive terminals.")
                             % {"merchant": merchant, "status": merchant.get_status_display()}, "merchant")
    contract = contract_in_force(merchant)
    if contract is None:
        raise LifecycleError(_("Allocating to a merchant without a countersigned contract is refused: "
                               "%(merchant)s has no contract in force.") % {"merchant": merchant}, "merchant")
    if not (merchant.address or "").strip():
        raise LifecycleError(_("Merchant %(merchant)s has no business address to install the terminal at.")
                             % {"merchant": merchant}, "merchant")
    terminal.merchant = merchant
    terminal.install_address = merchant.address
    terminal.region_code = merchant.region_code or ""
    terminal.deposit_state = Terminal.Deposit.DUE if contract.deposit > 0 else Terminal.Deposit.NONE
    terminal.custodian = Terminal.Custodian.WAREHOUSE
    advance(terminal, to=T.ALLOCATED, moves=TERMINAL_MOVES, actor=actor, action="terminal.allocated",
            data={"merchant": merchant.pk, "merchant_name": merchant.legal_name, "contract_version": contract.version,
                  "deposit": f"{contract.deposit} {contract.currency}", "install_address": merchant.address},
            extra_fields=("merchant", "install_address", "region_code", "deposit_state", "custodian"))
    return terminal


@transaction.atomic
def terminal_survey_record(*, actor: User, terminal: Terminal, surveyed_on: date, power_ok: bool, network_type: str,
                           signal_bars: int | None, counter_position: str, feasible: bool, notes: str,
                           photos=()) -> SiteSurvey:
    """Record the site survey: feasible → surveyed; infeasible → back to stock (the reason is audited)."""
    policy.require(actor, ACTIONS["survey"])
    terminal = lock_terminal(terminal)
    policy.require_status(ACTIONS["survey"], terminal)
    _check_day(surveyed_on, "surveyed_on", _("survey date"))
    if network_type not in SiteSurvey.Network.values:
        raise LifecycleError(_("Choose the network available at the site."), "network_type")
    if signal_bars is not None and not 0 <= int(signal_bars) <= 5:
        raise LifecycleError(_("The signal is 0 to 5 bars."), "signal_bars")
    notes = clean_text(notes, limit=5000)
    if feasible and not power_ok:
        raise LifecycleError(_("A site without power cannot be feasible."), "feasible")
    if feasible and network_type == SiteSurvey.Network.NONE:
        raise LifecycleError(_("A site without any network cannot be feasible."), "feasible")
    if not feasible and len(notes) < 5:
        raise LifecycleError(_("Say why the installation is not feasible (at least 5 characters)."), "notes")
    checked = _check_photos(photos)
    stored = []
    try:
        survey = SiteSurvey.objects.create(
            terminal=terminal, merchant=terminal.merchant, surveyed_on=surveyed_on, engineer=actor,
            power_ok=bool(power_ok), network_type=network_type, signal_bars=signal_bars,
            counter_position=clean_text(counter_position, limit=200), feasible=bool(feasible), notes=notes)
        count = store_photos(checked, actor=actor, folder=FOLDER, stored=stored, terminal=terminal,
                             merchant=terminal.merchant, survey=survey)
        data = {"survey": survey.pk, "surveyed_on": surveyed_on, "power_ok": bool(power_ok), "network": network_type,
                "signal_bars": signal_bars, "counter_position": survey.counter_position, "photos": count}
        if feasible:
            advance(terminal, to=T.SURVEYED, moves=TERMINAL_MOVES, actor=actor, action="terminal.surveyed",
                    data={**data, "feasible": True})
        else:
            _back_to_stock(terminal, actor=actor, action="terminal.survey_infeasible",
                           data={**data, "feasible": False, "reason": notes})
    except BaseException:
        discard_photos(stored)
        raise
    return survey


@transaction.atomic
def terminal_ship(*, actor: User, terminal: Terminal, carrier: str, tracking_number: str) -> Shipment:
    """Hand a surveyed terminal to a carrier."""
    policy.require(actor, ACTIONS["ship"])
    terminal = lock_terminal(terminal)
    policy.require_status(ACTIONS["ship"], terminal)
    carrier = clean_text(carrier, limit=60)
    if len(carrier) < 2:
        raise LifecycleError(_("Give the carrier."), "carrier")
    tracking_number = (tracking_number or "").strip()
    if not TRACKING_PATTERN.match(tracking_number):
        raise LifecycleError(_("The tracking number is 4 to 60 letters, digits or dashes."), "tracking_number")
    shipment = Shipment.objects.create(terminal=terminal, merchant=terminal.merchant, carrier=carrier,
                                       tracking_number=tracking_number, shipped_by=actor)
    terminal.custodian = Terminal.Custodian.COURIER
    terminal.custodian_user = None
    advance(terminal, to=T.SHIPPED, moves=TERMINAL_MOVES, actor=actor, action="terminal.shipped",
            data={"shipment": shipment.pk, "carrier": carrier, "tracking_number": tracking_number},
            extra_fields=("custodian", "custodian_user"))
    return shipment


@transaction.atomic
def terminal_deliver(*, actor: User, terminal: Terminal, arrival_ok: bool, arrival_notes: str,
                     photos=()) -> Shipment:
    """Arrival inspection: undamaged → delivered (the merchant holds it); damaged → returned to stock."""
    policy.require(actor, ACTIONS["deliver"])
    terminal = lock_terminal(terminal)
    policy.require_status(ACTIONS["deliver"], terminal)
    notes = clean_text(arrival_notes, limit=5000)
    if not arrival_ok and len(notes) < 5:
        raise LifecycleError(_("Describe the damage found at arrival (at least 5 characters)."), "arrival_notes")
    shipment = (Shipment.objects.select_for_update().filter(terminal=terminal, delivered_at__isnull=True)
                .order_by("-shipped_at", "-id").first())
    if shipment is None:
        raise LifecycleError(_("Terminal %(serial)s has no open shipment.") % {"serial": terminal.serial_number})
    checked = _check_photos(photos)
    stored = []
    try:
        shipment.delivered_at = timezone.now()
        shipment.arrival_ok = bool(arrival_ok)
        shipment.arrival_notes = notes
        shipment.save(update_fields=["delivered_at", "arrival_ok", "arrival_notes"])
        count = store_photos(checked, actor=actor, folder=FOLDER, stored=stored, terminal=terminal,
                             merchant=terminal.merchant, shipment=shipment)
        data = {"shipment": shipment.pk, "arrival_ok": bool(arrival_ok), "arrival_notes": notes, "photos": count}
        if arrival_ok:
            terminal.custodian = Terminal.Custodian.MERCHANT
            terminal.custodian_user = None
            advance(terminal, to=T.DELIVERED, moves=TERMINAL_MOVES, actor=actor, action="terminal.delivered",
                    data=data, extra_fields=("custodian", "custodian_user"))
        else:
            _back_to_stock(terminal, actor=actor, action="terminal.returned_damaged", data=data)
    except BaseException:
        discard_photos(stored)
        raise
    return shipment



# --- installation, test, go-live --------------------------------------------------------------

def _check_password(admin_password) -> str:
    if not isinstance(admin_password, str) or not ADMIN_PASSWORD_MIN <= len(admin_password) <= ADMIN_PASSWORD_MAX:
        raise LifecycleError(_("The terminal admin password is %(min)d to %(max)d characters.")
                             % {"min": ADMIN_PASSWORD_MIN, "max": ADMIN_PASSWORD_MAX}, "admin_password")
    return admin_password


def _check_coordinates(latitude, longitude) -> tuple:
    if (latitude is None) != (longitude is None) or (
            latitude is not None and not (-90 <= latitude <= 90 and -180 <= longitude <= 180)):
        raise LifecycleError(_("Give both coordinates of the installation (latitude -90 to 90, longitude -180 to "
                               "180) or neither."), "longitude")
    return latitude, longitude


# The checks of an installation, by name; a form that already refused a field skips the check of that field.
INSTALL_CHECKS = ("installed_on", "tid", "settlement_method", "comm_settings", "install_address", "admin_password",
                  "coordinates", "photos")


def _install_checked(*, terminal: Terminal, values: dict, skip=()) -> tuple[dict, list[LifecycleError]]:
    """Run every check of an installation at once: the cleaned values and all the problems found (the merchant's
    MID and contract, then each value)."""
    problems: list[LifecycleError] = []
    merchant = terminal.merchant
    if not merchant.mid:
        problems.append(LifecycleError(_("Merchant %(merchant)s has no merchant number (MID) yet: it is given when "
                                         "the merchant is approved.") % {"merchant": merchant}))
    contract = contract_in_force(merchant)
    if contract is None:
        problems.append(LifecycleError(_("Merchant %(merchant)s has no contract in force.")
                                       % {"merchant": merchant}))
    method = values.get("settlement_method") or (contract.settlement_method if contract else None)
    checks = {
        "installed_on": lambda: _check_day(values.get("installed_on"), "installed_on", _("installation date")),
        "tid": lambda: clean_tid(values.get("tid"), terminal=terminal),
        # without a method given nor a contract in force, the missing contract is the problem already reported
        "settlement_method": lambda: clean_settlement_method(method) if method else None,
        "comm_settings": lambda: clean_comm(values.get("comm_settings"), terminal=terminal),
        "install_address": lambda: clean_address(values.get("install_address")),
        "admin_password": lambda: _check_password(values.get("admin_password")),
        "coordinates": lambda: _check_coordinates(values.get("latitude"), values.get("longitude")),
        "photos": lambda: _check_photos(values.get("photos") or ()),
    }
    cleaned = {}
    for name in INSTALL_CHECKS:
        if name in skip:
            continue
        try:
            cleaned[name] = checks[name]()
        except LifecycleErrors as errors:
            problems.extend(errors.errors)
        except LifecycleError as error:
            problems.append(error)
    return cleaned, problems


def terminal_install_problems(*, terminal: Terminal, values: dict, skip=()) -> list[LifecycleError]:
    """Everything an installation with ``values`` would be refused for, all at once and without saving anything,
    so that the form shows every problem next to its field in one answer; ``skip`` names the checks
    (INSTALL_CHECKS) whose fields the form already refused."""
    return _install_checked(terminal=terminal, values=values, skip=skip)[1]


@transaction.atomic
def terminal_install(*, actor: User, terminal: Terminal, installed_on: date, tid: str, settlement_method: str | None,
                     comm_settings: dict, admin_password: str, install_address: str, photos=(),
                     latitude: Decimal | None = None, longitude: Decimal | None = None) -> Installation:
    """Install a delivered terminal: TID, MID (the merchant's), settlement method (the contract's unless given),
    communication settings and the admin password (kept only as a hash). Every problem is reported at once
    (``LifecycleErrors`` when there are several)."""
    policy.require(actor, ACTIONS["install"])
    terminal = lock_terminal(terminal)
    policy.require_status(ACTIONS["install"], terminal)
    merchant = terminal.merchant
    cleaned, problems = _install_checked(terminal=terminal, values={
        "installed_on": installed_on, "tid": tid, "settlement_method": settlement_method,
        "comm_settings": comm_settings, "install_address": install_address, "admin_password": admin_password,
        "latitude": latitude, "longitude": longitude, "photos": photos})
    raise_all(problems)
    tid, method, comm = cleaned["tid"], cleaned["settlement_method"], cleaned["comm_settings"]
    address, checked = cleaned["install_address"], cleaned["photos"]
    stored = []
    try:
        installation = Installation.objects.create(
            terminal=terminal, merchant=merchant, engineer=actor, installed_on=installed_on, mid=merchant.mid,
            tid=tid, settlement_method=method, comm_settings=comm)
        count = store_photos(checked, actor=actor, folder=FOLDER, stored=stored, terminal=terminal,
                             merchant=terminal.merchant, installation=installation)
        rent_start = installed_on
        maintenance = installed_on + timedelta(days=settings.ACQUIRER_MAINTENANCE_INTERVAL_DAYS)
        save_parameters(terminal, {
            "tid": tid, "mid": merchant.mid, "settlement_method": method, "comm_settings": comm,
            "install_address": address, "admin_password_hash": make_password(admin_password),
            "rent_start": rent_start, "next_maintenance_due": maintenance,
            "install_latitude": latitude, "install_longitude": longitude,
            "custodian": Terminal.Custodian.MERCHANT, "custodian_user": None})
        advance(terminal, to=T.INSTALLED, moves=TERMINAL_MOVES, actor=actor, action="terminal.installed",
                data={"installation": installation.pk, "installed_on": installed_on, "mid": merchant.mid,
                      "tid": tid, "settlement_method": method, "comm_settings": comm, "install_address": address,
                      "admin_password_set": True, "rent_start": rent_start, "next_maintenance_due": maintenance,
                      "photos": count})
    except BaseException:
        discard_photos(stored)
        raise
    return installation


def _amount(value) -> Decimal:
    if isinstance(value, float) or value is None or value == "":
        raise LifecycleError(_("Give the test sale amount."), "sale_amount")
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise LifecycleError(_("Give the test sale amount as a number, e.g. 0.01."), "sale_amount") from None
    if not amount.is_finite() or amount <= 0:
        raise LifecycleError(_("The test sale amount must be more than zero."), "sale_amount")
    if amount > MAX_TEST_AMOUNT:
        raise LifecycleError(_("A test sale is at most %(max)s CNY.") % {"max": MAX_TEST_AMOUNT}, "sale_amount")
    if amount != amount.quantize(CENT):
        raise LifecycleError(_("The test sale amount has at most 2 decimals."), "sale_amount")
    return amount.quantize(CENT)


@transaction.atomic
def terminal_test_record(*, actor: User, terminal: Terminal, sign_in_ok: bool, sale_amount: Decimal, sale_ok: bool,
                         sale_reference: str, void_ok: bool, notes: str) -> TerminalTest:
    """Record the go-live test (sign-in, a test sale and its void). Passed only if all three succeeded:
    installed → tested; a failed test keeps (or puts back) the terminal in "installed"."""
    policy.require(actor, ACTIONS["test"])
    terminal = lock_terminal(terminal)
    policy.require_status(ACTIONS["test"], terminal)
    amount = _amount(sale_amount)
    reference = clean_text(sale_reference, limit=40)
    notes = clean_text(notes, limit=5000)
    if sale_ok and not reference:
        raise LifecycleError(_("Give the reference of the approved test sale."), "sale_reference")
    if void_ok and not sale_ok:
        raise LifecycleError(_("A void can only succeed after an approved sale."), "void_ok")
    passed = bool(sign_in_ok and sale_ok and void_ok)
    if not passed and len(notes) < 5:
        raise LifecycleError(_("Describe what failed (at least 5 characters)."), "notes")
    test = TerminalTest.objects.create(terminal=terminal, merchant=terminal.merchant, tested_by=actor,
                                       sign_in_ok=bool(sign_in_ok), sale_amount=amount, currency="CNY",
                                       sale_ok=bool(sale_ok), sale_reference=reference, void_ok=bool(void_ok),
                                       passed=passed, notes=notes)
    action = "terminal.tested" if passed else "terminal.test_failed"
    data = {"test": test.pk, "sign_in_ok": bool(sign_in_ok), "sale_amount": f"{amount} CNY", "sale_ok": bool(sale_ok),
            "sale_reference": reference, "void_ok": bool(void_ok), "passed": passed, "notes": notes}
    target = T.TESTED if passed else T.INSTALLED
    if terminal.status != target:
        advance(terminal, to=target, moves=TERMINAL_MOVES, actor=actor, action=action, data=data)
    else:
        audit.record(action, actor=actor, target=terminal, data=data)
    return test


@transaction.atomic
def terminal_activate(*, actor: User, terminal: Terminal) -> Terminal:
    """Go live: only a tested terminal whose latest test passed."""
    policy.require(actor, ACTIONS["activate"])
    terminal = lock_terminal(terminal)
    latest = terminal.tests.order_by("-tested_at", "-id").first()
    if terminal.status != T.TESTED or latest is None or not latest.passed:
        if terminal.status in LIVE:
            raise TransitionNotAllowed(_("Terminal %(serial)s is already “%(status)s”.")
                                       % {"serial": terminal.serial_number, "status": terminal.get_status_display()})
        raise TransitionNotAllowed(_("Activating an untested terminal is refused: terminal %(serial)s needs a passed "
                                     "test (sign-in, test sale and void) after its installation.")
                                   % {"serial": terminal.serial_number})
    _merchant_for_live(terminal)
    if not (terminal.tid and terminal.mid):
        raise LifecycleError(_("Terminal %(serial)s has no TID or MID: install it first.")
                             % {"serial": terminal.serial_number})
    terminal.custodian = Terminal.Custodian.MERCHANT
    terminal.suspend_reason = ""
    advance(terminal, to=T.ACTIVE, moves=TERMINAL_MOVES, actor=actor, action="terminal.activated",
            data={"test": latest.pk, "tid": terminal.tid, "mid": terminal.mid},
            extra_fields=("custodian", "suspend_reason"))
    return terminal


@transaction.atomic
def terminal_suspend(*, actor: User | None, terminal: Terminal, reason: str, note: str) -> Terminal:
    """Stop an active terminal taking payments. ``actor=None`` is the system (the rent job: unpaid rent)."""
    if actor is not None or reason != Terminal.SuspendReason.UNPAID_RENT:
        policy.require(actor, ACTIONS["suspend"])
    terminal = lock_terminal(terminal)
    policy.require_status(ACTIONS["suspend"], terminal)
    if reason not in Terminal.SuspendReason.values:
        raise LifecycleError(_("Choose why the terminal is suspended."), "reason")
    note = clean_text(note, limit=2000)
    if len(note) < 3:
        raise LifecycleError(_("Please give a note of at least 3 characters."), "note")
    terminal.suspend_reason = reason
    advance(terminal, to=T.SUSPENDED, moves=TERMINAL_MOVES, actor=actor, action="terminal.suspended",
            data={"reason": reason, "note": note}, extra_fields=("suspend_reason",))
    return terminal


@transaction.atomic
def terminal_reactivate(*, actor: User, terminal: Terminal) -> Terminal:
    """Back to active: a suspended terminal, or one repaired while its TID was not taken over by a replacement."""
    policy.require(actor, ACTIONS["reactivate"])
    terminal = lock_terminal(terminal)
    policy.require_status(ACTIONS["reactivate"], terminal)
    _merchant_for_live(terminal)
    data = {"from": terminal.status, "suspend_reason_cleared": terminal.suspend_reason}
    fields = ["suspend_reason", "custodian", "custodian_user"]
    if terminal.status == T.UNDER_REPAIR:
        installation = terminal.installations.order_by("-installed_on", "-id").first()
        if installation is None or installation.merchant_id != terminal.merchant_id:
            raise LifecycleError(_("Terminal %(serial)s was never installed at this merchant: return it to stock.")
                                 % {"serial": terminal.serial_number})
        holder = (Terminal.objects.filter(tid=installation.tid).exclude(pk=terminal.pk)
                  .values_list("serial_number", flat=True).first())
        if holder:
            raise LifecycleError(_("TID %(tid)s was taken over by terminal %(serial)s: return the repaired terminal "
                                   "to stock instead.") % {"tid": installation.tid, "serial": holder})
        terminal.tid = installation.tid
        fields.append("tid")
        data["tid_restored"] = installation.tid
    terminal.suspend_reason = ""
    terminal.custodian = Terminal.Custodian.MERCHANT
    terminal.custodian_user = None
    try:
        with transaction.atomic():
            advance(terminal, to=T.ACTIVE, moves=TERMINAL_MOVES, actor=actor, action="terminal.reactivated",
                    data=data, extra_fields=tuple(fields))
    except IntegrityError as error:
        raise LifecycleError(_("TID %(tid)s is already used by another terminal.") % {"tid": terminal.tid}) from error
    return terminal



# --- repair, return, retirement, deletion -----------------------------------------------------

@transaction.atomic
def terminal_send_to_repair(*, actor: User, terminal: Terminal, note: str) -> Terminal:
    """Send a live terminal to the repair bench; its TID is released (a replacement may take it over)."""
    policy.require(actor, ACTIONS["repair"])
    terminal = lock_terminal(terminal)
    policy.require_status(ACTIONS["repair"], terminal)
    note = clean_note(note)
    released = terminal.tid
    terminal.tid = None
    terminal.suspend_reason = ""
    terminal.custodian = Terminal.Custodian.REPAIR
    terminal.custodian_user = None
    advance(terminal, to=T.UNDER_REPAIR, moves=TERMINAL_MOVES, actor=actor, action="terminal.sent_to_repair",
            data={"note": note, "tid_released": released},
            extra_fields=("tid", "suspend_reason", "custodian", "custodian_user"))
    return terminal


@transaction.atomic
def terminal_return_to_stock(*, actor: User, terminal: Terminal, note: str) -> Terminal:
    """Retrieved, lost and found, or refurbished: back to the warehouse with merchant, TID, parameters and
    admin password cleared."""
    policy.require(actor, ACTIONS["return"])
    terminal = lock_terminal(terminal)
    policy.require_status(ACTIONS["return"], terminal)
    note = clean_note(note)
    return _back_to_stock(terminal, actor=actor, action="terminal.returned_to_stock",
                          data={"note": note, "from": terminal.status})


@transaction.atomic
def terminal_retire(*, actor: User, terminal: Terminal, note: str) -> Terminal:
    """Scrap a stock terminal or one that cannot be repaired."""
    policy.require(actor, ACTIONS["retire"])
    terminal = lock_terminal(terminal)
    policy.require_status(ACTIONS["retire"], terminal)
    note = clean_note(note)
    merchant = terminal.merchant_id
    advance(terminal, to=T.RETIRED, moves=TERMINAL_MOVES, actor=actor, action="terminal.retired",
            data={"note": note, "merchant": merchant})
    terminal.save(update_fields=_clear_placement(terminal))
    return terminal


@transaction.atomic
def terminal_delete(*, actor: User, terminal: Terminal) -> None:
    """Delete a terminal entered by mistake: only while in stock and never placed at a merchant."""
    policy.require(actor, ACTIONS["delete"])
    terminal = lock_terminal(terminal)
    if terminal.status in LIVE:
        raise TransitionNotAllowed(_("An active terminal cannot be deleted: suspend it, retrieve it to stock or "
                                     "retire it instead."))
    if terminal.status not in FROM["delete"] or terminal.installations.exists() or terminal.shipments.exists():
        raise TransitionNotAllowed(_("Only a terminal in stock that was never placed at a merchant can be deleted; "
                                     "retire terminal %(serial)s instead.") % {"serial": terminal.serial_number})
    audit.record("terminal.deleted", actor=actor, target=terminal,
                 before={"serial_number": terminal.serial_number, "model": str(terminal.model),
                         "status": terminal.status})
    try:
        with transaction.atomic():
            terminal.delete()
    except ProtectedError as error:
        raise TransitionNotAllowed(_("Terminal %(serial)s has lifecycle records and cannot be deleted; retire it "
                                     "instead.") % {"serial": terminal.serial_number}) from error


@transaction.atomic
def terminal_serial_correct(*, actor: User, terminal: Terminal, serial_number: str, reason: str) -> Terminal:
    """Correct a mistyped serial number; never while the terminal is live."""
    policy.require(actor, ACTIONS["serial"])
    terminal = lock_terminal(terminal)
    if terminal.status in LIVE:
        raise TransitionNotAllowed(_("The serial number of an active terminal cannot change."))
    serial = (serial_number or "").strip().upper()
    if not re.match(r"^[0-9A-Z-]{3,40}$", serial):
        raise LifecycleError(_("The serial number is 3 to 40 capital letters, digits or dashes."), "serial_number")
    if Terminal.objects.filter(serial_number=serial).exclude(pk=terminal.pk).exists():
        raise LifecycleError(_("Serial number %(serial)s is already registered.") % {"serial": serial},
                             "serial_number")
    reason = clean_note(reason)
    before = terminal.serial_number
    terminal.serial_number = serial
    terminal.save(update_fields=["serial_number"])
    audit.record("terminal.serial_corrected", actor=actor, target=terminal, before={"serial_number": before},
                 after={"serial_number": serial}, data={"reason": reason})
    return terminal

