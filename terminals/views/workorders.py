"""Field work orders: the ops board, creation and dispatch, the engineer's "my jobs today" page (made for a
phone), start and completion with checklist and photos, cancellation, audited photo downloads, and the
auditors' read-only pages. Reads go through terminals.selectors.workorders, writes through
terminals.services.workorders."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from acquirer.access import AuditorView, OpsView
from acquirer.exceptions import DomainError
from acquirer.forms import ReasonForm
from acquirer.lists import link_rows, page_from_request, query_without_position
from acquirer.selectors import audit_history
from acquirer.views.actions import PAGE_METHODS, ActionView
from acquirer.workflow import allowed_moves
from terminals import roles
from terminals.forms.workorders import (
    MerchantSearchForm,
    WorkOrderAssignForm,
    WorkOrderCompleteForm,
    WorkOrderCreateForm,
    WorkOrderFilterForm,
    WorkOrderStartForm,
)
from terminals.models import WorkOrder
from terminals.selectors.workorders import (
    ROW_FIELDS,
    engineer_list,
    merchant_pick,
    merchant_search,
    merchant_terminals,
    merchant_tickets,
    work_order_board_count,
    work_order_by_number,
    work_order_get,
    work_order_list,
    work_order_order,
    work_order_photo_get,
    work_order_status_counts,
    work_orders_today,
)
from terminals.services import workorders as svc
from terminals.workflow import WORK_ORDER_MOVES

W = WorkOrder.Status
VIEW = (roles.VIEW_WORK_ORDER,)
DISPATCH = (roles.DISPATCH,)
FIELD_WORK = (roles.FIELD_WORK,)
DETAIL = "terminals/shared/workorder_detail.html"
MINE = "terminals/ops/workorder_mine.html"
START_CONFIRM = "terminals/ops/workorder_start_confirm.html"



def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def checklist_rows(work_order: WorkOrder) -> list[dict]:
    """The checklist of the work order's kind with the recorded answers (None = not answered yet)."""
    answers = work_order.checklist or {}
    return [{"key": key, "label": label, "done": answers.get(key)}
            for key, label in svc.CHECKLISTS.get(work_order.kind, {}).items()]


def _complete_form(work_order: WorkOrder, data=None, files=None) -> WorkOrderCompleteForm:
    return WorkOrderCompleteForm(data, files, kind=work_order.kind, auto_id=f"wo{work_order.pk}_%s")


# --- the board ---------------------------------------------------------------------------------

class _BoardMixin:
    """The board: status tabs, filters, one keyset page of work orders; a search by a whole work-order number
    opens that work order."""

    template_name = "terminals/shared/workorder_list.html"
    detail_name = "ops:workorder-detail"

    def get(self, request, *args, **kwargs):
        engineers = engineer_list(actor=request.user).only("id", "username")  # the filter shows their names
        self.form = WorkOrderFilterForm(request.GET or None, engineers=list(engineers))
        self.filters = self.form.filters()
        found = work_order_by_number(actor=request.user, number=self.filters.get("q", ""))
        if found is not None:
            return redirect(self.detail_name, pk=found.pk)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        actor = self.request.user
        rows = work_order_list(actor=actor, filters=self.filters)
        page = page_from_request(self.request, rows, work_order_order(self.filters), fields=ROW_FIELDS)
        counts = work_order_status_counts(actor=actor)
        ctx.update(form=self.form, page=page, count=work_order_board_count(rows, page, self.filters, counts),
                   work_orders=link_rows(page.object_list, self.detail_name),
                   query=query_without_position(self.request),
                   status_tabs=[(value, label, counts[value]) for value, label in W.choices],
                   current_status=self.filters.get("status", ""), today=timezone.localdate())
        return ctx


class WorkOrderListView(OpsView, _BoardMixin, TemplateView):
    permission_required = VIEW


class AuditWorkOrderListView(AuditorView, _BoardMixin, TemplateView):
    detail_name = "audit:workorder-detail"


# --- create -------------------------------------------------------------------------------------

