"""Who may do what with terminals, tickets and work orders, as data (``acquirer/policy.py``): each action's
permission, the kinds of user, the statuses it starts from, its extra rule and how it is called. The services
guard every action with ``policy.require`` and the pages ask the same actions.

A rule about the object returns the refusal a person reads (a ``DomainError``); a rule about who the actor is
raises ``NotPermitted`` with its sentence, so that callers and tests see the same refusal as before."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acquirer.exceptions import NotPermitted
from acquirer.models import User
from acquirer.policy import Action, permitted
from merchants.models import Merchant
from terminals import roles
from terminals.models import ParameterChange, Terminal
from terminals.workflow import LIVE, OPEN_TICKET_STATUSES, TERMINAL_MOVES

EVERYONE = frozenset(User.Kind.values)

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
# Parameters are edited directly until the terminal goes live, then changed through a request (the services
# refuse the other statuses with their own sentences).
PARAMETER_FROM = {"parameters": EDITABLE, "parameter_request": LIVE}
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
    name: Action(name=name, permission=permission,
                 from_statuses=frozenset(FROM.get(name) or PARAMETER_FROM.get(name, ())),
                 label=LABELS.get(name, ""), what=WHAT.get(name, ""), audit_action=f"terminal.{name}",
                 rule=RULES.get(name))
    for name, permission in PERMS.items()
}


def may(actor, action: str) -> bool:
    """Whether ``actor``'s role allows the lifecycle ``action`` (status aside)."""
    return permitted(actor, ACTIONS[action])


def may_read(actor, model) -> bool:
    """Whether the terminal page shows ``model``'s records to ``actor``: staff need its view permission;
    auditors see everything and merchant users their own rows (``scope`` narrows them)."""
    if actor.kind == User.Kind.STAFF:
        return actor.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}")
    return True


def _reader(permission: str, refusal, *, merchants: bool = False, linked: str = ""):
    """A rule for reading files: staff need ``permission``, auditors read everything, merchant users (when
    ``merchants``) read their own rows; anyone else, or a row not linked to its record (``linked``, a field
    name), is refused with ``refusal``."""
    def rule(actor, obj) -> None:
        if linked and getattr(obj, linked) is None:
            allowed = False
        elif actor.kind == User.Kind.STAFF:
            allowed = actor.has_perm(permission)
        elif actor.kind == User.Kind.MERCHANT:
            allowed = merchants and actor.merchant_id is not None and actor.merchant_id == obj.merchant_id
        else:
            allowed = actor.kind == User.Kind.AUDITOR
        if not allowed:
            raise NotPermitted(str(refusal))
    return rule


PHOTO_DOWNLOAD = Action("photo_download", kinds=EVERYONE, audit_action="terminal.photo_downloaded",
                        rule=_reader(roles.VIEW_PHOTO, gettext_lazy("You may not see terminal photos.")))


# --- tickets ------------------------------------------------------------------------------------

def _open(actor, ticket) -> str | None:
    if ticket.status not in OPEN_TICKET_STATUSES:
        return (_("Ticket %(number)s is %(status)s: it can no longer be worked on.")
                % {"number": ticket.number, "status": ticket.get_status_display()})
    return None


def _merchant_of_ticket(actor, ticket) -> None:
    if not (actor.kind == User.Kind.MERCHANT and actor.merchant_id is not None
            and actor.merchant_id == ticket.merchant_id):
        raise NotPermitted(_("Only the merchant who has the terminal can confirm or reopen its ticket."))


def _merchant_of_terminal(actor, terminal) -> None:
    if actor.merchant_id is None or actor.merchant_id != terminal.merchant_id:
        raise NotPermitted(_("You can report faults only on your own terminals."))


def _swap(actor, ticket) -> str | None:
    """A swap is ticket handling and field work (both permissions), on a ticket still open."""
    if not actor.has_perm(roles.FIELD_WORK):
        raise NotPermitted(_("Your role does not allow this action."))
    return _open(actor, ticket)


TICKET_ACTIONS = {action.name: action for action in (
    Action("report", kinds=frozenset({User.Kind.MERCHANT}), audit_action="ticket.raised", rule=_merchant_of_terminal),
    Action("record_call", roles.HANDLE_TICKET, audit_action="ticket.raised"),
    Action("assign", roles.HANDLE_TICKET, audit_action="ticket.assigned", rule=_open),
    Action("diagnose", roles.HANDLE_TICKET, audit_action="ticket.diagnosing"),
    Action("dispatch", roles.HANDLE_TICKET, audit_action="ticket.dispatched"),
    Action("add_part", roles.HANDLE_TICKET, audit_action="ticket.part_used", rule=_open),
    Action("resolve", roles.HANDLE_TICKET, audit_action="ticket.resolved"),
    Action("swap", roles.HANDLE_TICKET, audit_action="ticket.swapped", rule=_swap),
    Action("confirm", kinds=EVERYONE, audit_action="ticket.closed", rule=_merchant_of_ticket),
    Action("reopen", kinds=EVERYONE, audit_action="ticket.reopened", rule=_merchant_of_ticket),
    Action("photo_download", kinds=EVERYONE, audit_action="ticket.photo_downloaded",
           rule=_reader(roles.VIEW_TICKET, gettext_lazy("You may not see this photo."), merchants=True)),
)}
# Who a ticket may be given to, and who may be sent on site or install a replacement.
HANDLES_TICKETS = Action("handles_tickets", roles.HANDLE_TICKET)
DOES_FIELD_WORK = Action("does_field_work", roles.FIELD_WORK)


# --- work orders --------------------------------------------------------------------------------

def _assigned_engineer(actor, work_order) -> None:
    if work_order.engineer_id != actor.pk:
        raise NotPermitted(_("Only the engineer assigned to %(number)s can do this.") % {"number": work_order.number})


WORK_ORDER_ACTIONS = {action.name: action for action in (
    Action("create", roles.DISPATCH, audit_action="work_order.created"),
    Action("assign", roles.DISPATCH, audit_action="work_order.assigned"),
    Action("cancel", roles.DISPATCH, audit_action="work_order.cancelled"),
    Action("start", roles.FIELD_WORK, audit_action="work_order.started", rule=_assigned_engineer),
    Action("complete", roles.FIELD_WORK, audit_action="work_order.completed", rule=_assigned_engineer),
    Action("photo_download", kinds=EVERYONE, audit_action="work_order.photo_downloaded",
           rule=_reader(roles.VIEW_WORK_ORDER, gettext_lazy("You may not see work-order photos."),
                        linked="work_order_id")),
)}


# --- health flags -------------------------------------------------------------------------------

def _follows_up(actor, flag) -> None:
    """Staff who activate terminals or do field work follow flags up (either permission)."""
    if not (actor.has_perm(roles.ACTIVATE) or actor.has_perm(roles.FIELD_WORK)):
        raise NotPermitted(_("Your role does not allow this action."))


HEALTH_FLAG_CLEAR = Action("clear", audit_action="health.cleared", rule=_follows_up)
