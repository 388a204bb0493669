"""The terminal page (ops and audit) with its lifecycle moves: one POST endpoint per move, each calling
one service. The page offers only the moves allowed now for the actor's permissions; a refused move
shows the service's message (next to the field when it concerns one)."""

from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acquirer.access import AuditorView, OpsView
from acquirer.exceptions import DomainError
from acquirer.policy import available_actions
from acquirer.views.actions import ActionView, flash_form_errors
from terminals import roles
from terminals.forms import lifecycle as f
from terminals.policy import ACTIONS, PERMS, may
from terminals.selectors.lifecycle import (
    allocatable_merchants,
    parameter_change_get,
    pending_changes,
    terminal_get,
    terminal_photo_get,
    terminal_timeline,
)
from terminals.services import lifecycle as svc
from terminals.services import parameters as params
from terminals.services.photos import terminal_photo_download

PAGE = "terminals/shared/terminal_detail.html"


@dataclass(frozen=True)
class Move:
    """How the terminal page shows a move's form (what it is called comes from ``terminals.policy.ACTIONS``)."""

    url: str
    button: str
    css: str = "btn-primary"
    multipart: bool = False


MOVES = {
    "allocate": Move("ops:terminal-allocate", gettext_lazy("Allocate")),
    "survey": Move("ops:terminal-survey", gettext_lazy("Record the survey"), multipart=True),
    "ship": Move("ops:terminal-ship", gettext_lazy("Record the shipment")),
    "deliver": Move("ops:terminal-deliver", gettext_lazy("Record the delivery"), multipart=True),
    "install": Move("ops:terminal-install", gettext_lazy("Record the installation"), multipart=True),
    "test": Move("ops:terminal-test", gettext_lazy("Record the test")),
    "parameters": Move("ops:terminal-parameters", gettext_lazy("Save the parameters"), "btn-outline-primary"),
    "activate": Move("ops:terminal-activate", gettext_lazy("Activate the terminal"), "btn-success"),
    "suspend": Move("ops:terminal-suspend", gettext_lazy("Suspend the terminal"), "btn-warning"),
    "reactivate": Move("ops:terminal-reactivate", gettext_lazy("Reactivate the terminal"), "btn-success"),
    "parameter_request": Move("ops:parameter-change-request", gettext_lazy("Request the change"),
                              "btn-outline-primary"),
    "repair": Move("ops:terminal-repair", gettext_lazy("Send to repair"), "btn-outline-warning"),
    "return": Move("ops:terminal-return", gettext_lazy("Return to stock"), "btn-outline-secondary"),
    "retire": Move("ops:terminal-retire", gettext_lazy("Retire the terminal"), "btn-outline-danger"),
    "delete": Move("ops:terminal-delete", gettext_lazy("Delete the terminal"), "btn-danger"),
}


def _form(action: str, request, terminal, data=None, files=None):
    auto_id = f"id_{action}_%s"
    today = timezone.localdate()
    if action == "allocate":
        return f.AllocateForm(data, merchants=allocatable_merchants(actor=request.user), auto_id=auto_id)
    if action == "survey":
        return f.SurveyForm(data, files, initial={"surveyed_on": today}, auto_id=auto_id)
    if action == "ship":
        return f.ShipForm(data, auto_id=auto_id)
    if action == "deliver":
        return f.DeliverForm(data, files, auto_id=auto_id)
    if action == "install":
        return f.InstallForm(data, files, terminal=terminal, initial={"installed_on": today}, auto_id=auto_id)
    if action == "test":
        return f.GoLiveTestForm(data, auto_id=auto_id)
    if action == "parameters":
        return f.ParametersForm(data, terminal=terminal, auto_id=auto_id)
    if action == "parameter_request":
        return f.ParameterChangeForm(data, terminal=terminal, auto_id=auto_id)
    if action == "suspend":
        return f.SuspendForm(data, auto_id=auto_id)
    if action in ("repair", "return", "retire"):
        return f.NoteForm(data, auto_id=auto_id)
    if action == "delete":
        return f.DeleteForm(data, auto_id=auto_id)
    return f.ConfirmForm(data, auto_id=auto_id)


