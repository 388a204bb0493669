"""Terminal catalog, receiving into stock (one terminal or a supplier delivery file), the registry with its
filters, the dashboard with charts (SVG drawn on the server: no script, no inline style) and the merchant's own
terminals in the portal. Reads go through ``terminals.selectors.registry``, writes through
``terminals.services.intake``."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from acquirer.access import AuditorView, OpsView, PortalView
from acquirer.exceptions import DomainError
from merchants.selectors.merchants import merchant_for_user
from terminals.forms.registry import (
    IntakeUploadForm,
    TerminalFilterForm,
    TerminalModelEditForm,
    TerminalModelForm,
    TerminalReceiveForm,
)
from terminals.selectors.registry import (
    intake_batch_get,
    intake_batch_list,
    merchant_rent_terms,
    portal_terminal_get,
    portal_terminal_list,
    terminal_dashboard,
    terminal_deposit_movements,
    terminal_model_choices,
    terminal_model_get,
    terminal_model_list,
    terminal_registry,
    terminal_rent_charges,
    terminal_tickets,
)
from terminals.services.intake import (
    IntakeRejected,
    intake_commit,
    terminal_model_create,
    terminal_model_update,
    terminal_receive,
)

PAGE_SIZE = 50
MANAGE_STOCK = "terminals.manage_stock"


def _url(name: str, *args) -> str:
    """The URL of a page another part of the terminals app may (not yet) provide; "" when it does not exist."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _link(objects, name: str, attribute: str = "detail_url"):
    """Give each object its page URL (``""`` when that page does not exist)."""
    for obj in objects:
        setattr(obj, attribute, _url(name, obj.pk))
    return objects


def _query(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- catalog ----------------------------------------------------------------------------------

class TerminalModelListView(OpsView):
    """The catalog, with the form to add a model (for those who manage stock)."""

    permission_required = ("terminals.view_terminalmodel",)
    template_name = "terminals/registry/model_list.html"

    def _render(self, request, form=None, status=200):
        can_manage = request.user.has_perm(MANAGE_STOCK)
        if form is None and can_manage:
            form = TerminalModelForm(initial={"form_factor": "countertop"})
        return render(request, self.template_name, {
            "models": terminal_model_list(actor=request.user), "form": form, "can_manage": can_manage,
        }, status=status)

    def get(self, request):
        return self._render(request)

    def post(self, request):
        if not request.user.has_perm(MANAGE_STOCK):
            raise PermissionDenied
        form = TerminalModelForm(request.POST)
        if form.is_valid():
            try:
                model = terminal_model_create(actor=request.user, **form.values())
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Model %(model)s added to the catalog.") % {"model": model})
                return redirect("ops:terminal-model-list")
        return self._render(request, form)


class TerminalModelEditView(OpsView):
    permission_required = (MANAGE_STOCK,)
    template_name = "terminals/registry/model_form.html"

    def get(self, request, pk):
        model = terminal_model_get(actor=request.user, pk=pk)
        form = TerminalModelEditForm(initial=TerminalModelEditForm.initial_for(model))
        return render(request, self.template_name, {"model": model, "form": form})

    def post(self, request, pk):
        model = terminal_model_get(actor=request.user, pk=pk)
        form = TerminalModelEditForm(request.POST)
        if form.is_valid():
            try:
                terminal_model_update(actor=request.user, model=model, **form.values())
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Model %(model)s saved.") % {"model": model})
                return redirect("ops:terminal-model-list")
        return render(request, self.template_name, {"model": model, "form": form})


# --- receiving into stock ---------------------------------------------------------------------

class TerminalReceiveView(OpsView):
    """Receive one terminal into stock."""

    permission_required = (MANAGE_STOCK,)
    template_name = "terminals/registry/receive.html"

    def _form(self, request, data=None):
        return TerminalReceiveForm(data, models=terminal_model_choices(actor=request.user).filter(active=True))

    def get(self, request):
        return render(request, self.template_name, {"form": self._form(request)})

    def post(self, request):
        form = self._form(request, request.POST)
        if form.is_valid():
            try:
                terminal = terminal_receive(actor=request.user, **form.cleaned_data)
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Terminal %(serial)s received into stock.")
                                 % {"serial": terminal.serial_number})
                return redirect(_url("ops:terminal-detail", terminal.pk) or reverse("ops:terminal-list"))
        return render(request, self.template_name, {"form": form})


class TerminalIntakeView(OpsView):
    """Upload a supplier delivery file: every row is checked; one bad row and nothing is received."""

    permission_required = (MANAGE_STOCK,)
    template_name = "terminals/registry/intake.html"

    def get(self, request):
        return render(request, self.template_name, {"form": IntakeUploadForm()})

    def post(self, request):
        form = IntakeUploadForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                batch = intake_commit(actor=request.user, supplier=data["supplier"],
                                      delivery_note=data["delivery_note"], uploaded_file=data["file"])
            except IntakeRejected as rejected:
                return render(request, "terminals/registry/intake_result.html",
                              {"report": rejected.report, "message": str(rejected), "supplier": data["supplier"],
                               "delivery_note": data["delivery_note"]})
            except DomainError as error:
                form.add_error("file", str(error))
            else:
                messages.success(request, _("%(rows)s terminals of %(supplier)s received into stock.")
                                 % {"rows": batch.rows, "supplier": batch.supplier})
                return redirect(f"{reverse('ops:terminal-list')}?batch={batch.pk}")
        return render(request, self.template_name, {"form": form})


