"""The complaint settings pages: categories and subcategories, root causes, SLA policies and canned responses. Those
who read complaints see them; ``complaints.manage_complaint_settings`` adds and changes (never deletes: an entry in
use is deactivated). Reads go through ``complaints.selectors.settings``, writes through
``complaints.services.settings``."""

from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acquirer.access import OpsView
from acquirer.lists import page_count, page_from_request, query_without_position
from acquirer.views.actions import PAGE_METHODS, ActionView
from complaints import roles
from complaints.forms.settings import (
    CannedResponseForm,
    CategoryCreateForm,
    CategoryEditForm,
    RootCauseCreateForm,
    RootCauseEditForm,
    SlaPolicyCreateForm,
    SlaPolicyEditForm,
)
from complaints.selectors import settings as sel
from complaints.services import settings as svc


class _ListView(OpsView):
    """One keyset page of a settings list; a "new" button for those who may change settings."""

    template_name = ""
    url_prefix = ""
    title = ""
    order: tuple[str, ...] = ()

    def rows(self):
        raise NotImplementedError

    def get(self, request):
        rows = self.rows()
        page = page_from_request(request, rows, self.order)
        return render(request, self.template_name, {
            "area": "ops", "page": page, "rows": page.object_list, "count": page_count(rows, page, self.order),
            "query": query_without_position(request), "can_manage": request.user.has_perm(roles.MANAGE_SETTINGS),
            "url_prefix": self.url_prefix, "title": self.title})


class _FormView(ActionView, OpsView):
    http_method_names = PAGE_METHODS
    permission_required = (roles.MANAGE_SETTINGS,)
    url_prefix = ""
    title = ""

    def render_form(self, form):
        return render(self.request, self.template_name, {
            "form": form, "object": self.object, "title": self.title, "url_prefix": self.url_prefix,
            "list_url": reverse(f"ops:{self.url_prefix}-list")})

    def get_success_url(self, obj):
        return reverse(f"ops:{self.url_prefix}-list")


# --- categories -----------------------------------------------------------------------------------------------------

class OpsCategoryListView(_ListView):
    permission_required = ("complaints.view_category",)
    template_name = "complaints/ops/category_list.html"
    url_prefix = "complaint-category"
    order = sel.CATEGORY_ORDER

    def rows(self):
        return sel.category_list(actor=self.request.user)


class OpsCategoryCreateView(_FormView):
    template_name = "complaints/ops/category_form.html"
    form_class = CategoryCreateForm
    url_prefix = "complaint-category"
    title = gettext_lazy("New complaint category")

    def get_form_kwargs(self):
        return {"parents": sel.category_parent_choices(actor=self.request.user)}

    def perform(self, form, obj):
        category = svc.category_create(actor=self.request.user, **form.values())
        return _("Category %(name)s added.") % {"name": category}


class OpsCategoryEditView(_FormView):
    template_name = "complaints/ops/category_form.html"
    form_class = CategoryEditForm
    url_prefix = "complaint-category"
    title = gettext_lazy("Complaint category")

    def get_object(self, pk):
        return sel.category_get(actor=self.request.user, pk=pk)

    def get_form_kwargs(self):
        return {"initial": CategoryEditForm.initial_for(self.object)}

    def perform(self, form, category):
        category = svc.category_update(actor=self.request.user, category=category, **form.values())
        return _("Category %(name)s saved.") % {"name": category}


# --- root causes ----------------------------------------------------------------------------------------------------

class OpsRootCauseListView(_ListView):
    permission_required = ("complaints.view_rootcause",)
    template_name = "complaints/ops/rootcause_list.html"
    url_prefix = "root-cause"
    order = sel.ROOT_CAUSE_ORDER

    def rows(self):
        return sel.root_cause_list(actor=self.request.user)


class OpsRootCauseCreateView(_FormView):
    template_name = "complaints/ops/rootcause_form.html"
    form_class = RootCauseCreateForm
    url_prefix = "root-cause"
    title = gettext_lazy("New root cause")

    def perform(self, form, obj):
        cause = svc.root_cause_create(actor=self.request.user, **form.values())
        return _("Root cause %(name)s added.") % {"name": cause}


class OpsRootCauseEditView(_FormView):
    template_name = "complaints/ops/rootcause_form.html"
    form_class = RootCauseEditForm
    url_prefix = "root-cause"
    title = gettext_lazy("Root cause")

    def get_object(self, pk):
        return sel.root_cause_get(actor=self.request.user, pk=pk)

    def get_form_kwargs(self):
        return {"initial": RootCauseEditForm.initial_for(self.object)}

    def perform(self, form, cause):
        cause = svc.root_cause_update(actor=self.request.user, cause=cause, **form.values())
        return _("Root cause %(name)s saved.") % {"name": cause}