def _decision_forms(change, bound: dict):
    approve = bound.get(("approve", change.pk)) or f.DecisionForm(auto_id=f"id_approve_{change.pk}_%s")
    reject = bound.get(("reject", change.pk)) or f.RejectForm(auto_id=f"id_reject_{change.pk}_%s")
    return approve, reject


def render_page(request, terminal, *, area: str, bound: dict | None = None):
    """The terminal page; ``bound`` holds a submitted form (by action key) to show with its errors."""
    bound = bound or {}
    actor = request.user
    timeline = terminal_timeline(actor=actor, terminal=terminal)
    moves = []
    decisions = []
    if area == "ops":
        # The moves come from the same policy the services check (terminals/policy.py), in the page's order.
        allowed = available_actions(actor, terminal, ACTIONS.values())
        offered = [key for key in MOVES if key in allowed]
        for key in offered:
            form = bound.get(key) or _form(key, request, terminal)
            moves.append({"key": key, "action": allowed[key], "move": MOVES[key], "form": form})
        for key, form in bound.items():
            if key not in offered and not isinstance(key, tuple):
                flash_form_errors(request, form)
        if may(actor, "parameter_decide"):
            for change in pending_changes(timeline):
                approve, reject = _decision_forms(change, bound)
                decisions.append({"change": change, "approve_form": approve, "reject_form": reject,
                                  "can_approve": change.requested_by_id != actor.pk})
    return render(request, PAGE, {
        "terminal": terminal, "area": area, "timeline": timeline, "events": timeline["events"],
        "moves": moves, "decisions": decisions,
        "photo_url": "ops:terminal-photo" if area == "ops" else "audit:terminal-photo",
    })


# --- pages ------------------------------------------------------------------------------------

class OpsTerminalDetailView(OpsView):
    permission_required = (roles.VIEW_TERMINAL,)

    def get(self, request, pk):
        return render_page(request, terminal_get(actor=request.user, pk=pk), area="ops")


class AuditTerminalDetailView(AuditorView):
    def get(self, request, pk):
        return render_page(request, terminal_get(actor=request.user, pk=pk), area="audit")


class _PhotoMixin:
    def get(self, request, pk):
        photo = terminal_photo_get(actor=request.user, pk=pk)
        try:
            return terminal_photo_download(actor=request.user, photo=photo)
        except DomainError as error:
            raise Http404(str(error)) from error


class OpsTerminalPhotoView(OpsView, _PhotoMixin):
    permission_required = (roles.VIEW_PHOTO,)


class AuditTerminalPhotoView(AuditorView, _PhotoMixin):
    pass


# --- moves ------------------------------------------------------------------------------------

class _TerminalMoveView(ActionView, OpsView):
    """One lifecycle move: validate the form, call the service; a refusal is shown in the form on the terminal
    page (or as a message when the move is not on the page any more)."""

    template_name = PAGE
    action = ""

    def get_object(self, pk):
        return terminal_get(actor=self.request.user, pk=pk)

    def get_form(self, data=None, files=None):
        return _form(self.action, self.request, self.object, data, files)

    def render_form(self, form):
        return render_page(self.request, self.object, area="ops", bound={self.action: form})

    def get_success_url(self, terminal):
        return reverse("ops:terminal-detail", kwargs={"pk": terminal.pk})


def _move_view(action: str, perform, *, success_url=None):
    attrs = {"action": action, "permission_required": (PERMS[action],),
             "perform": lambda self, form, terminal: perform(self.request.user, terminal, form)}
    if success_url is not None:
        attrs["get_success_url"] = lambda self, terminal: success_url(terminal)
    name = "OpsTerminal" + "".join(part.title() for part in action.split("_")) + "View"
    attrs.update(__module__=__name__, __qualname__=name)
    return type(name, (_TerminalMoveView,), attrs)


