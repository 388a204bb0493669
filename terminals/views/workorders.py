"""Field work orders: the ops board, creation and dispatch, the engineer's "my jobs today" page (made for a
phone), start and completion with checklist and photos, cancellation, audited photo downloads, and the
auditors' read-only pages. Reads go through terminals.selectors.workorders, writes through
terminals.services.workorders."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from acquirer.access import AuditorView, OpsView
from acquirer.exceptions import DomainError
from acquirer.forms import ReasonForm
from acquirer.selectors import audit_history
from acquirer.views.actions import flash_form_errors
from acquirer.workflow import allowed_moves
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
    engineer_list,
    merchant_pick,
    merchant_search,
    merchant_terminals,
    merchant_tickets,
    work_order_get,
    work_order_list,
    work_order_photo_get,
    work_order_status_counts,
    work_orders_today,
)
from terminals.services import workorders as svc
from terminals.workflow import WORK_ORDER_MOVES

W = WorkOrder.Status
PAGE_SIZE = 50
VIEW = ("terminals.view_workorder",)
DISPATCH = ("terminals.dispatch_work_order",)
FIELD_WORK = ("terminals.field_work",)
DETAIL = "terminals/workorders/detail.html"
MINE = "terminals/workorders/mine.html"
START_CONFIRM = "terminals/workorders/start_confirm.html"



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
    template_name = "terminals/workorders/list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        actor = self.request.user
        engineers = list(engineer_list(actor=actor))
        form = WorkOrderFilterForm(self.request.GET or None, engineers=engineers)
        filters = form.filters()
        rows = work_order_list(actor=actor, filters=filters)
        page = Paginator(rows, PAGE_SIZE).get_page(self.request.GET.get("page"))
        query = urlencode({key: value for key, value in self.request.GET.items() if key != "page" and value})
        counts = work_order_status_counts(actor=actor)
        ctx.update(form=form, page_obj=page, work_orders=page.object_list, query=query,
                   status_tabs=[(value, label, counts[value]) for value, label in W.choices],
                   current_status=filters.get("status", ""), today=timezone.localdate())
        return ctx


class WorkOrderListView(OpsView, _BoardMixin, TemplateView):
    permission_required = VIEW


class AuditWorkOrderListView(AuditorView, _BoardMixin, TemplateView):
    pass


# --- create -------------------------------------------------------------------------------------

class WorkOrderCreateView(OpsView):
    """Step 1: find the merchant (id, MID or name); step 2: the work order for that merchant."""

    permission_required = DISPATCH
    template_name = "terminals/workorders/create.html"

    def _merchant(self, request):
        pk = _int(request.POST.get("merchant") or request.GET.get("merchant"))
        return merchant_pick(actor=request.user, pk=pk) if pk else None

    def _form(self, request, merchant, data=None):
        initial = {key: request.GET[key] for key in ("kind", "terminal", "ticket") if request.GET.get(key)}
        return WorkOrderCreateForm(data, initial=initial,
                                   terminals=merchant_terminals(actor=request.user, merchant=merchant),
                                   tickets=merchant_tickets(actor=request.user, merchant=merchant))

    def _render(self, request, merchant=None, form=None, search=None):
        results = None
        if merchant is None:
            search = search or MerchantSearchForm(request.GET or None)
            results = merchant_search(actor=request.user, term=search.cleaned_data["q"]) if search.is_valid() else None
        return render(request, self.template_name, {"merchant": merchant, "form": form, "search": search,
                                                    "results": results})

    def get(self, request):
        merchant = self._merchant(request)
        return self._render(request, merchant, self._form(request, merchant) if merchant else None)

    def post(self, request):
        merchant = self._merchant(request)
        if merchant is None:
            messages.error(request, _("Choose the merchant first."))
            return redirect("ops:workorder-create")
        form = self._form(request, merchant, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                work_order = svc.work_order_create(
                    actor=request.user, kind=data["kind"], merchant=merchant, terminal=data["terminal"],
                    ticket=data["ticket"], address=data["address"], window_start=data["window_start"],
                    window_end=data["window_end"], instructions=data["instructions"])
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Work order %(number)s created. Assign it to an engineer.")
                                 % {"number": work_order.number})
                _warn(request, form)
                return redirect("ops:workorder-detail", pk=work_order.pk)
        return self._render(request, merchant, form)


# --- detail and moves ------------------------------------------------------------------------------

def _detail(request, work_order: WorkOrder, *, assign_form=None, complete_form=None, status: int = 200):
    user = request.user
    allowed = allowed_moves(work_order, WORK_ORDER_MOVES)
    ctx = {"wo": work_order, "checklist": checklist_rows(work_order), "photos": work_order.photos.all(),
           "history": audit_history(actor=user, target=work_order)}
    if request.resolver_match.namespace == "ops":
        can_dispatch = user.has_perm("terminals.dispatch_work_order")
        is_engineer = work_order.engineer_id == user.pk and user.has_perm("terminals.field_work")
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


class WorkOrderAssignView(OpsView):
    permission_required = DISPATCH
    http_method_names = ["post"]

    def post(self, request, pk):
        work_order = work_order_get(actor=request.user, pk=pk)
        form = WorkOrderAssignForm(request.POST, engineers=engineer_list(actor=request.user),
                                   ticket=work_order.ticket)
        if form.is_valid():
            data = form.cleaned_data
            try:
                svc.work_order_assign(actor=request.user, work_order=work_order, engineer=data["engineer"],
                                      window_start=data["window_start"], window_end=data["window_end"])
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Work order %(number)s assigned to %(engineer)s.")
                                 % {"number": work_order.number, "engineer": data["engineer"].get_username()})
                _warn(request, form)
                return redirect("ops:workorder-detail", pk=work_order.pk)
        flash_form_errors(request, form)
        return redirect("ops:workorder-detail", pk=work_order.pk)


def _warn(request, form) -> None:
    for warning in form.warnings():
        messages.warning(request, warning)


def _back(request, work_order: WorkOrder):
    if request.POST.get("return_to") == "mine":
        return redirect("ops:workorder-mine")
    return redirect("ops:workorder-detail", pk=work_order.pk)


class WorkOrderStartView(OpsView):
    """Start the job; before the visit window the engineer confirms first (a second step that changes nothing)."""

    permission_required = FIELD_WORK
    http_method_names = ["post"]

    def post(self, request, pk):
        work_order = work_order_get(actor=request.user, pk=pk)
        form = WorkOrderStartForm(request.POST)
        if (work_order.status == W.ASSIGNED and work_order.engineer_id == request.user.pk
                and form.needs_confirmation(work_order)):
            return render(request, START_CONFIRM, {
                "wo": work_order, "form": WorkOrderStartForm(), "return_to": request.POST.get("return_to", "")})
        try:
            svc.work_order_start(actor=request.user, work_order=work_order)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Work order %(number)s started.") % {"number": work_order.number})
        return _back(request, work_order)


class WorkOrderCompleteView(OpsView):
    permission_required = FIELD_WORK
    http_method_names = ["post"]

    def _again(self, request, work_order, form):
        if request.POST.get("return_to") == "mine":
            return _mine(request, bound=(work_order.pk, form))
        return _detail(request, work_order, complete_form=form)

    def post(self, request, pk):
        work_order = work_order_get(actor=request.user, pk=pk)
        if work_order.engineer_id != request.user.pk or work_order.status != W.IN_PROGRESS:
            messages.error(request, _("Only the assigned engineer can complete a work order in progress."))
            return _back(request, work_order)
        form = _complete_form(work_order, request.POST, request.FILES)
        if not form.is_valid():
            return self._again(request, work_order, form)
        data = form.cleaned_data
        try:
            svc.work_order_complete(actor=request.user, work_order=work_order, checklist=form.checklist(),
                                    signed_off_by=data["signed_off_by"], minutes_spent=data["minutes_spent"],
                                    completion_notes=data["completion_notes"], photos=data["photos"])
        except DomainError as error:
            form.add_error(None, str(error))
            return self._again(request, work_order, form)
        messages.success(request, _("Work order %(number)s completed. Thank you.") % {"number": work_order.number})
        return _back(request, work_order)


class WorkOrderCancelView(OpsView):
    permission_required = DISPATCH
    http_method_names = ["post"]

    def post(self, request, pk):
        work_order = work_order_get(actor=request.user, pk=pk)
        form = ReasonForm(request.POST)
        if not form.is_valid():
            flash_form_errors(request, form)
            return redirect("ops:workorder-detail", pk=work_order.pk)
        try:
            svc.work_order_cancel(actor=request.user, work_order=work_order, reason=form.cleaned_data["reason"])
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Work order %(number)s cancelled.") % {"number": work_order.number})
        return redirect("ops:workorder-detail", pk=work_order.pk)


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
