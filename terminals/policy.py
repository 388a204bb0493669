"""Who may do what with a terminal, as data (``acquirer/policy.py``): each lifecycle move's permission, the
statuses it starts from and how it is called. The services guard every move with ``policy.require`` and the
terminal page shows the moves ``policy.available_actions`` returns."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acquirer.policy import Action, permitted
from merchants.models import Merchant
from terminals import roles
from terminals.models import ParameterChange, Terminal
from terminals.workflow import LIVE, TERMINAL_MOVES

T = Terminal.Status
ALLOCATABLE_MERCHANTS = {Merchant.Status.APPROVED, Merchant.Status.ACTIVE}
# Parameters are set at installation and may be edited directly until the terminal goes live.
EDITABLE = {T.INSTALLED, T.TESTED}
# The statuses each move starts from (the move table alone is broader: e.g. many statuses go back to stock).
FROM = {
    "allocate": {T.IN_STOCK},
    "survey": {T.ALLOCATED},
    "ship": {T.SURVEYED},
    "deliver": {T.SHIPPED},
    "install": {T.DELIVERED},
    "test": {T.INSTALLED, T.TESTED},
    "activate": {T.TESTED},
    "suspend": {T.ACTIVE},
    "reactivate": {T.SUSPENDED, T.UNDER_REPAIR},
    "repair": {T.ACTIVE, T.SUSPENDED},
    "return": {status for status, targets in TERMINAL_MOVES.items() if T.IN_STOCK in targets},
    "retire": {status for status, targets in TERMINAL_MOVES.items() if T.RETIRED in targets},
    "delete": {T.IN_STOCK},
}
# Edits that are not status moves, open only in some statuses.
OPEN_IN = {"parameters": EDITABLE, "parameter_request": LIVE}
WHAT = {
    "allocate": gettext_lazy("allocation to a merchant"),
    "survey": gettext_lazy("a site survey"),
    "ship": gettext_lazy("shipping"),
    "deliver": gettext_lazy("recording the delivery"),
    "install": gettext_lazy("installation"),
    "test": gettext_lazy("a go-live test"),
    "activate": gettext_lazy("going live"),
    "suspend": gettext_lazy("suspension"),
    "reactivate": gettext_lazy("reactivation"),
    "repair": gettext_lazy("sending to repair"),
    "return": gettext_lazy("return to stock"),
    "retire": gettext_lazy("retirement"),
    "delete": gettext_lazy("deletion"),
}
PERMS = {
    "allocate": roles.ALLOCATE, "ship": roles.ALLOCATE,
    "survey": roles.FIELD_WORK, "deliver": roles.FIELD_WORK, "install": roles.FIELD_WORK, "test": roles.FIELD_WORK,
    "parameters": roles.FIELD_WORK, "parameter_request": roles.FIELD_WORK,
    "activate": roles.ACTIVATE, "suspend": roles.ACTIVATE, "reactivate": roles.ACTIVATE,
    "parameter_decide": roles.APPROVE_PARAMETERS,
    "repair": roles.RETIRE, "return": roles.RETIRE, "retire": roles.RETIRE,
    "delete": roles.MANAGE_STOCK, "serial": roles.MANAGE_STOCK,
}
# What the terminal page calls each move (the heading of its form).
LABELS = {
    "allocate": gettext_lazy("Allocate to a merchant"),
    "survey": gettext_lazy("Record the site survey"),
    "ship": gettext_lazy("Ship to the merchant"),
    "deliver": gettext_lazy("Record the delivery (arrival inspection)"),
    "install": gettext_lazy("Record the installation"),
    "test": gettext_lazy("Record the go-live test"),
    "parameters": gettext_lazy("Edit the parameters (before go-live)"),
    "activate": gettext_lazy("Go live"),
    "suspend": gettext_lazy("Suspend"),
    "reactivate": gettext_lazy("Reactivate"),
    "parameter_request": gettext_lazy("Request a parameter change"),
    "repair": gettext_lazy("Send to repair"),
    "return": gettext_lazy("Return to stock"),
    "retire": gettext_lazy("Retire / scrap"),
    "delete": gettext_lazy("Delete (entered by mistake)"),
}


# Rules beyond status (actor, terminal) -> refusal or None, in the services' words. The services check them
# again on the locked row.
def _tested(actor, terminal):
    latest = terminal.tests.order_by("-tested_at", "-id").first()
    if latest is None or not latest.passed:
        return _("Activating an untested terminal is refused: terminal %(serial)s needs a passed test (sign-in, "
                 "test sale and void) after its installation.") % {"serial": terminal.serial_number}
    return None


def _has_merchant(actor, terminal):
    if terminal.merchant_id is None:
        return _("Terminal %(serial)s has no merchant.") % {"serial": terminal.serial_number}
    return None


def _no_pending_change(actor, terminal):
    if terminal.parameter_changes.filter(status=ParameterChange.Status.PENDING).exists():
        return _("A parameter change of terminal %(serial)s is already waiting for approval.") % {
            "serial": terminal.serial_number}
    return None


def _never_placed(actor, terminal):
    if terminal.installations.exists() or terminal.shipments.exists():
        return _("Only a terminal in stock that was never placed at a merchant can be deleted; retire terminal "
                 "%(serial)s instead.") % {"serial": terminal.serial_number}
    return None


RULES = {"activate": _tested, "reactivate": _has_merchant, "parameter_request": _no_pending_change,
         "delete": _never_placed}
ACTIONS = {
    name: Action(name=name, permission=permission, from_statuses=frozenset(FROM.get(name) or OPEN_IN.get(name, ())),
                 label=LABELS.get(name, ""), what=WHAT.get(name, ""), audit_action=f"terminal.{name}",
                 rule=RULES.get(name))
    for name, permission in PERMS.items()
}


def may(actor, action: str) -> bool:
    """Whether ``actor``'s role allows the lifecycle ``action`` (status aside)."""
    return permitted(actor, ACTIONS[action])