def _allocate(actor, terminal, form):
    svc.terminal_allocate(actor=actor, terminal=terminal, merchant=form.cleaned_data["merchant"])
    return _("Terminal %(serial)s allocated to %(merchant)s.") % {"serial": terminal.serial_number,
                                                                   "merchant": form.cleaned_data["merchant"]}


def _survey(actor, terminal, form):
    survey = svc.terminal_survey_record(actor=actor, terminal=terminal, **form.values())
    if survey.feasible:
        return _("Site survey recorded: installation is feasible.")
    return _("Site survey recorded: not feasible; terminal %(serial)s went back to stock.") % {
        "serial": terminal.serial_number}


def _ship(actor, terminal, form):
    shipment = svc.terminal_ship(actor=actor, terminal=terminal, **form.cleaned_data)
    return _("Shipped with %(carrier)s, tracking number %(tracking)s.") % {
        "carrier": shipment.carrier, "tracking": shipment.tracking_number}


def _deliver(actor, terminal, form):
    data = form.cleaned_data
    svc.terminal_deliver(actor=actor, terminal=terminal, arrival_ok=data["arrival_ok"],
                         arrival_notes=data["arrival_notes"], photos=data["photos"])
    if data["arrival_ok"]:
        return _("Delivery recorded: the terminal arrived undamaged.")
    return _("Delivery recorded: the terminal arrived damaged and goes back to stock.")


def _install(actor, terminal, form):
    installation = svc.terminal_install(actor=actor, terminal=terminal, **form.values())
    return _("Installation recorded with TID %(tid)s. Test the terminal before it goes live.") % {
        "tid": installation.tid}


def _test(actor, terminal, form):
    test = svc.terminal_test_record(actor=actor, terminal=terminal, **form.cleaned_data)
    if test.passed:
        return _("Test passed: the terminal can go live.")
    return _("Test failed and recorded: fix the terminal and test it again.")


def _parameters(actor, terminal, form):
    params.terminal_parameters_edit(actor=actor, terminal=terminal, changes=form.changes())
    return _("Parameters saved.")


def _activate(actor, terminal, form):
    svc.terminal_activate(actor=actor, terminal=terminal)
    return _("Terminal %(serial)s is live.") % {"serial": terminal.serial_number}


def _suspend(actor, terminal, form):
    svc.terminal_suspend(actor=actor, terminal=terminal, **form.cleaned_data)
    return _("Terminal %(serial)s suspended.") % {"serial": terminal.serial_number}


def _reactivate(actor, terminal, form):
    svc.terminal_reactivate(actor=actor, terminal=terminal)
    return _("Terminal %(serial)s is live again.") % {"serial": terminal.serial_number}


def _parameter_request(actor, terminal, form):
    params.parameter_change_request(actor=actor, terminal=terminal, changes=form.changes(),
                                    reason=form.cleaned_data["reason"])
    return _("Parameter change requested: another person must approve it.")


def _repair(actor, terminal, form):
    svc.terminal_send_to_repair(actor=actor, terminal=terminal, note=form.cleaned_data["note"])
    return _("Terminal %(serial)s sent to repair; its TID is released.") % {"serial": terminal.serial_number}


def _return(actor, terminal, form):
    svc.terminal_return_to_stock(actor=actor, terminal=terminal, note=form.cleaned_data["note"])
    return _("Terminal %(serial)s is back in stock; its parameters were cleared.") % {
        "serial": terminal.serial_number}


def _retire(actor, terminal, form):
    svc.terminal_retire(actor=actor, terminal=terminal, note=form.cleaned_data["note"])
    return _("Terminal %(serial)s retired.") % {"serial": terminal.serial_number}


def _delete(actor, terminal, form):
    svc.terminal_delete(actor=actor, terminal=terminal)
    return _("Terminal %(serial)s deleted.") % {"serial": terminal.serial_number}


def _after_delete(terminal) -> str:
    try:
        return reverse("ops:terminal-list")
    except NoReverseMatch:
        return reverse("ops:home")


