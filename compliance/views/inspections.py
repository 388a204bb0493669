"""Regulator inspection pages: the list, recording and editing an inspection, its page with the status moves the
policy allows, the documents requested and provided (every download audited), and the findings raised from it
with a "Raise a finding" button. Auditors read the list, the page and the documents, and change nothing."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from acquirer.access import AuditorView, OpsView
from acquirer.exceptions import DomainError
from acquirer.lists import link_rows, page_count, page_from_request, query_without_position
from acquirer.policy import allows, available_actions
from acquirer.selectors import audit_history
from acquirer.views.actions import PAGE_METHODS, ActionView
from compliance import policy, roles
from compliance.forms import inspections as forms
from compliance.selectors.findings import findings_of_inspection, mark_overdue
from compliance.selectors.inspections import (
    LIST_ORDER,
    inspection_document_get,
    inspection_documents,
    inspection_get,
    inspection_list,
)
from compliance.services import inspections as svc

VIEW_PERM = roles.VIEW_INSPECTION
MANAGE_PERM = roles.MANAGE_INSPECTION
LIST = "compliance/inspections/inspection_list.html"
DETAIL = "compliance/inspections/inspection_detail.html"
FORM = "compliance/inspections/inspection_form.html"
ACTIONS = policy.ACTIONS
MOVES = {"inspection_start": None, "inspection_await_report": forms.ReportDueForm,
         "inspection_submit_report": forms.ReportSubmittedForm, "inspection_close": None}


def _slug(action: str) -> str:
    return action.removeprefix("inspection_").replace("_", "-")


# --- list -----------------------------------------------------------------------------------------------------

class _ListMixin:
    template_name = LIST
    area = "ops"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form = forms.InspectionFilterForm(self.request.GET or None)
        rows = inspection_list(actor=self.request.user, filters=form.filters())
        page = page_from_request(self.request, rows, LIST_ORDER)
        ctx.update(area=self.area, form=form, page=page, count=page_count(rows, page, LIST_ORDER),
                   inspections=link_rows(list(page.object_list), f"{self.area}:regulator-inspection-detail"),
                   query=query_without_position(self.request))
        return ctx


class OpsInspectionListView(OpsView, _ListMixin, TemplateView):
    permission_required = (VIEW_PERM,)


class AuditInspectionListView(AuditorView, _ListMixin, TemplateView):
    area = "audit"


# --- record and edit ------------------------------------------------------------------------------------------

class OpsInspectionCreateView(ActionView, OpsView):
    http_method_names = PAGE_METHODS
    permission_required = (MANAGE_PERM,)
    template_name = FORM
    form_class = forms.InspectionForm

    def render_form(self, form):
        return render(self.request, self.template_name, {"area": "ops", "form": form, "inspection": None})

    def perform(self, form, obj):
        self.object = inspection = svc.inspection_record(actor=self.request.user, **form.cleaned_data)
        return _("Inspection “%(title)s” recorded.") % {"title": inspection.title}

    def get_success_url(self, inspection):
        return reverse("ops:regulator-inspection-detail", kwargs={"pk": inspection.pk})


class OpsInspectionEditView(ActionView, OpsView):
    http_method_names = PAGE_METHODS
    permission_required = (MANAGE_PERM,)
    template_name = FORM
    form_class = forms.InspectionForm

    def get_object(self, pk):
        return inspection_get(actor=self.request.user, pk=pk)

    def get_form(self, data=None, files=None):
        initial = {name: getattr(self.object, name) for name in svc.EDITABLE}
        return self.form_class(data, files, initial=initial)

    def render_form(self, form):
        return render(self.request, self.template_name, {"area": "ops", "form": form, "inspection": self.object})

    def perform(self, form, inspection):
        svc.inspection_update(actor=self.request.user, inspection=inspection, **form.cleaned_data)
        return _("Inspection updated.")

    def get_success_url(self, inspection):
        return reverse("ops:regulator-inspection-detail", kwargs={"pk": inspection.pk})


# --- detail ---------------------------------------------------------------------------------------------------

def _context(request, inspection, area: str) -> dict:
    actor = request.user
    return {"inspection": inspection, "area": area, "documents": list(inspection_documents(actor=actor,
                                                                                           inspection=inspection)),
            "findings": link_rows(mark_overdue(list(findings_of_inspection(actor=actor, inspection=inspection))),
                                  f"{area}:finding-detail"),
            "history": audit_history(actor=actor, target=inspection)}


def _ops_detail(request, inspection, bound=None):
    actor = request.user
    ctx = _context(request, inspection, "ops")
    allowed = available_actions(actor, inspection, [ACTIONS[name] for name in MOVES])
    moves = []
    for name, form_class in MOVES.items():
        if name not in allowed:
            continue
        form = bound[1] if bound is not None and bound[0] == name else (form_class() if form_class else None)
        moves.append({"name": name, "label": allowed[name].label, "form": form, "danger": name == "inspection_close",
                      "url": reverse(f"ops:regulator-inspection-{_slug(name)}", kwargs={"pk": inspection.pk})})
    ctx["moves"] = moves
    ctx["can_edit"] = allows(actor, ACTIONS["inspection_edit"], inspection)
    if bound is not None and bound[0] == "request":
        ctx["request_form"] = bound[1]  # with its errors, even when documents may no longer be added
    elif allows(actor, ACTIONS["inspection_request_document"], inspection):
        ctx["request_form"] = forms.DocumentRequestForm()
    ctx["can_provide"] = allows(actor, ACTIONS["inspection_provide_document"], inspection)
    ctx["provide_form"] = forms.DocumentProvideForm()
    ctx["can_raise"] = allows(actor, ACTIONS["finding_raise"]) and inspection.status != "closed"
    return render(request, DETAIL, ctx)


class OpsInspectionDetailView(OpsView):
    permission_required = (VIEW_PERM,)

    def get(self, request, pk):
        return _ops_detail(request, inspection_get(actor=request.user, pk=pk))


class AuditInspectionDetailView(AuditorView):
    def get(self, request, pk):
        return render(request, DETAIL, _context(request, inspection_get(actor=request.user, pk=pk), "audit"))


# --- moves ----------------------------------------------------------------------------------------------------

class _InspectionActionView(ActionView, OpsView):
    permission_required = (MANAGE_PERM,)
    template_name = DETAIL
    action = ""
    message = ""

    def get_object(self, pk):
        return inspection_get(actor=self.request.user, pk=pk)

    def get_form(self, data=None, files=None):
        form_class = MOVES.get(self.action)
        return None if form_class is None else form_class(data, files)

    def render_form(self, form):
        return _ops_detail(self.request, self.object, bound=(self.action, form))

    def get_success_url(self, inspection):
        return reverse("ops:regulator-inspection-detail", kwargs={"pk": inspection.pk})

    def refused(self, form, error: DomainError):
        """A move no longer possible has no form on the page to show the reason beside: a message there."""
        action = ACTIONS.get(self.action)
        current = inspection_get(actor=self.request.user, pk=self.object.pk)
        if action is not None and not allows(self.request.user, action, current):
            messages.error(self.request, str(error))
            return redirect(self.get_success_url(current))
        return super().refused(form, error)

    def perform(self, form, inspection):
        self.run(form.cleaned_data if form is not None else {}, inspection)
        return str(self.message)

    def run(self, data, inspection):
        raise NotImplementedError


class OpsInspectionStartView(_InspectionActionView):
    action = "inspection_start"
    message = gettext_lazy("The inspection is under way.")

    def run(self, data, inspection):
        svc.inspection_start(actor=self.request.user, inspection=inspection)


class OpsInspectionAwaitReportView(_InspectionActionView):
    action = "inspection_await_report"
    message = gettext_lazy("The rectification report is now due.")

    def run(self, data, inspection):
        svc.inspection_await_report(actor=self.request.user, inspection=inspection,
                                    report_due_on=data.get("report_due_on"))


class OpsInspectionSubmitReportView(_InspectionActionView):
    action = "inspection_submit_report"
    message = gettext_lazy("The rectification report is recorded as submitted.")

    def run(self, data, inspection):
        svc.inspection_submit_report(actor=self.request.user, inspection=inspection,
                                     submitted_on=data["submitted_on"])


class OpsInspectionCloseView(_InspectionActionView):
    action = "inspection_close"
    message = gettext_lazy("The inspection is closed.")

    def run(self, data, inspection):
        svc.inspection_close(actor=self.request.user, inspection=inspection)


class OpsInspectionDocumentRequestView(_InspectionActionView):
    action = "request"
    message = gettext_lazy("Requested document recorded.")

    def get_form(self, data=None, files=None):
        return forms.DocumentRequestForm(data, files)

    def run(self, data, inspection):
        svc.inspection_document_request(actor=self.request.user, inspection=inspection, **data)


class OpsInspectionDocumentProvideView(ActionView, OpsView):
    """Upload the file handed over for one requested document."""

    permission_required = (MANAGE_PERM,)
    form_class = forms.DocumentProvideForm

    def get_object(self, pk):
        return inspection_document_get(actor=self.request.user, pk=pk)

    def perform(self, form, document):
        svc.inspection_document_provide(actor=self.request.user, document=document, upload=form.cleaned_data["upload"])
        return _("Document “%(title)s” uploaded.") % {"title": document.title}

    def get_success_url(self, document):
        return reverse("ops:regulator-inspection-detail", kwargs={"pk": document.inspection_id})


# --- documents ------------------------------------------------------------------------------------------------

def _document_response(request, pk):
    document = inspection_document_get(actor=request.user, pk=pk)
    try:
        return svc.inspection_document_download(actor=request.user, document=document)
    except DomainError as error:
        raise Http404(str(error)) from error


class OpsInspectionDocumentView(OpsView):
    permission_required = (VIEW_PERM,)

    def get(self, request, pk):
        return _document_response(request, pk)


class AuditInspectionDocumentView(AuditorView):
    def get(self, request, pk):
        return _document_response(request, pk)


_MOVE_VIEWS = [OpsInspectionStartView, OpsInspectionAwaitReportView, OpsInspectionSubmitReportView,
               OpsInspectionCloseView]
BASE = "compliance/inspections/"
ops_patterns = [
    path(BASE, OpsInspectionListView.as_view(), name="regulator-inspection-list"),
    path(f"{BASE}new/", OpsInspectionCreateView.as_view(), name="regulator-inspection-create"),
    path(f"{BASE}<int:pk>/", OpsInspectionDetailView.as_view(), name="regulator-inspection-detail"),
    path(f"{BASE}<int:pk>/edit/", OpsInspectionEditView.as_view(), name="regulator-inspection-edit"),
    *(path(f"{BASE}<int:pk>/{_slug(view.action)}/", view.as_view(),
           name=f"regulator-inspection-{_slug(view.action)}") for view in _MOVE_VIEWS),
    path(f"{BASE}<int:pk>/documents/", OpsInspectionDocumentRequestView.as_view(),
         name="regulator-inspection-document-request"),
    path(f"{BASE}documents/<int:pk>/provide/", OpsInspectionDocumentProvideView.as_view(),
         name="regulator-inspection-document-provide"),
    path(f"{BASE}documents/<int:pk>/", OpsInspectionDocumentView.as_view(), name="regulator-inspection-document"),
]
audit_patterns = [
    path(BASE, AuditInspectionListView.as_view(), name="regulator-inspection-list"),
    path(f"{BASE}<int:pk>/", AuditInspectionDetailView.as_view(), name="regulator-inspection-detail"),
    path(f"{BASE}documents/<int:pk>/", AuditInspectionDocumentView.as_view(), name="regulator-inspection-document"),
]
