"""Parameters of an installed terminal (TID, settlement method, communication settings, installation address):
edited directly until the terminal goes live; a live (active or suspended) terminal's parameters change only
through a ``ParameterChange`` requested by one person and approved by another. The cleaning of each
parameter is here; the installation uses it too."""

import re

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from acquirer import audit, policy
from acquirer.exceptions import NotPermitted, TransitionNotAllowed
from acquirer.models import User
from acquirer.workflow import advance
from merchants.models import Contract
from terminals.models import Communication, ParameterChange, Terminal
from terminals.policy import ACTIONS, EDITABLE
from terminals.services.checks import LifecycleError, clean_note, clean_text, lock_terminal, raise_all
from terminals.workflow import LIVE, PARAMETER_CHANGE_MOVES, TERMINAL_MOVES

T = Terminal.Status
P = ParameterChange.Status
TID_PATTERN = re.compile(r"^[0-9A-Z]{8}$")
HOST_PATTERN = re.compile(r"^[0-9A-Za-z.-]{1,100}$")
PARAMETERS = ("tid", "settlement_method", "comm_settings", "install_address")
COMM_KEYS = ("network", "host", "port", "apn")


def clean_tid(value, *, terminal: Terminal) -> str:
    tid = (value or "").strip().upper()
    if not TID_PATTERN.match(tid):
        raise LifecycleError(_("The terminal ID (TID) is exactly 8 characters: digits and capital letters "
                               "(e.g. 29005812)."), "tid")
    holder = Terminal.objects.filter(tid=tid).exclude(pk=terminal.pk).values_list("serial_number", flat=True).first()
    if holder:
        raise LifecycleError(_("TID %(tid)s is already used by terminal %(serial)s; every terminal needs its own "
                               "TID.") % {"tid": tid, "serial": holder}, "tid")
    return tid


def clean_settlement_method(value) -> str:
    if value not in Contract.Method.values:
        raise LifecycleError(_("Choose a settlement method: %(choices)s.")
                             % {"choices": ", ".join(str(label) for label in Contract.Method.labels)},
                             "settlement_method")
    return value


def clean_address(value) -> str:
    address = (value or "").strip()
    if len(address) < 5:
        raise LifecycleError(_("Give the full installation address."), "install_address")
    if len(address) > 300:
        raise LifecycleError(_("The installation address is at most 300 characters."), "install_address")
    return address


def clean_comm(value, *, terminal: Terminal) -> dict:
    """Communication settings: network (one the model supports), host, port and an optional APN; every problem
    is reported at once."""
    if not isinstance(value, dict):
        raise LifecycleError(_("Give the communication settings."), "comm_network")
    unknown = sorted(set(value) - set(COMM_KEYS))
    if unknown:
        raise LifecycleError(_("Unknown communication settings: %(keys)s.") % {"keys": ", ".join(unknown)},
                             "comm_network")
    problems = []
    network = value.get("network")
    supported = terminal.model.communications or Communication.values
    if network not in supported:
        problems.append(LifecycleError(_("Model %(model)s supports only: %(networks)s.")
                                       % {"model": terminal.model,
                                          "networks": ", ".join(str(Communication(n).label) for n in supported)},
                                       "comm_network"))
    host = str(value.get("host") or "").strip()
    if not HOST_PATTERN.match(host):
        problems.append(LifecycleError(_("Give the host name or IP address of the payment host."), "comm_host"))
    try:
        port = int(value.get("port"))
    except (TypeError, ValueError):
        port = 0
    if not 1 <= port <= 65535:
        problems.append(LifecycleError(_("The port is a number from 1 to 65535."), "comm_port"))
    cleaned = {"network": network, "host": host, "port": port}
    apn = str(value.get("apn") or "").strip()
    if apn:
        if network != Communication.CELLULAR:
            problems.append(LifecycleError(_("An APN is set only for a 4G connection."), "comm_apn"))
        elif len(apn) > 60:
            problems.append(LifecycleError(_("The APN is at most 60 characters."), "comm_apn"))
        cleaned["apn"] = apn
    raise_all(problems)
    return cleaned


def _clean_changes(terminal: Terminal, changes: dict) -> dict:
    """The requested parameter values that differ from the terminal's, validated."""
    unknown = sorted(set(changes or {}) - set(PARAMETERS))
    if unknown:
        raise LifecycleError(_("Only the TID, settlement method, communication settings and installation address "
                               "can change; not: %(fields)s.") % {"fields": ", ".join(unknown)})
    cleaners = {"tid": lambda v: clean_tid(v, terminal=terminal), "settlement_method": clean_settlement_method,
                "comm_settings": lambda v: clean_comm(v, terminal=terminal), "install_address": clean_address}
    cleaned = {}
    for name in PARAMETERS:
        if name in changes:
            value = cleaners[name](changes[name])
            if value != getattr(terminal, name):
                cleaned[name] = value
    if not cleaned:
        raise LifecycleError(_("Nothing to change: the values given are the terminal's current parameters."))
    return cleaned


def save_parameters(terminal: Terminal, values: dict) -> None:
    """Apply parameter values; a TID taken by a concurrent installation is a clear refusal."""
    for name, value in values.items():
        setattr(terminal, name, value)
    try:
        with transaction.atomic():
            terminal.save(update_fields=list(values))
    except IntegrityError as error:
        raise LifecycleError(_("TID %(tid)s is already used by another terminal.") % {"tid": values.get("tid")},
                             "tid") from error



