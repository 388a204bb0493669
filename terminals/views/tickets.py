"""Maintenance tickets: the ops queue with SLA clocks, phone-call intake, the ticket page with the
allowed moves (assign, remote diagnosis, dispatch, spare parts, swap, resolve); the merchant reports a
fault in the portal, follows it and confirms or reopens it; auditors read everything.

The SLA clocks are computed here from the due times (``terminals.services.sla.clock``), never stored."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from acquirer.access import AuditorView, OpsView, PortalView
from acquirer.exceptions import DomainError
from acquirer.forms import ReasonForm
from acquirer.lists import link_rows, page_count, page_from_request, query_without_position
from acquirer.selectors import audit_history
from acquirer.views.actions import PAGE_METHODS, ActionView
from acquirer.workflow import allowed_moves
from terminals import roles
from terminals.forms.tickets import (
    AssignForm,
    DiagnoseForm,
    DispatchForm,
    OpsTicketForm,
    PartForm,
    PortalTicketForm,
    ResolveForm,
    SwapForm,
    TicketFilterForm,
)
from terminals.models import Ticket
from terminals.selectors.tickets import (
    ROW_FIELDS,
    ticket_assignee_choices,
    ticket_by_number,
    ticket_engineer_choices,
    ticket_get,
    ticket_list,
    ticket_order,
    ticket_photo_get,
    ticket_replacement_choices,
    ticket_terminal_choices,
    ticket_terminal_lookup,
    ticket_terminal_search,
)
from terminals.services import tickets as svc
from terminals.services.sla import clock
from terminals.workflow import TICKET_MOVES

K = Ticket.Status
VIEW_PERM = roles.VIEW_TICKET
HANDLE_PERM = roles.HANDLE_TICKET
FIELD_PERM = roles.FIELD_WORK
DETAIL = "terminals/shared/ticket_detail.html"


def _with_clocks(tickets, now=None):
    """Attach the response and resolution clocks (business hours) to each ticket; no queries."""
    now = now or timezone.now()
    for ticket in tickets:
        ticket.response_clock = clock(due=ticket.response_due, stopped_at=ticket.responded_at, now=now)
        ticket.resolution_clock = clock(due=ticket.resolution_due, now=now,
                                        stopped_at=ticket.resolved_at if ticket.status not in svc.OPEN_STATUSES
                                        else None)
    return tickets



def _photo_response(request, pk):
    photo = ticket_photo_get(actor=request.user, pk=pk)
    try:
        return svc.ticket_photo_download(actor=request.user, photo=photo)
    except DomainError as error:
        raise Http404(str(error)) from error


# --- lists ------------------------------------------------------------------------------------

class _ListMixin:
    """The ticket queue: filters, one keyset page of tickets with their clocks (a constant number of queries);
    a search by a whole ticket number opens that ticket."""

    template_name = "terminals/shared/ticket_list.html"
    area = "ops"

    def get(self, request, *args, **kwargs):
        data = request.GET.copy()
        if self.area != "portal" and not set(TicketFilterForm.base_fields) & set(data):
            data["status"] = "unresolved"  # staff start from the tickets still to work on
        self.form = TicketFilterForm(data)
        self.filters = self.form.cleaned_data if self.form.is_valid() else {}
        found = ticket_by_number(actor=request.user, number=self.filters.get("q", ""))
        if found is not None:
            return redirect(f"{self.area}:ticket-detail", found.pk)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        rows = ticket_list(actor=self.request.user, filters=self.filters)
        page = page_from_request(self.request, rows, ticket_order(self.filters), fields=ROW_FIELDS)
        ctx.update(area=self.area, form=self.form, page=page, count=page_count(rows, page, ticket_order(self.filters)),
                   tickets=link_rows(_with_clocks(list(page.object_list)), f"{self.area}:ticket-detail"),
                   query=query_without_position(self.request))
        return ctx


class OpsTicketListView(OpsView, _ListMixin, TemplateView):
    permission_required = (VIEW_PERM,)


class PortalTicketListView(PortalView, _ListMixin, TemplateView):
    area = "portal"


class AuditTicketListView(AuditorView, _ListMixin, TemplateView):
    area = "audit"


# --- intake -----------------------------------------------------------------------------------

class OpsTicketCreateView(ActionView, OpsView):
    """A fault reported by phone: find the terminal by serial number or TID, record the ticket."""

    http_method_names = PAGE_METHODS
    permission_required = (HANDLE_PERM,)
    template_name = "terminals/ops/ticket_create.html"
    form_class = OpsTicketForm

    def get_form_kwargs(self):
        return {"initial": {"terminal": self.request.GET.get("terminal", "")}}

    def render_form(self, form):
        query = self.request.GET.get("q", "")
        matches = ticket_terminal_search(actor=self.request.user, query=query) if query else []
        return render(self.request, self.template_name, {"area": "ops", "form": form, "q": query,
                                                         "matches": matches})

    def perform(self, form, obj):
        data = form.cleaned_data
        terminal = ticket_terminal_lookup(actor=self.request.user, query=data["terminal"])
        if terminal is None:
            raise ValidationError({"terminal": _("No terminal installed at a merchant has this serial number or "
                                                 "TID.")})
        self.object = svc.ticket_raise(actor=self.request.user, terminal=terminal, category=data["category"],
                                       severity=data["severity"], description=data["description"],
                                       channel=Ticket.Channel.PHONE, photos=data["photos"],
                                       raised_at=data.get("raised_at"))
        return _("Ticket %(number)s recorded for %(merchant)s.") % {"number": self.object.number,
                                                                     "merchant": self.object.merchant}

    def get_success_url(self, ticket):
        return reverse("ops:ticket-detail", kwargs={"pk": ticket.pk})


class PortalTicketCreateView(ActionView, PortalView):
    """The merchant reports a fault on one of its terminals, with photos."""

    http_method_names = PAGE_METHODS
    template_name = "terminals/portal/ticket_create.html"
    form_class = PortalTicketForm

    def get_form_kwargs(self):
        terminal = self.request.GET.get("terminal", "")
        return {"terminals": ticket_terminal_choices(actor=self.request.user),
                "initial": {"terminal": terminal} if terminal.isdigit() else {}}

    def render_form(self, form):
        return render(self.request, self.template_name, {"area": "portal", "form": form})

    def perform(self, form, obj):
        data = form.cleaned_data
        self.object = ticket = svc.ticket_raise(
            actor=self.request.user, terminal=data["terminal"], category=data["category"],
            severity=data["severity"], description=data["description"], channel=Ticket.Channel.PORTAL,
            photos=data["photos"])
        return _("Thank you: your fault report is ticket %(number)s. We will respond by %(due)s.") % {
            "number": ticket.number, "due": timezone.localtime(ticket.response_due).strftime("%Y-%m-%d %H:%M")}

    def get_success_url(self, ticket):
        return reverse("portal:ticket-detail", kwargs={"pk": ticket.pk})


# --- detail -----------------------------------------------------------------------------------

def _detail_context(request, ticket: Ticket, area: str) -> dict:
    _with_clocks([ticket])
    ctx = {"ticket": ticket, "area": area, "parts": ticket.parts.all(), "photos": ticket.photos.all(),
           "work_orders": ticket.work_orders.all(), "resolution_label": svc.RESOLUTION_CODES.get(
               ticket.resolution_code, ticket.resolution_code)}
    if area != "portal":
        ctx["history"] = audit_history(actor=request.user, target=ticket)
    return ctx


def _ops_detail(request, ticket: Ticket):
    ctx = _detail_context(request, ticket, "ops")
    user = request.user
    allowed = allowed_moves(ticket, TICKET_MOVES)
    if user.has_perm(HANDLE_PERM) and ticket.status in svc.OPEN_STATUSES:
        engineers = ticket_engineer_choices(actor=user)
        ctx.update(
            assign_form=AssignForm(assignees=ticket_assignee_choices(actor=user),
                                   initial={"assignee": ticket.assignee_id}),
            diagnose_form=DiagnoseForm() if K.DIAGNOSING in allowed else None,
            dispatch_form=DispatchForm(engineers=engineers) if K.DISPATCHED in allowed else None,
            part_form=PartForm(),
            resolve_form=ResolveForm() if K.RESOLVED in allowed else None,
        )
        if user.has_perm(FIELD_PERM) and ticket.terminal.status in svc.SWAPPABLE:
            ctx["swap_form"] = SwapForm(replacements=ticket_replacement_choices(actor=user, ticket=ticket),
                                        engineers=engineers)
    return render(request, DETAIL, ctx)


class OpsTicketDetailView(OpsView):
    permission_required = (VIEW_PERM,)

    def get(self, request, pk):
        return _ops_detail(request, ticket_get(actor=request.user, pk=pk))


class PortalTicketDetailView(PortalView):
    def get(self, request, pk):
        ticket = ticket_get(actor=request.user, pk=pk)
        ctx = _detail_context(request, ticket, "portal")
        if ticket.status == K.RESOLVED:
            ctx["reopen_form"] = ReasonForm()
        return render(request, DETAIL, ctx)


class AuditTicketDetailView(AuditorView):
    def get(self, request, pk):
        return render(request, DETAIL, _detail_context(request, ticket_get(actor=request.user, pk=pk), "audit"))


# --- moves ------------------------------------------------------------------------------------

class _TicketActionView(ActionView):
    """One move on a ticket; back to the ticket page."""

    detail_url = "ops:ticket-detail"

    def get_object(self, pk):
        return ticket_get(actor=self.request.user, pk=pk)

    def get_success_url(self, ticket):
        return reverse(self.detail_url, kwargs={"pk": ticket.pk})


class OpsTicketAssignView(_TicketActionView, OpsView):
    permission_required = (HANDLE_PERM,)
    form_class = AssignForm

    def get_form_kwargs(self):
        return {"assignees": ticket_assignee_choices(actor=self.request.user)}

    def perform(self, form, ticket):
        assignee = form.cleaned_data["assignee"]
        svc.ticket_assign(actor=self.request.user, ticket=ticket, assignee=assignee)
        return _("Ticket %(number)s assigned to %(user)s.") % {"number": ticket.number,
                                                                "user": assignee.get_username()}


class OpsTicketDiagnoseView(_TicketActionView, OpsView):
    permission_required = (HANDLE_PERM,)
    form_class = DiagnoseForm

    def perform(self, form, ticket):
        svc.ticket_diagnose(actor=self.request.user, ticket=ticket, note=form.cleaned_data["note"])
        return _("Remote diagnosis started on ticket %(number)s.") % {"number": ticket.number}


class OpsTicketDispatchView(_TicketActionView, OpsView):
    permission_required = (HANDLE_PERM,)
    form_class = DispatchForm

    def get_form_kwargs(self):
        return {"engineers": ticket_engineer_choices(actor=self.request.user)}

    def perform(self, form, ticket):
        data = form.cleaned_data
        order = svc.ticket_dispatch(actor=self.request.user, ticket=ticket, engineer=data["engineer"],
                                    window_start=data["window_start"], window_end=data["window_end"])
        return _("Engineer dispatched: work order %(number)s.") % {"number": order.number}


class OpsTicketPartView(_TicketActionView, OpsView):
    permission_required = (HANDLE_PERM,)
    form_class = PartForm

    def perform(self, form, ticket):
        use = svc.ticket_add_part(actor=self.request.user, ticket=ticket, part=form.cleaned_data["part"],
                                  quantity=form.cleaned_data["quantity"])
        return _("Spare part recorded: %(part)s.") % {"part": use}


class OpsTicketResolveView(_TicketActionView, OpsView):
    permission_required = (HANDLE_PERM,)
    form_class = ResolveForm

    def perform(self, form, ticket):
        svc.ticket_resolve(actor=self.request.user, ticket=ticket, resolution_code=form.cleaned_data["resolution_code"],
                           notes=form.cleaned_data["notes"])
        return _("Ticket %(number)s resolved; the merchant is asked to confirm.") % {"number": ticket.number}


class OpsTicketSwapView(_TicketActionView, OpsView):
    permission_required = (HANDLE_PERM, FIELD_PERM)
    form_class = SwapForm

    def get_form_kwargs(self):
        actor = self.request.user
        return {"replacements": ticket_replacement_choices(actor=actor, ticket=self.object),
                "engineers": ticket_engineer_choices(actor=actor)}

    def perform(self, form, ticket):
        data = form.cleaned_data
        installation = svc.terminal_swap(actor=self.request.user, ticket=ticket, replacement=data["replacement"],
                                         engineer=data["engineer"], installed_on=data["installed_on"])
        return _("Terminal %(old)s swapped for %(new)s, which took over its parameters; %(old)s went to repair. "
                 "Test and activate %(new)s, then resolve the ticket.") % {
            "old": ticket.terminal.serial_number, "new": installation.terminal.serial_number}


class PortalTicketConfirmView(_TicketActionView, PortalView):
    detail_url = "portal:ticket-detail"

    def perform(self, form, ticket):
        svc.ticket_confirm(actor=self.request.user, ticket=ticket)
        return _("Thank you: ticket %(number)s is closed.") % {"number": ticket.number}


class PortalTicketReopenView(_TicketActionView, PortalView):
    detail_url = "portal:ticket-detail"
    form_class = ReasonForm

    def perform(self, form, ticket):
        svc.ticket_reopen(actor=self.request.user, ticket=ticket, reason=form.cleaned_data["reason"])
        return _("Ticket %(number)s is open again; we will get back to you.") % {"number": ticket.number}


# --- photos -----------------------------------------------------------------------------------

class OpsTicketPhotoView(OpsView):
    permission_required = (VIEW_PERM,)

    def get(self, request, pk):
        return _photo_response(request, pk)


class PortalTicketPhotoView(PortalView):
    def get(self, request, pk):
        return _photo_response(request, pk)


ops_patterns = [
    path("tickets/", OpsTicketListView.as_view(), name="ticket-list"),
    path("tickets/new/", OpsTicketCreateView.as_view(), name="ticket-create"),
    path("tickets/<int:pk>/", OpsTicketDetailView.as_view(), name="ticket-detail"),
    path("tickets/<int:pk>/assign/", OpsTicketAssignView.as_view(), name="ticket-assign"),
    path("tickets/<int:pk>/diagnose/", OpsTicketDiagnoseView.as_view(), name="ticket-diagnose"),
    path("tickets/<int:pk>/dispatch/", OpsTicketDispatchView.as_view(), name="ticket-dispatch"),
    path("tickets/<int:pk>/part/", OpsTicketPartView.as_view(), name="ticket-part"),
    path("tickets/<int:pk>/resolve/", OpsTicketResolveView.as_view(), name="ticket-resolve"),
    path("tickets/<int:pk>/swap/", OpsTicketSwapView.as_view(), name="ticket-swap"),
    path("tickets/photos/<int:pk>/", OpsTicketPhotoView.as_view(), name="ticket-photo"),
]
portal_patterns = [
    path("tickets/", PortalTicketListView.as_view(), name="ticket-list"),
    path("tickets/new/", PortalTicketCreateView.as_view(), name="ticket-create"),
    path("tickets/<int:pk>/", PortalTicketDetailView.as_view(), name="ticket-detail"),
    path("tickets/<int:pk>/confirm/", PortalTicketConfirmView.as_view(), name="ticket-confirm"),
    path("tickets/<int:pk>/reopen/", PortalTicketReopenView.as_view(), name="ticket-reopen"),
    path("tickets/photos/<int:pk>/", PortalTicketPhotoView.as_view(), name="ticket-photo"),
]
audit_patterns = [
    path("tickets/", AuditTicketListView.as_view(), name="ticket-list"),
    path("tickets/<int:pk>/", AuditTicketDetailView.as_view(), name="ticket-detail"),
]
