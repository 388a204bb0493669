"""Reconciliation pages: the runs (start one for a date; per run its totals per category, per-merchant sums and
chunks), the queue of breaks with their age, a break's page with the moves the actor may make (``policy``), and
today's breaks with the 30-day trend as a server-drawn SVG chart. Auditors read runs and breaks."""

from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from acquirer.access import AuditorView, OpsView
from acquirer.lists import link_rows, page_count, page_from_request, query_without_position
from acquirer.policy import available_actions
from acquirer.selectors import audit_history
from acquirer.views.actions import ActionView
from transactions import roles
from transactions.exports import BREAKS
from transactions.forms.recon import (
    ReconAssignForm,
    ReconExceptionFilterForm,
    ReconProposeForm,
    ReconRejectForm,
    ReconRunFilterForm,
    ReconStartForm,
)
from transactions.models import ReconRun
from transactions.models.recon import Category
from transactions.policy import EXCEPTION_ACTION_NAMES, RECON_ACTIONS
from transactions.selectors.recon import (
    EXCEPTION_FIELDS,
    EXCEPTION_ORDER,
    RUN_ORDER,
    recon_breaks_today,
    recon_breaks_trend,
    recon_exception_assignee_choices,
    recon_exception_get,
    recon_exception_list,
    recon_run_get,
    recon_run_list,
    recon_run_merchants,
    recon_run_superseding,
)
from transactions.services import recon as svc
from transactions.views.exports import AuditCsvExportView

VIEW_RUNS = roles.VIEW_RECON
VIEW_BREAKS = roles.VIEW_EXCEPTION
BREAK_CATEGORIES = [value for value in Category.values if value != Category.MATCHED]


def _with_age(rows, now=None):
    now = now or timezone.now()
    for row in rows:
        row.age_days = (now - row.created_at).days
    return rows


# --- runs -------------------------------------------------------------------------------------------------------

class _RunListMixin:
    template_name = "transactions/shared/recon_run_list.html"
    area = "ops"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form = ReconRunFilterForm(self.request.GET)
        filters = form.cleaned_data if form.is_valid() else {}
        rows = recon_run_list(actor=self.request.user, filters=filters)
        page = page_from_request(self.request, rows, RUN_ORDER)
        ctx.update(area=self.area, form=form, page=page, count=page_count(rows, page, RUN_ORDER),
                   runs=link_rows(list(page.object_list), f"{self.area}:recon-run-detail"),
                   query=query_without_position(self.request), categories=Category.values)
        if self.area == "ops" and "run" in available_actions(self.request.user, None, [RECON_ACTIONS["run"]]):
            ctx["start_form"] = ReconStartForm()
        return ctx


class OpsReconRunListView(OpsView, _RunListMixin, TemplateView):
    permission_required = (VIEW_RUNS,)


class AuditReconRunListView(AuditorView, _RunListMixin, TemplateView):
    area = "audit"


class OpsReconStartView(ActionView, OpsView):
    """Start reconciling a date, one side or both; the chunks run on the workers."""

    permission_required = (roles.RUN_RECON,)
    form_class = ReconStartForm

    def perform(self, form, obj):
        data = form.cleaned_data
        sides = list(svc.SIDES) if data["side"] == "both" else [data["side"]]
        runs = [svc.recon_start(actor=self.request.user, side=side, business_date=data["business_date"])
                for side in sides]
        self.object = runs[0] if len(runs) == 1 else None
        return _("Reconciliation of %(date)s started: %(runs)s.") % {
            "date": data["business_date"].isoformat(), "runs": ", ".join(
                f"{run.get_side_display()} #{run.pk} ({run.get_status_display()})" for run in runs)}

    def get_success_url(self, obj):
        if obj is not None:
            return reverse("ops:recon-run-detail", kwargs={"pk": obj.pk})
        return reverse("ops:recon-run-list")

    def get_failure_url(self, obj):
        return reverse("ops:recon-run-list")


def _run_context(request, run: ReconRun, area: str) -> dict:
    totals = [{"category": value, "label": label, **run.totals.get(value, {"count": 0, "ours": 0, "theirs": 0})}
              for value, label in Category.choices]
    ctx = {"run": run, "area": area, "totals": totals, "categories": Category.values,
           "merchants": recon_run_merchants(actor=request.user, run=run), "chunks": run.chunk_set.all(),
           "previous": recon_run_superseding(actor=request.user, run=run),
           "history": audit_history(actor=request.user, target=run)}
    return ctx


class OpsReconRunDetailView(OpsView):
    permission_required = (VIEW_RUNS,)

    def get(self, request, pk):
        run = recon_run_get(actor=request.user, pk=pk)
        return render(request, "transactions/shared/recon_run_detail.html", _run_context(request, run, "ops"))