class WorkOrderCreateView(ActionView, OpsView):
    """Step 1: find the merchant (id, MID or name); step 2: the work order for that merchant."""

    http_method_names = PAGE_METHODS
    permission_required = DISPATCH
    template_name = "terminals/ops/workorder_create.html"

    def get_object(self):
        pk = _int(self.request.POST.get("merchant") or self.request.GET.get("merchant"))
        return merchant_pick(actor=self.request.user, pk=pk) if pk else None

    def get_form(self, data=None, files=None):
        merchant, request = self.object, self.request
        if merchant is None:
            return None
        initial = {key: request.GET[key] for key in ("kind", "terminal", "ticket") if request.GET.get(key)}
        return WorkOrderCreateForm(data, initial=initial,
                                   terminals=merchant_terminals(actor=request.user, merchant=merchant),
                                   tickets=merchant_tickets(actor=request.user, merchant=merchant))

    def render_form(self, form):
        results = search = None
        if self.object is None:
            search = MerchantSearchForm(self.request.GET or None)
            if search.is_valid():
                results = merchant_search(actor=self.request.user, term=search.cleaned_data["q"])
        return render(self.request, self.template_name, {"merchant": self.object, "form": form, "search": search,
                                                         "results": results})

    def perform(self, form, merchant):
        if merchant is None:
            raise DomainError(_("Choose the merchant first."))
        data = form.cleaned_data
        self.object = work_order = svc.work_order_create(
            actor=self.request.user, kind=data["kind"], merchant=merchant, terminal=data["terminal"],
            ticket=data["ticket"], address=data["address"], window_start=data["window_start"],
            window_end=data["window_end"], instructions=data["instructions"])
        _warn(self.request, form)
        return _("Work order %(number)s created. Assign it to an engineer.") % {"number": work_order.number}

    def get_success_url(self, work_order):
        return reverse("ops:workorder-detail", kwargs={"pk": work_order.pk})

    def get_failure_url(self, merchant):
        return reverse("ops:workorder-create")


# --- detail and moves ------------------------------------------------------------------------------

def _detail(request, work_order: WorkOrder, *, assign_form=None, complete_form=None, status: int = 200):
    user = request.user
    allowed = allowed_moves(work_order, WORK_ORDER_MOVES)
    ctx = {"wo": work_order, "checklist": checklist_rows(work_order), "photos": work_order.photos.all(),
           "history": audit_history(actor=user, target=work_order)}
    if request.resolver_match.namespace == "ops":
        can_dispatch = user.has_perm(roles.DISPATCH)
        is_engineer = work_order.engineer_id == user.pk and user.has_perm(roles.FIELD_WORK)
        can_assign = can_dispatch and work_order.status in (W.OPEN, W.ASSIGNED)
        can_complete = is_engineer and work_order.status == W.IN_PROGRESS
        if can_assign and assign_form is None:
            assign_form = WorkOrderAssignForm(engineers=engineer_list(actor=user), initial={
                "engineer": work_order.engineer_id,
                "window_start": timezone.localtime(work_order.window_start) if work_order.window_start else None,
                "window_end": timezone.localtime(work_order.window_end) if work_order.window_end else None})
        if can_complete and complete_form is None:
            complete_form = _complete_form(work_order)
        ctx.update(can_assign=can_assign, assign_form=assign_form,
                   can_start=is_engineer and work_order.status == W.ASSIGNED,
                   can_complete=can_complete, complete_form=complete_form,
                   can_cancel=can_dispatch and W.CANCELLED in allowed, reason_form=ReasonForm())
    return render(request, DETAIL, ctx, status=status)


class WorkOrderDetailView(OpsView):
    permission_required = VIEW

    def get(self, request, pk):
        return _detail(request, work_order_get(actor=request.user, pk=pk))


class AuditWorkOrderDetailView(AuditorView):
    def get(self, request, pk):
        return _detail(request, work_order_get(actor=request.user, pk=pk))


class _WorkOrderActionView(ActionView, OpsView):
    def get_object(self, pk):
        return work_order_get(actor=self.request.user, pk=pk)

    def get_success_url(self, work_order):
        return reverse("ops:workorder-detail", kwargs={"pk": work_order.pk})


class WorkOrderAssignView(_WorkOrderActionView):
    permission_required = DISPATCH
    form_class = WorkOrderAssignForm

    def get_form_kwargs(self):
        return {"engineers": engineer_list(actor=self.request.user), "ticket": self.object.ticket}

    def perform(self, form, work_order):
        data = form.cleaned_data
        svc.work_order_assign(actor=self.request.user, work_order=work_order, engineer=data["engineer"],
                              window_start=data["window_start"], window_end=data["window_end"])
        _warn(self.request, form)
        return _("Work order %(number)s assigned to %(engineer)s.") % {
            "number": work_order.number, "engineer": data["engineer"].get_username()}


def _warn(request, form) -> None:
    for warning in form.warnings():
        messages.warning(request, warning)


def _back(request, work_order: WorkOrder) -> str:
    if request.POST.get("return_to") == "mine":
        return reverse("ops:workorder-mine")
    return reverse("ops:workorder-detail", kwargs={"pk": work_order.pk})