@transaction.atomic
def terminal_parameters_edit(*, actor: User, terminal: Terminal, changes: dict) -> Terminal:
    """Edit the parameters of an installed terminal before it goes live (a tested one must be tested again).
    A live terminal's parameters change only through an approved parameter-change request."""
    policy.require(actor, ACTIONS["parameters"])
    terminal = lock_terminal(terminal)
    if terminal.status in LIVE:
        raise TransitionNotAllowed(_("The parameters of an active terminal cannot be edited directly: use a "
                                     "parameter-change request, which another person approves."))
    if terminal.status not in EDITABLE:
        raise TransitionNotAllowed(_("Parameters are set at installation; terminal %(serial)s is “%(status)s”.")
                                   % {"serial": terminal.serial_number, "status": terminal.get_status_display()})
    values = _clean_changes(terminal, changes)
    before = {name: getattr(terminal, name) for name in values}
    save_parameters(terminal, values)
    audit.record("terminal.parameters_edited", actor=actor, target=terminal, before=before, after=values)
    if terminal.status == T.TESTED:
        advance(terminal, to=T.INSTALLED, moves=TERMINAL_MOVES, actor=actor, action="terminal.retest_required",
                data={"changed": sorted(values)})
    return terminal


@transaction.atomic
def parameter_change_request(*, actor: User, terminal: Terminal, changes: dict, reason: str) -> ParameterChange:
    """Ask for a change of a live terminal's parameters; another person approves it."""
    policy.require(actor, ACTIONS["parameter_request"])
    terminal = lock_terminal(terminal)
    if terminal.status not in LIVE:
        raise TransitionNotAllowed(_("Parameter-change requests are for active or suspended terminals; terminal "
                                     "%(serial)s is “%(status)s”.")
                                   % {"serial": terminal.serial_number, "status": terminal.get_status_display()})
    if terminal.parameter_changes.filter(status=P.PENDING).exists():
        raise LifecycleError(_("A parameter change of terminal %(serial)s is already waiting for approval.")
                             % {"serial": terminal.serial_number})
    reason = clean_text(reason, limit=2000)
    if len(reason) < 5:
        raise LifecycleError(_("Give the reason for the change (at least 5 characters)."), "reason")
    after = _clean_changes(terminal, changes)
    before = {name: getattr(terminal, name) for name in after}
    change = ParameterChange.objects.create(terminal=terminal, merchant=terminal.merchant, before=before, after=after,
                                            reason=reason, requested_by=actor)
    audit.record("terminal.parameter_change_requested", actor=actor, target=terminal, before=before, after=after,
                 data={"change": change.pk, "reason": reason})
    return change


def _lock_change(change: ParameterChange) -> tuple[Terminal, ParameterChange]:
    terminal = lock_terminal(Terminal(pk=change.terminal_id))
    change = ParameterChange.objects.select_for_update().select_related("requested_by").get(pk=change.pk)
    return terminal, change


@transaction.atomic
def parameter_change_approve(*, actor: User, change: ParameterChange, note: str = "") -> ParameterChange:
    """Four eyes: someone other than the requester approves; the change is applied and audited."""
    policy.require(actor, ACTIONS["parameter_decide"])
    terminal, change = _lock_change(change)
    if change.requested_by_id == actor.pk:
        raise NotPermitted(_("Four eyes: a parameter change must be approved by someone other than the person "
                             "who requested it."))
    if change.status != P.PENDING:
        raise TransitionNotAllowed(_("This parameter change is already “%(status)s”.")
                                   % {"status": change.get_status_display()})
    if terminal.status not in LIVE:
        raise TransitionNotAllowed(_("Terminal %(serial)s is no longer live (“%(status)s”): reject this request.")
                                   % {"serial": terminal.serial_number, "status": terminal.get_status_display()})
    current = {name: getattr(terminal, name) for name in change.before}
    if current != change.before:
        raise LifecycleError(_("The terminal's parameters changed since this request was made: reject it and "
                               "request again."))
    values = _clean_changes(terminal, change.after)
    save_parameters(terminal, values)
    change.decided_by = actor
    change.decided_at = timezone.now()
    change.decision_note = clean_text(note, limit=2000)
    advance(change, to=P.APPROVED, moves=PARAMETER_CHANGE_MOVES, actor=actor, action="parameter_change.approved",
            data={"terminal": terminal.pk, "note": change.decision_note},
            extra_fields=("decided_by", "decided_at", "decision_note"))
    audit.record("terminal.parameters_changed", actor=actor, target=terminal, before=change.before, after=values,
                 data={"change": change.pk, "requested_by": change.requested_by.get_username(),
                       "reason": change.reason})
    return change


@transaction.atomic
def parameter_change_reject(*, actor: User, change: ParameterChange, note: str) -> ParameterChange:
    policy.require(actor, ACTIONS["parameter_decide"])
    terminal, change = _lock_change(change)
    note = clean_note(note)
    if change.status != P.PENDING:
        raise TransitionNotAllowed(_("This parameter change is already “%(status)s”.")
                                   % {"status": change.get_status_display()})
    change.decided_by = actor
    change.decided_at = timezone.now()
    change.decision_note = note
    advance(change, to=P.REJECTED, moves=PARAMETER_CHANGE_MOVES, actor=actor, action="parameter_change.rejected",
            data={"terminal": terminal.pk, "note": note}, extra_fields=("decided_by", "decided_at", "decision_note"))
    return change