class IntakeBatchListView(OpsView):
    permission_required = ("terminals.view_intakebatch",)

    def get(self, request):
        page = Paginator(intake_batch_list(actor=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
        return render(request, "terminals/registry/batch_list.html", {"page_obj": page, "batches": page.object_list})


# --- registry ---------------------------------------------------------------------------------

class _RegistryView(TemplateView):
    template_name = "terminals/registry/terminal_list.html"
    area = "ops"
    detail_name = "ops:terminal-detail"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        actor = self.request.user
        form = TerminalFilterForm(self.request.GET or None, models=terminal_model_choices(actor=actor))
        filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
        page = Paginator(terminal_registry(actor=actor, filters=filters), PAGE_SIZE).get_page(
            self.request.GET.get("page"))
        batch = intake_batch_get(actor=actor, pk=filters["batch"]) if filters.get("batch") else None
        ctx.update(form=form, page_obj=page, terminals=_link(page.object_list, self.detail_name), batch=batch,
                   query=_query(self.request), area=self.area)
        return ctx


class TerminalListView(OpsView, _RegistryView):
    permission_required = ("terminals.view_terminal",)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx.update(can_manage=user.has_perm(MANAGE_STOCK), dashboard_url=reverse("ops:terminal-dashboard"))
        return ctx


class AuditTerminalListView(AuditorView, _RegistryView):
    area = "audit"
    detail_name = "audit:terminal-detail"


class TerminalDashboardView(OpsView, TemplateView):
    """Terminals by status and model, firmware below the model's minimum, open tickets by category and severity."""

    permission_required = ("terminals.view_terminal",)
    template_name = "terminals/registry/dashboard.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        with_tickets = user.has_perm("terminals.view_ticket")
        data = terminal_dashboard(actor=user, with_tickets=with_tickets)
        _link(data["below_minimum"], "ops:terminal-detail")
        ctx.update(data, with_tickets=with_tickets, list_url=reverse("ops:terminal-list"))
        return ctx


# --- portal -----------------------------------------------------------------------------------

class PortalTerminalListView(PortalView, TemplateView):
    """The merchant's own terminals: status, where they are installed, deposit, rent and open tickets."""

    template_name = "terminals/portal/terminal_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        actor = self.request.user
        merchant = merchant_for_user(actor=actor)
        terminals = _link(list(portal_terminal_list(actor=actor)), "portal:terminal-detail")
        ctx.update(merchant=merchant, terminals=terminals, rent=merchant_rent_terms(merchant=merchant),
                   area="portal")
        return ctx


class PortalTerminalDetailView(PortalView, TemplateView):
    """One of the merchant's terminals (another merchant's: 404): parameters (never the admin password),
    deposit movements, rent charges and tickets."""

    template_name = "terminals/portal/terminal_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        actor = self.request.user
        terminal = portal_terminal_get(actor=actor, pk=self.kwargs["pk"])
        tickets = _link(list(terminal_tickets(actor=actor, terminal=terminal)), "portal:ticket-detail")
        ctx.update(terminal=terminal, tickets=tickets, area="portal",
                   deposits=terminal_deposit_movements(actor=actor, terminal=terminal),
                   rent_charges=terminal_rent_charges(actor=actor, terminal=terminal),
                   rent=merchant_rent_terms(merchant=terminal.merchant),
                   comm_settings=sorted((str(k), str(v)) for k, v in (terminal.comm_settings or {}).items()
                                        if "password" not in str(k).lower()),
                   list_url=reverse("portal:terminal-list"))
        return ctx


ops_patterns = [
    path("terminals/", TerminalListView.as_view(), name="terminal-list"),
    path("terminals/dashboard/", TerminalDashboardView.as_view(), name="terminal-dashboard"),
    path("terminals/intake/", TerminalIntakeView.as_view(), name="terminal-intake"),
    path("terminals/intake/batches/", IntakeBatchListView.as_view(), name="intake-batch-list"),
    path("terminals/receive/", TerminalReceiveView.as_view(), name="terminal-receive"),
    path("terminal-models/", TerminalModelListView.as_view(), name="terminal-model-list"),
    path("terminal-models/<int:pk>/edit/", TerminalModelEditView.as_view(), name="terminal-model-edit"),
]
portal_patterns = [
    path("terminals/", PortalTerminalListView.as_view(), name="terminal-list"),
    path("terminals/<int:pk>/", PortalTerminalDetailView.as_view(), name="terminal-detail"),
]
audit_patterns = [
    path("terminals/", AuditTerminalListView.as_view(), name="terminal-list"),
]