class WorkOrderStartView(_WorkOrderActionView):
    """Start the job; before the visit window the engineer confirms first (a second step that changes nothing)."""

    permission_required = FIELD_WORK
    form_class = WorkOrderStartForm

    def form_valid(self, form):
        work_order, user = self.object, self.request.user
        if work_order.status == W.ASSIGNED and work_order.engineer_id == user.pk and form.needs_confirmation(
                work_order):
            return render(self.request, START_CONFIRM, {
                "wo": work_order, "form": WorkOrderStartForm(), "return_to": self.request.POST.get("return_to", "")})
        return super().form_valid(form)

    def perform(self, form, work_order):
        svc.work_order_start(actor=self.request.user, work_order=work_order)
        return _("Work order %(number)s started.") % {"number": work_order.number}

    def get_success_url(self, work_order):
        return _back(self.request, work_order)


class WorkOrderCompleteView(_WorkOrderActionView):
    """Only the assigned engineer completes a job in progress; a refused completion shows the form again, on the
    page it was sent from (the work order or "my jobs today")."""

    permission_required = FIELD_WORK
    template_name = DETAIL

    def get_form(self, data=None, files=None):
        work_order = self.object
        if work_order.engineer_id != self.request.user.pk or work_order.status != W.IN_PROGRESS:
            return None
        return _complete_form(work_order, data, files)

    def render_form(self, form):
        if self.request.POST.get("return_to") == "mine":
            return _mine(self.request, bound=(self.object.pk, form))
        return _detail(self.request, self.object, complete_form=form)

    def perform(self, form, work_order):
        if form is None:
            raise DomainError(_("Only the assigned engineer can complete a work order in progress."))
        data = form.cleaned_data
        svc.work_order_complete(actor=self.request.user, work_order=work_order, checklist=form.checklist(),
                                signed_off_by=data["signed_off_by"], minutes_spent=data["minutes_spent"],
                                completion_notes=data["completion_notes"], photos=data["photos"])
        return _("Work order %(number)s completed. Thank you.") % {"number": work_order.number}

    def get_success_url(self, work_order):
        return _back(self.request, work_order)


class WorkOrderCancelView(_WorkOrderActionView):
    permission_required = DISPATCH
    form_class = ReasonForm

    def perform(self, form, work_order):
        svc.work_order_cancel(actor=self.request.user, work_order=work_order, reason=form.cleaned_data["reason"])
        return _("Work order %(number)s cancelled.") % {"number": work_order.number}


class _PhotoMixin:
    def get(self, request, pk):
        photo = work_order_photo_get(actor=request.user, pk=pk)
        try:
            return svc.work_order_photo_download(actor=request.user, photo=photo)
        except DomainError as error:
            raise Http404(str(error)) from error


class WorkOrderPhotoView(OpsView, _PhotoMixin):
    permission_required = VIEW


class AuditWorkOrderPhotoView(AuditorView, _PhotoMixin):
    pass


# --- my jobs today -----------------------------------------------------------------------------

def _mine(request, *, bound=None, status: int = 200):
    today = timezone.localdate()
    jobs = []
    for work_order in work_orders_today(actor=request.user, today=today):
        form = None
        if work_order.status == W.IN_PROGRESS:
            form = bound[1] if bound and bound[0] == work_order.pk else _complete_form(work_order)
        jobs.append({"wo": work_order, "checklist": checklist_rows(work_order), "form": form})
    return render(request, MINE, {"jobs": jobs, "today": today}, status=status)


class WorkOrderMineView(OpsView):
    permission_required = FIELD_WORK

    def get(self, request):
        return _mine(request)


ops_patterns = [
    path("work-orders/", WorkOrderListView.as_view(), name="workorder-list"),
    path("work-orders/new/", WorkOrderCreateView.as_view(), name="workorder-create"),
    path("work-orders/mine/", WorkOrderMineView.as_view(), name="workorder-mine"),
    path("work-orders/<int:pk>/", WorkOrderDetailView.as_view(), name="workorder-detail"),
    path("work-orders/<int:pk>/assign/", WorkOrderAssignView.as_view(), name="workorder-assign"),
    path("work-orders/<int:pk>/start/", WorkOrderStartView.as_view(), name="workorder-start"),
    path("work-orders/<int:pk>/complete/", WorkOrderCompleteView.as_view(), name="workorder-complete"),
    path("work-orders/<int:pk>/cancel/", WorkOrderCancelView.as_view(), name="workorder-cancel"),
    path("work-orders/photos/<int:pk>/", WorkOrderPhotoView.as_view(), name="workorder-photo"),
]
portal_patterns = []
audit_patterns = [
    path("work-orders/", AuditWorkOrderListView.as_view(), name="workorder-list"),
    path("work-orders/<int:pk>/", AuditWorkOrderDetailView.as_view(), name="workorder-detail"),
    path("work-orders/photos/<int:pk>/", AuditWorkOrderPhotoView.as_view(), name="workorder-photo"),
]