class AuditReconRunDetailView(AuditorView):
    def get(self, request, pk):
        run = recon_run_get(actor=request.user, pk=pk)
        return render(request, "transactions/shared/recon_run_detail.html", _run_context(request, run, "audit"))


# --- breaks -----------------------------------------------------------------------------------------------------

class _ExceptionListMixin:
    template_name = "transactions/shared/recon_exception_list.html"
    area = "ops"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        data = self.request.GET.copy()
        if not set(ReconExceptionFilterForm.base_fields) & set(data):
            data["status"] = "unresolved"  # the queue starts from the breaks still to work on
        form = ReconExceptionFilterForm(data)
        filters = form.cleaned_data if form.is_valid() else {}
        rows = recon_exception_list(actor=self.request.user, filters=filters)
        page = page_from_request(self.request, rows, EXCEPTION_ORDER, fields=EXCEPTION_FIELDS)
        ctx.update(area=self.area, form=form, page=page, count=page_count(rows, page, EXCEPTION_ORDER),
                   exceptions=link_rows(_with_age(list(page.object_list)), f"{self.area}:recon-exception-detail"),
                   query=query_without_position(self.request))
        return ctx


class OpsReconExceptionListView(OpsView, _ExceptionListMixin, TemplateView):
    permission_required = (VIEW_BREAKS,)


class AuditReconExceptionListView(AuditorView, _ExceptionListMixin, TemplateView):
    area = "audit"


def _exception_context(request, exception, area: str) -> dict:
    _with_age([exception])
    ctx = {"exception": exception, "area": area, "history": audit_history(actor=request.user, target=exception),
           "four_eyes": svc.needs_second_person(exception), "four_eyes_minor": svc.four_eyes_minor()}
    if area == "ops":
        user = request.user
        actions = available_actions(user, exception, [RECON_ACTIONS[name] for name in EXCEPTION_ACTION_NAMES])
        ctx["actions"] = actions
        if "assign" in actions:
            ctx["assign_form"] = ReconAssignForm(assignees=recon_exception_assignee_choices(actor=user),
                                                 initial={"assignee": exception.assigned_to_id})
        if "propose" in actions:
            ctx["propose_form"] = ReconProposeForm()
        if "reject" in actions:
            ctx["reject_form"] = ReconRejectForm()
    return ctx


class OpsReconExceptionDetailView(OpsView):
    permission_required = (VIEW_BREAKS,)

    def get(self, request, pk):
        exception = recon_exception_get(actor=request.user, pk=pk)
        return render(request, "transactions/shared/recon_exception_detail.html",
                      _exception_context(request, exception, "ops"))


class AuditReconExceptionDetailView(AuditorView):
    def get(self, request, pk):
        exception = recon_exception_get(actor=request.user, pk=pk)
        return render(request, "transactions/shared/recon_exception_detail.html",
                      _exception_context(request, exception, "audit"))


class _ExceptionActionView(ActionView):
    def get_object(self, pk):
        return recon_exception_get(actor=self.request.user, pk=pk)

    def get_success_url(self, exception):
        return reverse("ops:recon-exception-detail", kwargs={"pk": exception.pk})


class OpsReconExceptionTakeView(_ExceptionActionView, OpsView):
    permission_required = (roles.HANDLE_EXCEPTION,)

    def perform(self, form, exception):
        svc.recon_exception_take(actor=self.request.user, exception=exception)
        return _("You are investigating this break.")


class OpsReconExceptionAssignView(_ExceptionActionView, OpsView):
    permission_required = (roles.HANDLE_EXCEPTION,)
    form_class = ReconAssignForm

    def get_form_kwargs(self):
        return {"assignees": recon_exception_assignee_choices(actor=self.request.user)}

    def perform(self, form, exception):
        assignee = form.cleaned_data["assignee"]
        svc.recon_exception_assign(actor=self.request.user, exception=exception, assignee=assignee)
        return _("Break assigned to %(user)s.") % {"user": assignee.get_username()}


class OpsReconExceptionProposeView(_ExceptionActionView, OpsView):
    permission_required = (roles.HANDLE_EXCEPTION,)
    form_class = ReconProposeForm

    def perform(self, form, exception):
        data = form.cleaned_data
        exception = svc.recon_exception_propose(actor=self.request.user, exception=exception,
                                                resolution=data["resolution"], note=data["note"],
                                                amount_minor=data["amount_minor"])
        if exception.status == exception.Status.RESOLVED:
            return _("Break resolved.")
        return _("Resolution proposed: a second person approves it.")


