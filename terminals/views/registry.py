"""Terminal catalog, receiving into stock (one terminal or a supplier delivery file), the registry with its
filters, the dashboard with charts (SVG drawn on the server: no script, no inline style) and the merchant's own
terminals in the portal. Reads go through ``terminals.selectors.registry``, writes through
``terminals.services.intake``."""

from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from acquirer.access import AuditorView, OpsView, PortalView
from acquirer.lists import link_rows, page_count, page_from_request, query_without_position
from acquirer.views.actions import PAGE_METHODS, ActionView
from merchants.selectors.merchants import merchant_for_user
from terminals import roles
from terminals.forms.registry import (
    IntakeUploadForm,
    PortalTerminalFilterForm,
    TerminalFilterForm,
    TerminalModelEditForm,
    TerminalModelForm,
    TerminalReceiveForm,
)
from terminals.selectors.registry import (
    INTAKE_BATCH_ORDER,
    TERMINAL_ORDER,
    intake_batch_get,
    intake_batch_list,
    merchant_rent_terms,
    portal_terminal_get,
    portal_terminal_list,
    portal_terminal_money,
    terminal_by_identifier,
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

MANAGE_STOCK = roles.MANAGE_STOCK


def _url(name: str, *args) -> str:
    """The URL of a page another part of the terminals app may (not yet) provide; "" when it does not exist."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _link(objects, name: str, attribute: str = "detail_url"):
    """Give each object its page URL (``""`` when that page does not exist)."""
    try:
        return link_rows(objects, name, attribute)
    except NoReverseMatch:
        for obj in objects:
            setattr(obj, attribute, "")
        return objects


class _TerminalSearchMixin:
    """A terminal list with filters: a search that names one terminal exactly (its whole serial number or TID)
    opens that terminal's page; otherwise one keyset page of the filtered list with a bounded count."""

    detail_name = ""
    row_fields: tuple[str, ...] = ()  # the columns the list shows (``acquirer.lists.shown``)

    def filter_form(self):
        raise NotImplementedError

    def terminals(self, filters):
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        self.form = self.filter_form()
        self.filters = self.form.cleaned_data if self.form.is_bound and self.form.is_valid() else {}
        found = terminal_by_identifier(actor=request.user, term=self.filters.get("q", ""))
        if found is not None and _url(self.detail_name, found.pk):
            return redirect(_url(self.detail_name, found.pk))
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        rows = self.terminals(self.filters)
        page = page_from_request(self.request, rows, TERMINAL_ORDER, fields=self.row_fields)
        ctx.update(form=self.form, page=page, count=page_count(rows, page, TERMINAL_ORDER),
                   query=query_without_position(self.request), terminals=_link(page.object_list, self.detail_name))
        return ctx


# --- catalog ----------------------------------------------------------------------------------

class TerminalModelListView(ActionView, OpsView):
    """The catalog, with the form to add a model (for those who manage stock)."""

    http_method_names = PAGE_METHODS
    permission_required = (roles.VIEW_TERMINAL_MODEL,)
    post_permission_required = (MANAGE_STOCK,)
    template_name = "terminals/ops/model_list.html"
    form_class = TerminalModelForm

    def get_form_kwargs(self):
        return {"initial": {"form_factor": "countertop"}}

    def render_form(self, form):
        can_manage = self.request.user.has_perm(MANAGE_STOCK)
        return render(self.request, self.template_name, {
            "models": terminal_model_list(actor=self.request.user), "form": form if can_manage else None,
            "can_manage": can_manage,
        })

    def perform(self, form, obj):
        model = terminal_model_create(actor=self.request.user, **form.values())
        return _("Model %(model)s added to the catalog.") % {"model": model}

    def get_success_url(self, obj):
        return reverse("ops:terminal-model-list")


class TerminalModelEditView(ActionView, OpsView):
    http_method_names = PAGE_METHODS
    permission_required = (MANAGE_STOCK,)
    template_name = "terminals/ops/model_form.html"
    form_class = TerminalModelEditForm

    def get_object(self, pk):
        return terminal_model_get(actor=self.request.user, pk=pk)

    def get_form_kwargs(self):
        return {"initial": TerminalModelEditForm.initial_for(self.object)}

    def render_form(self, form):
        return render(self.request, self.template_name, {"model": self.object, "form": form})

    def perform(self, form, model):
        terminal_model_update(actor=self.request.user, model=model, **form.values())
        return _("Model %(model)s saved.") % {"model": model}

    def get_success_url(self, model):
        return reverse("ops:terminal-model-list")


# --- receiving into stock ---------------------------------------------------------------------

class TerminalReceiveView(ActionView, OpsView):
    """Receive one terminal into stock."""

    http_method_names = PAGE_METHODS
    permission_required = (MANAGE_STOCK,)
    template_name = "terminals/ops/terminal_receive.html"
    form_class = TerminalReceiveForm

    def get_form_kwargs(self):
        return {"models": terminal_model_choices(actor=self.request.user).filter(active=True)}

    def render_form(self, form):
        return render(self.request, self.template_name, {"form": form})

    def perform(self, form, obj):
        self.object = terminal_receive(actor=self.request.user, **form.cleaned_data)
        return _("Terminal %(serial)s received into stock.") % {"serial": self.object.serial_number}

    def get_success_url(self, terminal):
        return _url("ops:terminal-detail", terminal.pk) or reverse("ops:terminal-list")


class TerminalIntakeView(ActionView, OpsView):
    """Upload a supplier delivery file: every row is checked; one bad row and nothing is received."""

    http_method_names = PAGE_METHODS
    permission_required = (MANAGE_STOCK,)
    template_name = "terminals/ops/intake_form.html"
    form_class = IntakeUploadForm

    def render_form(self, form):
        return render(self.request, self.template_name, {"form": form})

    def perform(self, form, obj):
        data = form.cleaned_data
        self.object = intake_commit(actor=self.request.user, supplier=data["supplier"],
                                    delivery_note=data["delivery_note"], uploaded_file=data["file"])
        return _("%(rows)s terminals of %(supplier)s received into stock.") % {
            "rows": self.object.rows, "supplier": self.object.supplier}

    def refused(self, form, error):
        """A file with bad rows shows the report of every row; any other refusal is about the file."""
        if isinstance(error, IntakeRejected):
            data = form.cleaned_data
            return render(self.request, "terminals/ops/intake_result.html",
                          {"report": error.report, "message": str(error), "supplier": data["supplier"],
                           "delivery_note": data["delivery_note"]})
        form.add_error("file", str(error))
        return self.render_form(form)

    def get_success_url(self, batch):
        return f"{reverse('ops:terminal-list')}?batch={batch.pk}"


class IntakeBatchListView(OpsView):
    permission_required = (roles.VIEW_INTAKE_BATCH,)

    def get(self, request):
        page = page_from_request(request, intake_batch_list(actor=request.user), INTAKE_BATCH_ORDER)
        return render(request, "terminals/ops/intake_batch_list.html", {"page": page, "batches": page.object_list})


# --- registry ---------------------------------------------------------------------------------

class _RegistryView(_TerminalSearchMixin, TemplateView):
    template_name = "terminals/shared/terminal_list.html"
    area = "ops"
    detail_name = "ops:terminal-detail"
    row_fields = ("serial_number", "model__brand", "model__name", "tid", "status", "merchant__legal_name",
                  "merchant__mid", "region_code", "firmware_version", "custodian", "custodian_user__username",
                  "last_seen_at")

    def filter_form(self):
        return TerminalFilterForm(self.request.GET or None, models=terminal_model_choices(actor=self.request.user))

    def terminals(self, filters):
        return terminal_registry(actor=self.request.user, filters=filters)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        batch = self.filters.get("batch")
        ctx.update(batch=intake_batch_get(actor=self.request.user, pk=batch) if batch else None, area=self.area)
        return ctx


class TerminalListView(OpsView, _RegistryView):
    permission_required = (roles.VIEW_TERMINAL,)

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

    permission_required = (roles.VIEW_TERMINAL,)
    template_name = "terminals/ops/terminal_dashboard.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        with_tickets = user.has_perm(roles.VIEW_TICKET)
        data = terminal_dashboard(actor=user, with_tickets=with_tickets)
        _link(data["below_minimum"], "ops:terminal-detail")
        ctx.update(data, with_tickets=with_tickets, list_url=reverse("ops:terminal-list"))
        return ctx


# --- portal -----------------------------------------------------------------------------------

class PortalTerminalListView(PortalView, _TerminalSearchMixin, TemplateView):
    """The merchant's own terminals: status, where they are installed, deposit, rent and open tickets."""

    template_name = "terminals/portal/terminal_list.html"
    detail_name = "portal:terminal-detail"
    row_fields = ("serial_number", "model__brand", "model__name", "tid", "status", "install_address",
                  "deposit_state", "merchant_id")

    def filter_form(self):
        return PortalTerminalFilterForm(self.request.GET or None)

    def terminals(self, filters):
        return portal_terminal_list(actor=self.request.user, filters=filters)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        actor = self.request.user
        merchant = merchant_for_user(actor=actor)
        portal_terminal_money(actor=actor, terminals=ctx["terminals"])
        ctx.update(merchant=merchant, rent=merchant_rent_terms(merchant=merchant), area="portal")
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