MOVE_VIEWS = {
    "allocate": _move_view("allocate", _allocate),
    "survey": _move_view("survey", _survey),
    "ship": _move_view("ship", _ship),
    "deliver": _move_view("deliver", _deliver),
    "install": _move_view("install", _install),
    "test": _move_view("test", _test),
    "parameters": _move_view("parameters", _parameters),
    "activate": _move_view("activate", _activate),
    "suspend": _move_view("suspend", _suspend),
    "reactivate": _move_view("reactivate", _reactivate),
    "parameter_request": _move_view("parameter_request", _parameter_request),
    "repair": _move_view("repair", _repair),
    "return": _move_view("return", _return),
    "retire": _move_view("retire", _retire),
    "delete": _move_view("delete", _delete, success_url=_after_delete),
}


class _ParameterDecisionView(ActionView, OpsView):
    """Approve or reject a pending parameter change; a refusal is shown as a message and in the form."""

    permission_required = (roles.APPROVE_PARAMETERS,)
    template_name = PAGE
    decision = ""
    form_class = f.DecisionForm

    def get_object(self, pk):
        return parameter_change_get(actor=self.request.user, pk=pk)

    def get_form_kwargs(self):
        return {"auto_id": f"id_{self.decision}_{self.object.pk}_%s"}

    def render_form(self, form):
        terminal = terminal_get(actor=self.request.user, pk=self.object.terminal_id)
        return render_page(self.request, terminal, area="ops", bound={(self.decision, self.object.pk): form})

    def refused(self, form, error):
        messages.error(self.request, str(error))
        return super().refused(form, error)

    def get_success_url(self, change):
        return reverse("ops:terminal-detail", kwargs={"pk": change.terminal_id})


class OpsParameterChangeApproveView(_ParameterDecisionView):
    decision = "approve"

    def perform(self, form, change):
        params.parameter_change_approve(actor=self.request.user, change=change, note=form.cleaned_data["note"])
        return _("Parameter change approved and applied to the terminal.")


class OpsParameterChangeRejectView(_ParameterDecisionView):
    decision = "reject"
    form_class = f.RejectForm

    def perform(self, form, change):
        params.parameter_change_reject(actor=self.request.user, change=change, note=form.cleaned_data["note"])
        return _("Parameter change rejected.")


ops_patterns = [
    path("terminals/<int:pk>/", OpsTerminalDetailView.as_view(), name="terminal-detail"),
    *[path(f"terminals/<int:pk>/{segment}/", MOVE_VIEWS[action].as_view(), name=name) for action, segment, name in (
        ("allocate", "allocate", "terminal-allocate"),
        ("survey", "survey", "terminal-survey"),
        ("ship", "ship", "terminal-ship"),
        ("deliver", "deliver", "terminal-deliver"),
        ("install", "install", "terminal-install"),
        ("test", "test", "terminal-test"),
        ("parameters", "parameters", "terminal-parameters"),
        ("activate", "activate", "terminal-activate"),
        ("suspend", "suspend", "terminal-suspend"),
        ("reactivate", "reactivate", "terminal-reactivate"),
        ("parameter_request", "parameter-changes/new", "parameter-change-request"),
        ("repair", "repair", "terminal-repair"),
        ("return", "return", "terminal-return"),
        ("retire", "retire", "terminal-retire"),
        ("delete", "delete", "terminal-delete"),
    )],
    path("terminals/parameter-changes/<int:pk>/approve/", OpsParameterChangeApproveView.as_view(),
         name="parameter-change-approve"),
    path("terminals/parameter-changes/<int:pk>/reject/", OpsParameterChangeRejectView.as_view(),
         name="parameter-change-reject"),
    path("terminals/photos/<int:pk>/", OpsTerminalPhotoView.as_view(), name="terminal-photo"),
]
portal_patterns = []
audit_patterns = [
    path("terminals/<int:pk>/", AuditTerminalDetailView.as_view(), name="terminal-detail"),
    path("terminals/photos/<int:pk>/", AuditTerminalPhotoView.as_view(), name="terminal-photo"),
]