class OpsReconExceptionApproveView(_ExceptionActionView, OpsView):
    permission_required = (roles.APPROVE_EXCEPTION,)

    def perform(self, form, exception):
        svc.recon_exception_approve(actor=self.request.user, exception=exception)
        return _("Proposal approved: the break is resolved.")


class OpsReconExceptionRejectView(_ExceptionActionView, OpsView):
    permission_required = (roles.APPROVE_EXCEPTION,)
    form_class = ReconRejectForm

    def perform(self, form, exception):
        svc.recon_exception_reject(actor=self.request.user, exception=exception, reason=form.cleaned_data["reason"])
        return _("Proposal rejected: the break is back under investigation.")


# --- today's breaks and the trend -------------------------------------------------------------------------------

CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 600, 160, 24


def trend_chart(days: list[dict]) -> dict:
    """Bars of breaks per day (total, and the part still open), scaled into a fixed SVG box."""
    top = max([day["total"] for day in days] + [1])
    width = (CHART_WIDTH - 2 * CHART_PAD) / max(len(days), 1)
    bars = []
    for index, day in enumerate(days):
        total_h = (CHART_HEIGHT - 2 * CHART_PAD) * day["total"] / top
        open_h = (CHART_HEIGHT - 2 * CHART_PAD) * day["open"] / top
        x = CHART_PAD + index * width
        bars.append({**day, "x": round(x + 1, 1), "w": round(max(width - 2, 1), 1),
                     "y": round(CHART_HEIGHT - CHART_PAD - total_h, 1), "h": round(total_h, 1),
                     "open_y": round(CHART_HEIGHT - CHART_PAD - open_h, 1), "open_h": round(open_h, 1),
                     "label": index % 5 == 0 or index == len(days) - 1})
    return {"bars": bars, "width": CHART_WIDTH, "height": CHART_HEIGHT, "top": top, "pad": CHART_PAD,
            "base": CHART_HEIGHT - CHART_PAD}


class OpsReconBreaksView(OpsView):
    permission_required = (VIEW_BREAKS,)

    def get(self, request):
        today = list(recon_breaks_today(actor=request.user).only(*EXCEPTION_FIELDS)[:50])
        days = recon_breaks_trend(actor=request.user)
        return render(request, "transactions/ops/recon_breaks.html", {
            "area": "ops", "exceptions": link_rows(_with_age(today), "ops:recon-exception-detail"),
            "chart": trend_chart(days), "days": days})


ops_patterns = [
    path("reconciliation/", OpsReconRunListView.as_view(), name="recon-run-list"),
    path("reconciliation/start/", OpsReconStartView.as_view(), name="recon-run-start"),
    path("reconciliation/<int:pk>/", OpsReconRunDetailView.as_view(), name="recon-run-detail"),
    path("reconciliation/breaks/", OpsReconExceptionListView.as_view(), name="recon-exception-list"),
    path("reconciliation/breaks/today/", OpsReconBreaksView.as_view(), name="recon-breaks"),
    path("reconciliation/breaks/<int:pk>/", OpsReconExceptionDetailView.as_view(), name="recon-exception-detail"),
    path("reconciliation/breaks/<int:pk>/take/", OpsReconExceptionTakeView.as_view(), name="recon-exception-take"),
    path("reconciliation/breaks/<int:pk>/assign/", OpsReconExceptionAssignView.as_view(),
         name="recon-exception-assign"),
    path("reconciliation/breaks/<int:pk>/propose/", OpsReconExceptionProposeView.as_view(),
         name="recon-exception-propose"),
    path("reconciliation/breaks/<int:pk>/approve/", OpsReconExceptionApproveView.as_view(),
         name="recon-exception-approve"),
    path("reconciliation/breaks/<int:pk>/reject/", OpsReconExceptionRejectView.as_view(),
         name="recon-exception-reject"),
]
portal_patterns = []
class AuditReconExceptionExportView(AuditCsvExportView):
    exporter = BREAKS
    list_url = "audit:recon-exception-list"


audit_patterns = [
    path("reconciliation/", AuditReconRunListView.as_view(), name="recon-run-list"),
    path("reconciliation/breaks/export/", AuditReconExceptionExportView.as_view(), name="recon-exception-export"),
    path("reconciliation/<int:pk>/", AuditReconRunDetailView.as_view(), name="recon-run-detail"),
    path("reconciliation/breaks/", AuditReconExceptionListView.as_view(), name="recon-exception-list"),
    path("reconciliation/breaks/<int:pk>/", AuditReconExceptionDetailView.as_view(),
         name="recon-exception-detail"),
]
