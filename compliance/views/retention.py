"""Retention and legal hold pages: the retention period of every registered record type (and changing it), what is
under legal hold (placing and releasing holds), and "Delete a record", which the retention guard may refuse.
Auditors read the rules and the holds (GET only). Reads go through ``compliance.selectors.retention``, writes
through ``compliance.services.retention``."""

from django.http import Http404
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from acquirer.access import AuditorView, OpsView
from acquirer.lists import page_count, page_from_request, query_without_position
from acquirer.policy import allows
from acquirer.views.actions import PAGE_METHODS, ActionView
from compliance import roles
from compliance.forms.retention import DisposeForm, HoldForm, ReleaseForm, RetentionRuleForm
from compliance.policy import HOLD_PLACE, RECORD_DISPOSE, RETENTION_EDIT
from compliance.selectors import retention as sel
from compliance.services import retention as svc


class _RetentionListMixin:
    area = "ops"

    def get(self, request):
        return render(request, "compliance/retention/retention_list.html", {
            "area": self.area, "rows": sel.retention_rows(actor=request.user),
            "can_edit": self.area == "ops" and allows(request.user, RETENTION_EDIT),
            "can_dispose": self.area == "ops" and allows(request.user, RECORD_DISPOSE)})


class OpsRetentionListView(_RetentionListMixin, OpsView):
    permission_required = (roles.VIEW_RETENTION,)


class AuditRetentionListView(_RetentionListMixin, AuditorView):
    area = "audit"


class OpsRetentionEditView(ActionView, OpsView):
    http_method_names = PAGE_METHODS
    permission_required = (roles.MANAGE_RETENTION,)
    template_name = "compliance/retention/retention_form.html"
    form_class = RetentionRuleForm

    def get_object(self, key):
        for row in sel.retention_rows(actor=self.request.user):
            if row["type"].key == key:
                return row
        raise Http404

    def get_form_kwargs(self):
        return {"initial": {"years": self.object["years"], "note": self.object["basis"]}}

    def render_form(self, form):
        return render(self.request, self.template_name, {"form": form, "row": self.object})

    def perform(self, form, row):
        svc.retention_rule_set(actor=self.request.user, record_type=row["type"].key, **form.cleaned_data)
        return _("Retention period saved.")

    def get_success_url(self, row):
        return reverse("ops:retention-list")


class _HoldListMixin:
    area = "ops"

    def get(self, request):
        state = request.GET.get("state", "active")
        if state not in ("active", "released", "all"):
            state = "active"
        rows = sel.hold_list(actor=request.user, state=state)
        page = page_from_request(request, rows, sel.HOLD_ORDER)
        can_manage = self.area == "ops" and allows(request.user, HOLD_PLACE)
        types = dict(sel.record_type_choices())
        return render(request, "compliance/retention/hold_list.html", {
            "area": self.area, "page": page, "rows": page.object_list, "types": types,
            "count": page_count(rows, page, sel.HOLD_ORDER), "query": query_without_position(request),
            "state": state, "can_manage": can_manage, "release_form": ReleaseForm() if can_manage else None})


class OpsHoldListView(_HoldListMixin, OpsView):
    permission_required = (roles.VIEW_LEGAL_HOLD,)


class AuditHoldListView(_HoldListMixin, AuditorView):
    area = "audit"


class OpsHoldCreateView(ActionView, OpsView):
    http_method_names = PAGE_METHODS
    permission_required = (roles.MANAGE_LEGAL_HOLD,)
    template_name = "compliance/retention/hold_form.html"
    form_class = HoldForm

    def get_form_kwargs(self):
        return {"record_types": sel.record_type_choices()}

    def render_form(self, form):
        return render(self.request, self.template_name, {"form": form})

    def perform(self, form, obj):
        self.object = svc.legal_hold_place(actor=self.request.user, **form.values())
        return _("Legal hold placed.")

    def get_success_url(self, hold):
        return reverse("ops:legal-hold-list")


class OpsHoldReleaseView(ActionView, OpsView):
    permission_required = (roles.MANAGE_LEGAL_HOLD,)
    form_class = ReleaseForm

    def get_object(self, pk):
        return sel.hold_get(actor=self.request.user, pk=pk)

    def perform(self, form, hold):
        svc.legal_hold_release(actor=self.request.user, hold=hold, reason=form.cleaned_data["reason"])
        return _("Legal hold released.")

    def get_success_url(self, hold):
        return reverse("ops:legal-hold-list")


class OpsRecordDisposeView(ActionView, OpsView):
    http_method_names = PAGE_METHODS
    permission_required = (roles.DISPOSE_RECORD,)
    template_name = "compliance/retention/record_dispose.html"
    form_class = DisposeForm

    def get_form_kwargs(self):
        return {"record_types": sel.record_type_choices()}

    def render_form(self, form):
        return render(self.request, self.template_name, {"form": form})

    def perform(self, form, obj):
        record = svc.record_dispose(actor=self.request.user, **form.cleaned_data)
        return _("The record %(record)s was deleted.") % {"record": record}

    def get_success_url(self, obj):
        return reverse("ops:retention-list")


ops_patterns = [
    path("compliance/retention/", OpsRetentionListView.as_view(), name="retention-list"),
    path("compliance/retention/delete/", OpsRecordDisposeView.as_view(), name="record-dispose"),
    path("compliance/retention/<slug:key>/edit/", OpsRetentionEditView.as_view(), name="retention-edit"),
    path("compliance/legal-holds/", OpsHoldListView.as_view(), name="legal-hold-list"),
    path("compliance/legal-holds/new/", OpsHoldCreateView.as_view(), name="legal-hold-create"),
    path("compliance/legal-holds/<int:pk>/release/", OpsHoldReleaseView.as_view(), name="legal-hold-release"),
]
audit_patterns = [
    path("compliance/retention/", AuditRetentionListView.as_view(), name="retention-list"),
    path("compliance/legal-holds/", AuditHoldListView.as_view(), name="legal-hold-list"),
]
