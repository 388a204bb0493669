"""On-site inspections (巡检): the plan (ops and audit), recording an inspection with photos (ops),
and photo downloads through an authorized, audited view."""

from django.http import Http404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from acquirer.access import AuditorView, OpsView
from acquirer.exceptions import DomainError
from acquirer.lists import bounded_count, page_from_request, query_without_position
from acquirer.views.actions import PAGE_METHODS, ActionView
from merchants import roles
from merchants.forms.documents import InspectionForm
from merchants.selectors.documents import (
    PLAN_ORDER,
    inspection_list,
    inspection_photo_get,
    inspection_plan,
    inspection_unplanned,
    last_inspection_dates,
)
from merchants.selectors.merchants import merchant_get
from merchants.services import inspections as svc

RECENT = 50


class _PlanMixin:
    """The plan by due date, a keyset page at a time; ``?unplanned=1`` lists the live merchants that have no
    inspection planned instead (they have no due date to sort by, and the plan page says how many there are)."""

    template_name = "merchants/shared/inspection_plan.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        actor = self.request.user
        unplanned = inspection_unplanned(actor=actor)
        showing_unplanned = self.request.GET.get("unplanned") == "1"
        showing_overdue = not showing_unplanned and self.request.GET.get("overdue") == "1"
        merchants, order = ((unplanned, ("id",)) if showing_unplanned
                            else (inspection_plan(actor=actor, overdue=showing_overdue), PLAN_ORDER))
        page = page_from_request(self.request, merchants, order)
        last = last_inspection_dates(actor=actor, merchant_ids=[m.pk for m in page])
        for merchant in page:
            merchant.last_inspected_on = last.get(merchant.pk)
        ctx.update(page=page, plan=page.object_list, count=bounded_count(merchants),
                   query=query_without_position(self.request),
                   showing_unplanned=showing_unplanned, showing_overdue=showing_overdue,
                   unplanned_count=None if showing_unplanned else bounded_count(unplanned),
                   today=timezone.localdate(), inspections=inspection_list(actor=actor)[:RECENT],
                   inspectable=svc.INSPECTABLE)
        return ctx


class _PhotoMixin:
    def get(self, request, pk):
        photo = inspection_photo_get(actor=request.user, pk=pk)
        try:
            return svc.inspection_photo_download(actor=request.user, photo=photo)
        except DomainError as error:
            raise Http404(str(error)) from error


class OpsInspectionListView(OpsView, _PlanMixin, TemplateView):
    permission_required = (roles.VIEW_INSPECTION,)


class OpsInspectionCreateView(ActionView, OpsView, TemplateView):
    http_method_names = PAGE_METHODS
    template_name = "merchants/ops/inspection_create.html"
    permission_required = (roles.INSPECT,)
    form_class = InspectionForm

    def get_object(self, merchant_pk):
        return merchant_get(actor=self.request.user, pk=merchant_pk)

    def get_form_kwargs(self):
        return {"initial": {"performed_on": timezone.localdate()}}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        merchant = self.object
        ctx.update(merchant=merchant, inspections=inspection_list(actor=self.request.user, merchant=merchant)[:10],
                   inspectable=merchant.status in svc.INSPECTABLE)
        return ctx

    def perform(self, form, merchant):
        data = form.cleaned_data
        svc.inspection_record(actor=self.request.user, merchant=merchant, performed_on=data["performed_on"],
                              checklist=form.checklist(), findings=data["findings"], outcome=data["outcome"],
                              photos=data["photos"])
        return _("Inspection recorded; the next one is planned.")

    def get_success_url(self, merchant):
        return reverse("ops:inspection-list")


class OpsInspectionPhotoView(OpsView, _PhotoMixin):
    permission_required = (roles.VIEW_INSPECTION,)


class AuditInspectionListView(AuditorView, _PlanMixin, TemplateView):
    pass


class AuditInspectionPhotoView(AuditorView, _PhotoMixin):
    pass


portal_patterns = []
ops_patterns = [
    path("inspections/", OpsInspectionListView.as_view(), name="inspection-list"),
    path("merchants/<int:merchant_pk>/inspections/new/", OpsInspectionCreateView.as_view(),
         name="inspection-create"),
    path("inspections/photos/<int:pk>/", OpsInspectionPhotoView.as_view(), name="inspection-photo"),
]
audit_patterns = [
    path("inspections/", AuditInspectionListView.as_view(), name="inspection-list"),
    path("inspections/photos/<int:pk>/", AuditInspectionPhotoView.as_view(), name="inspection-photo"),
]