# --- SLA policies ---------------------------------------------------------------------------------------------------

class OpsSlaPolicyListView(_ListView):
    permission_required = ("complaints.view_slapolicy",)
    template_name = "complaints/ops/sla_policy_list.html"
    url_prefix = "sla-policy"
    order = sel.SLA_POLICY_ORDER

    def rows(self):
        return sel.sla_policy_list(actor=self.request.user)


class OpsSlaPolicyCreateView(_FormView):
    template_name = "complaints/ops/sla_policy_form.html"
    form_class = SlaPolicyCreateForm
    url_prefix = "sla-policy"
    title = gettext_lazy("New SLA policy")

    def get_form_kwargs(self):
        return {"categories": sel.category_parent_choices(actor=self.request.user)}

    def perform(self, form, obj):
        policy = svc.sla_policy_create(actor=self.request.user, **form.values())
        return _("SLA policy %(name)s added.") % {"name": policy}


class OpsSlaPolicyEditView(_FormView):
    template_name = "complaints/ops/sla_policy_form.html"
    form_class = SlaPolicyEditForm
    url_prefix = "sla-policy"
    title = gettext_lazy("SLA policy")

    def get_object(self, pk):
        return sel.sla_policy_get(actor=self.request.user, pk=pk)

    def get_form_kwargs(self):
        return {"initial": SlaPolicyEditForm.initial_for(self.object)}

    def perform(self, form, policy):
        policy = svc.sla_policy_update(actor=self.request.user, policy=policy, **form.values())
        return _("SLA policy %(name)s saved.") % {"name": policy}


# --- canned responses -----------------------------------------------------------------------------------------------

class OpsCannedResponseListView(_ListView):
    permission_required = ("complaints.view_cannedresponse",)
    template_name = "complaints/ops/canned_list.html"
    url_prefix = "canned-response"
    order = sel.CANNED_RESPONSE_ORDER

    def rows(self):
        return sel.canned_response_list(actor=self.request.user)


class OpsCannedResponseCreateView(_FormView):
    template_name = "complaints/ops/canned_form.html"
    form_class = CannedResponseForm
    url_prefix = "canned-response"
    title = gettext_lazy("New canned response")

    def get_form_kwargs(self):
        return {"categories": sel.category_any_choices(actor=self.request.user), "creating": True}

    def perform(self, form, obj):
        response = svc.canned_response_create(actor=self.request.user, **form.values())
        return _("Canned response %(name)s added.") % {"name": response}


class OpsCannedResponseEditView(_FormView):
    template_name = "complaints/ops/canned_form.html"
    form_class = CannedResponseForm
    url_prefix = "canned-response"
    title = gettext_lazy("Canned response")

    def get_object(self, pk):
        return sel.canned_response_get(actor=self.request.user, pk=pk)

    def get_form_kwargs(self):
        return {"categories": sel.category_any_choices(actor=self.request.user),
                "initial": CannedResponseForm.initial_for(self.object)}

    def perform(self, form, response):
        response = svc.canned_response_update(actor=self.request.user, response=response, **form.values())
        return _("Canned response %(name)s saved.") % {"name": response}


ops_patterns = [
    path("complaints/categories/", OpsCategoryListView.as_view(), name="complaint-category-list"),
    path("complaints/categories/new/", OpsCategoryCreateView.as_view(), name="complaint-category-create"),
    path("complaints/categories/<int:pk>/", OpsCategoryEditView.as_view(), name="complaint-category-edit"),
    path("complaints/root-causes/", OpsRootCauseListView.as_view(), name="root-cause-list"),
    path("complaints/root-causes/new/", OpsRootCauseCreateView.as_view(), name="root-cause-create"),
    path("complaints/root-causes/<int:pk>/", OpsRootCauseEditView.as_view(), name="root-cause-edit"),
    path("complaints/sla-policies/", OpsSlaPolicyListView.as_view(), name="sla-policy-list"),
    path("complaints/sla-policies/new/", OpsSlaPolicyCreateView.as_view(), name="sla-policy-create"),
    path("complaints/sla-policies/<int:pk>/", OpsSlaPolicyEditView.as_view(), name="sla-policy-edit"),
    path("complaints/canned-responses/", OpsCannedResponseListView.as_view(), name="canned-response-list"),
    path("complaints/canned-responses/new/", OpsCannedResponseCreateView.as_view(), name="canned-response-create"),
    path("complaints/canned-responses/<int:pk>/", OpsCannedResponseEditView.as_view(), name="canned-response-edit"),
]
portal_patterns: list = []
audit_patterns: list = []
