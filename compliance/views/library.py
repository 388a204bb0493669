"""Pages of the regulatory library: frameworks with their requirement tree (controls and evidence beside each
requirement), requirements, controls and their mapping, and the import of a requirement tree from CSV or XLSX.
Staff with ``compliance.view_framework`` read; ``compliance.manage_library`` changes. Auditors read the same pages
in the audit area (GET only)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acquirer.access import AuditorView, OpsView
from acquirer.exceptions import DomainError
from acquirer.lists import page_count, page_from_request, query_without_position
from acquirer.views.actions import PAGE_METHODS, ActionView
from compliance import roles
from compliance.forms.assessments import EvidenceForm
from compliance.forms.library import (
    ControlCreateForm,
    ControlEditForm,
    FrameworkCreateForm,
    FrameworkEditForm,
    RequirementForm,
    RequirementImportForm,
)
from compliance.selectors import library as sel
from compliance.selectors.assessments import staff_choices
from compliance.selectors.evidence import evidence_for
from compliance.services import evidence as evidence_svc
from compliance.services import library as svc
from compliance.sources import source_label, source_link

T = "compliance/library/"


# --- frameworks -----------------------------------------------------------------------------------------------------

class _FrameworkList:
    def get(self, request):
        rows = sel.framework_list(actor=request.user)
        page = page_from_request(request, rows, sel.FRAMEWORK_ORDER)
        return render(request, T + "framework_list.html", {
            "area": self.area, "page": page, "rows": page.object_list,
            "count": page_count(rows, page, sel.FRAMEWORK_ORDER), "query": query_without_position(request),
            "can_manage": self.area == "ops" and request.user.has_perm(roles.MANAGE_LIBRARY)})


class OpsFrameworkListView(_FrameworkList, OpsView):
    permission_required = (roles.VIEW_LIBRARY,)
    area = "ops"


class AuditFrameworkListView(_FrameworkList, AuditorView):
    area = "audit"


class _FrameworkDetail:
    def get(self, request, pk):
        framework = sel.framework_get(actor=request.user, pk=pk)
        return render(request, T + "framework_detail.html", {
            "area": self.area, "framework": framework,
            "tree": sel.requirement_tree(actor=request.user, framework=framework),
            "can_manage": self.area == "ops" and request.user.has_perm(roles.MANAGE_LIBRARY)})


class OpsFrameworkDetailView(_FrameworkDetail, OpsView):
    permission_required = (roles.VIEW_LIBRARY,)
    area = "ops"


class AuditFrameworkDetailView(_FrameworkDetail, AuditorView):
    area = "audit"


class _FormView(ActionView, OpsView):
    http_method_names = PAGE_METHODS
    permission_required = (roles.VIEW_LIBRARY, roles.MANAGE_LIBRARY)
    template_name = T + "form.html"
    title = ""

    def back_url(self):
        return reverse("ops:framework-list")

    def render_form(self, form):
        return render(self.request, self.template_name, {
            "form": form, "object": self.object, "title": self.title, "back_url": self.back_url(),
            "multipart": "file" in getattr(form, "fields", {})})


class OpsFrameworkCreateView(_FormView):
    form_class = FrameworkCreateForm
    title = gettext_lazy("New framework")

    def perform(self, form, obj):
        self.object = svc.framework_create(actor=self.request.user, **form.values())
        return _("Framework %(name)s added.") % {"name": self.object}

    def get_success_url(self, obj):
        return reverse("ops:framework-detail", args=[self.object.pk])


class OpsFrameworkEditView(_FormView):
    form_class = FrameworkEditForm
    title = gettext_lazy("Edit framework")

    def get_object(self, pk):
        return sel.framework_get(actor=self.request.user, pk=pk)

    def get_form_kwargs(self):
        return {"initial": FrameworkEditForm.initial_for(self.object)}

    def back_url(self):
        return reverse("ops:framework-detail", args=[self.object.pk])

    def perform(self, form, framework):
        framework = svc.framework_update(actor=self.request.user, framework=framework, **form.values())
        return _("Framework %(name)s saved.") % {"name": framework}

    def get_success_url(self, obj):
        return self.back_url()


# --- requirements ---------------------------------------------------------------------------------------------------

class OpsRequirementCreateView(_FormView):
    form_class = RequirementForm
    title = gettext_lazy("New requirement")

    def get_object(self, pk):
        return sel.framework_get(actor=self.request.user, pk=pk)

    def get_form_kwargs(self):
        return {"parents": sel.requirement_parent_choices(actor=self.request.user, framework=self.object)}

    def back_url(self):
        return reverse("ops:framework-detail", args=[self.object.pk])

    def perform(self, form, framework):
        requirement = svc.requirement_create(actor=self.request.user, framework=framework, **form.values())
        return _("Requirement %(reference)s added.") % {"reference": requirement.reference}

    def get_success_url(self, obj):
        return self.back_url()


class OpsRequirementEditView(_FormView):
    form_class = RequirementForm
    title = gettext_lazy("Edit requirement")

    def get_object(self, pk):
        return sel.requirement_get(actor=self.request.user, pk=pk)

    def get_form_kwargs(self):
        return {"parents": sel.requirement_parent_choices(actor=self.request.user, framework=self.object.framework,
                                                          exclude=self.object),
                "initial": RequirementForm.initial_for(self.object)}

    def back_url(self):
        return reverse("ops:framework-detail", args=[self.object.framework_id])

    def perform(self, form, requirement):
        requirement = svc.requirement_update(actor=self.request.user, requirement=requirement, **form.values())
        return _("Requirement %(reference)s saved.") % {"reference": requirement.reference}

    def get_success_url(self, obj):
        return self.back_url()


class OpsRequirementImportView(_FormView):
    """Upload a CSV or XLSX tree: a good file is saved whole; otherwise the report lists every row's problems and
    nothing is saved."""

    form_class = RequirementImportForm
    template_name = T + "requirement_import.html"
    title = gettext_lazy("Import requirements")

    def get_object(self, pk):
        return sel.framework_get(actor=self.request.user, pk=pk)

    def back_url(self):
        return reverse("ops:framework-detail", args=[self.object.pk])

    def render_form(self, form, report=None):
        return render(self.request, self.template_name, {
            "form": form, "object": self.object, "title": self.title, "back_url": self.back_url(),
            "report": report})

    def form_valid(self, form):
        try:
            report = svc.requirements_import(actor=self.request.user, framework=self.object,
                                             upload=form.cleaned_data["file"])
        except DomainError as error:
            form.add_error("file", str(error))
            return self.render_form(form)
        if not report.ok:
            return self.render_form(form, report)
        messages.success(self.request, _("%(count)s requirements imported from %(file)s.") % {
            "count": report.created, "file": report.file_name})
        return redirect(self.back_url())


# --- controls -------------------------------------------------------------------------------------------------------

class _ControlList:
    def get(self, request):
        rows = sel.control_list(actor=request.user)
        page = page_from_request(request, rows, sel.CONTROL_ORDER)
        return render(request, T + "control_list.html", {
            "area": self.area, "page": page, "rows": page.object_list,
            "count": page_count(rows, page, sel.CONTROL_ORDER), "query": query_without_position(request),
            "can_manage": self.area == "ops" and request.user.has_perm(roles.MANAGE_LIBRARY)})


class OpsControlListView(_ControlList, OpsView):
    permission_required = (roles.VIEW_LIBRARY,)
    area = "ops"


class AuditControlListView(_ControlList, AuditorView):
    area = "audit"


class _ControlDetail:
    def get(self, request, pk):
        control = sel.control_get(actor=request.user, pk=pk)
        can_manage = self.area == "ops" and request.user.has_perm(roles.MANAGE_LIBRARY)
        return render(request, T + "control_detail.html", {
            "area": self.area, "control": control,
            "requirements": sel.control_requirements(actor=request.user, control=control),
            "evidence": evidence_for(actor=request.user, control=control),
            "source_label": source_label(control.source),
            "source_link": source_link(control.source, request.user) if self.area == "ops" else None,
            "can_manage": can_manage,
            "evidence_form": EvidenceForm(staff=staff_choices(actor=request.user)) if can_manage else None})


class OpsControlDetailView(_ControlDetail, OpsView):
    permission_required = (roles.VIEW_LIBRARY,)
    area = "ops"


class AuditControlDetailView(_ControlDetail, AuditorView):
    area = "audit"


class OpsControlCreateView(_FormView):
    form_class = ControlCreateForm
    title = gettext_lazy("New control")

    def back_url(self):
        return reverse("ops:control-list")

    def get_form_kwargs(self):
        return {"requirements": sel.requirement_choices(actor=self.request.user),
                "staff": staff_choices(actor=self.request.user)}

    def perform(self, form, obj):
        self.object = svc.control_create(actor=self.request.user, **form.values())
        return _("Control %(name)s added.") % {"name": self.object}

    def get_success_url(self, obj):
        return reverse("ops:control-detail", args=[self.object.pk])


class OpsControlEditView(_FormView):
    form_class = ControlEditForm
    title = gettext_lazy("Edit control")

    def get_object(self, pk):
        return sel.control_get(actor=self.request.user, pk=pk)

    def get_form_kwargs(self):
        return {"requirements": sel.requirement_choices(actor=self.request.user),
                "staff": staff_choices(actor=self.request.user), "initial": ControlEditForm.initial_for(self.object)}

    def back_url(self):
        return reverse("ops:control-detail", args=[self.object.pk])

    def perform(self, form, control):
        control = svc.control_update(actor=self.request.user, control=control, **form.values())
        return _("Control %(name)s saved.") % {"name": control}

    def get_success_url(self, obj):
        return self.back_url()


class OpsControlEvidenceView(ActionView, OpsView):
    """Attach a file or link to a control (whoever keeps the library)."""

    permission_required = (roles.VIEW_LIBRARY, roles.MANAGE_LIBRARY)
    form_class = EvidenceForm

    def get_object(self, pk):
        return sel.control_get(actor=self.request.user, pk=pk)

    def get_form_kwargs(self):
        return {"staff": staff_choices(actor=self.request.user)}

    def perform(self, form, control):
        data = form.cleaned_data
        evidence = evidence_svc.evidence_add(actor=self.request.user, target=control, title=data["title"],
                                             upload=data.get("upload"), url=data.get("url") or "",
                                             expires_on=data.get("expires_on"), owner=data.get("owner"))
        return _("Evidence %(title)s added.") % {"title": evidence}

    def get_success_url(self, obj):
        return reverse("ops:control-detail", args=[obj.pk])


ops_patterns = [
    path("compliance/library/", OpsFrameworkListView.as_view(), name="framework-list"),
    path("compliance/library/new/", OpsFrameworkCreateView.as_view(), name="framework-create"),
    path("compliance/library/<int:pk>/", OpsFrameworkDetailView.as_view(), name="framework-detail"),
    path("compliance/library/<int:pk>/edit/", OpsFrameworkEditView.as_view(), name="framework-edit"),
    path("compliance/library/<int:pk>/requirements/new/", OpsRequirementCreateView.as_view(),
         name="requirement-create"),
    path("compliance/library/<int:pk>/import/", OpsRequirementImportView.as_view(), name="requirement-import"),
    path("compliance/library/requirements/<int:pk>/edit/", OpsRequirementEditView.as_view(),
         name="requirement-edit"),
    path("compliance/library/controls/", OpsControlListView.as_view(), name="control-list"),
    path("compliance/library/controls/new/", OpsControlCreateView.as_view(), name="control-create"),
    path("compliance/library/controls/<int:pk>/", OpsControlDetailView.as_view(), name="control-detail"),
    path("compliance/library/controls/<int:pk>/edit/", OpsControlEditView.as_view(), name="control-edit"),
    path("compliance/library/controls/<int:pk>/evidence/", OpsControlEvidenceView.as_view(),
         name="control-evidence"),
]
audit_patterns = [
    path("compliance/library/", AuditFrameworkListView.as_view(), name="framework-list"),
    path("compliance/library/<int:pk>/", AuditFrameworkDetailView.as_view(), name="framework-detail"),
    path("compliance/library/controls/", AuditControlListView.as_view(), name="control-list"),
    path("compliance/library/controls/<int:pk>/", AuditControlDetailView.as_view(), name="control-detail"),
]
