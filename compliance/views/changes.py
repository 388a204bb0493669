"""Regulatory change pages: the list, a change with its tasks and who has (not) read it, recording and editing a
change, its status moves, tasks, required reading, and each person's "My reading". Auditors read the list and the
changes (GET only). Reads go through ``compliance.selectors.changes``, writes through
``compliance.services.changes``."""

from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acquirer.access import AuditorView, OpsView
from acquirer.lists import page_count, page_from_request, query_without_position
from acquirer.policy import allows, available_actions
from acquirer.views.actions import PAGE_METHODS, ActionView
from compliance import roles
from compliance.forms.changes import ChangeForm, ReadingAssignForm, TaskDoneForm, TaskForm
from compliance.models import RegulatoryChange
from compliance.policy import CHANGE_ACKNOWLEDGE, CHANGE_PAGE_ACTIONS, CHANGE_TASK_DONE
from compliance.selectors import changes as sel
from compliance.services import changes as svc

MOVE_ACTIONS = ("change_assessing", "change_implementing", "change_done")


class _ChangeListMixin:
    area = "ops"

    def get(self, request):
        status = request.GET.get("status", "")
        if status not in RegulatoryChange.Status.values:
            status = ""
        rows = sel.change_list(actor=request.user, status=status)
        page = page_from_request(request, rows, sel.CHANGE_ORDER)
        return render(request, "compliance/changes/change_list.html", {
            "area": self.area, "page": page, "rows": page.object_list,
            "count": page_count(rows, page, sel.CHANGE_ORDER), "query": query_without_position(request),
            "status": status, "statuses": RegulatoryChange.Status.choices,
            "can_manage": self.area == "ops" and request.user.has_perm(roles.MANAGE_CHANGE)})


class OpsChangeListView(_ChangeListMixin, OpsView):
    permission_required = (roles.VIEW_CHANGE,)


class AuditChangeListView(_ChangeListMixin, AuditorView):
    area = "audit"


class _ChangeDetailMixin:
    area = "ops"

    def get(self, request, pk):
        actor = request.user
        change = sel.change_get(actor=actor, pk=pk)
        acknowledged, pending = sel.change_readers(actor=actor, change=change)
        context = {"area": self.area, "change": change,
                   "requirements": sel.change_requirements(actor=actor, change=change),
                   "tasks": [(task, self.area == "ops" and allows(actor, CHANGE_TASK_DONE, task))
                             for task in sel.change_tasks(actor=actor, change=change)],
                   "acknowledged": acknowledged, "pending": pending}
        if self.area == "ops":
            actions = available_actions(actor, change, CHANGE_PAGE_ACTIONS)
            reading = sel.reading_for(actor=actor, change=change)
            staff = sel.staff_choices(actor=actor)
            context.update({
                "actions": actions, "moves": [actions[name] for name in MOVE_ACTIONS if name in actions],
                "reading": reading,
                "can_acknowledge": reading is not None and allows(actor, CHANGE_ACKNOWLEDGE, reading),
                "task_form": TaskForm(staff=staff) if "change_task_add" in actions else None,
                "reading_form": ReadingAssignForm(staff=staff) if "change_reading_assign" in actions else None,
                "done_form": TaskDoneForm()})
        return render(request, "compliance/changes/change_detail.html", context)


class OpsChangeDetailView(_ChangeDetailMixin, OpsView):
    permission_required = (roles.VIEW_CHANGE,)


class AuditChangeDetailView(_ChangeDetailMixin, AuditorView):
    area = "audit"


class _ChangeFormView(ActionView, OpsView):
    http_method_names = PAGE_METHODS
    permission_required = (roles.MANAGE_CHANGE,)
    template_name = "compliance/changes/change_form.html"
    form_class = ChangeForm
    title = ""

    def get_form_kwargs(self):
        return {"requirements": sel.requirement_choices(actor=self.request.user)}

    def render_form(self, form):
        return render(self.request, self.template_name, {"form": form, "object": self.object, "title": self.title})

    def get_success_url(self, obj):
        return reverse("ops:regulatory-change-detail", args=[obj.pk])


class OpsChangeCreateView(_ChangeFormView):
    title = gettext_lazy("New regulatory change")

    def perform(self, form, obj):
        values = form.values()
        self.object = svc.change_create(actor=self.request.user, requirements=list(values.pop("requirements")),
                                        **values)
        return _("Regulatory change recorded.")


class OpsChangeEditView(_ChangeFormView):
    title = gettext_lazy("Edit the regulatory change")

    def get_object(self, pk):
        return sel.change_get(actor=self.request.user, pk=pk)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "initial": ChangeForm.initial_for(self.object)}

    def perform(self, form, change):
        values = form.values()
        svc.change_update(actor=self.request.user, change=change, requirements=list(values.pop("requirements")),
                          **values)
        return _("Regulatory change saved.")


class _ChangeAction(ActionView, OpsView):
    def get_object(self, pk, **kwargs):
        return sel.change_get(actor=self.request.user, pk=pk)

    def get_success_url(self, change):
        return reverse("ops:regulatory-change-detail", args=[change.pk])


class OpsChangeMoveView(_ChangeAction):
    permission_required = (roles.MANAGE_CHANGE,)

    def perform(self, form, change):
        to = self.kwargs["to"]
        svc.change_move(actor=self.request.user, change=change, to=to)
        change.refresh_from_db()
        return _("The change is now “%(status)s”.") % {"status": change.get_status_display()}


class OpsChangeTaskAddView(_ChangeAction):
    permission_required = (roles.MANAGE_CHANGE,)
    form_class = TaskForm

    def get_form_kwargs(self):
        return {"staff": sel.staff_choices(actor=self.request.user)}

    def perform(self, form, change):
        svc.change_task_add(actor=self.request.user, change=change, **form.cleaned_data)
        return _("Task added.")


class OpsChangeReadingAssignView(_ChangeAction):
    permission_required = (roles.MANAGE_CHANGE,)
    form_class = ReadingAssignForm

    def get_form_kwargs(self):
        return {"staff": sel.staff_choices(actor=self.request.user)}

    def perform(self, form, change):
        new = svc.change_reading_assign(actor=self.request.user, change=change, roles_=form.cleaned_data["roles"],
                                        people=list(form.cleaned_data["people"]))
        return _("%(count)s more people asked to read it.") % {"count": len(new)}


class OpsChangeAcknowledgeView(_ChangeAction):
    permission_required = (roles.VIEW_CHANGE,)

    def perform(self, form, change):
        svc.change_acknowledge(actor=self.request.user, change=change)
        return _("Thank you: your reading is acknowledged.")


class OpsChangeTaskDoneView(ActionView, OpsView):
    permission_required = (roles.VIEW_CHANGE,)
    form_class = TaskDoneForm

    def get_object(self, pk):
        return sel.change_task_get(actor=self.request.user, pk=pk)

    def perform(self, form, task):
        svc.change_task_done(actor=self.request.user, task=task, note=form.cleaned_data["note"])
        return _("Task marked done.")

    def get_success_url(self, task):
        return reverse("ops:regulatory-change-detail", args=[task.change_id])


class OpsReadingListView(OpsView):
    permission_required = (roles.VIEW_CHANGE,)

    def get(self, request):
        pending_only = request.GET.get("show") != "all"
        rows = sel.my_reading(actor=request.user, pending_only=pending_only)
        page = page_from_request(request, rows, sel.READING_ORDER)
        return render(request, "compliance/changes/reading_list.html", {
            "page": page, "rows": page.object_list, "count": page_count(rows, page, sel.READING_ORDER),
            "query": query_without_position(request), "pending_only": pending_only})


ops_patterns = [
    path("compliance/changes/", OpsChangeListView.as_view(), name="regulatory-change-list"),
    path("compliance/changes/new/", OpsChangeCreateView.as_view(), name="regulatory-change-create"),
    path("compliance/changes/<int:pk>/", OpsChangeDetailView.as_view(), name="regulatory-change-detail"),
    path("compliance/changes/<int:pk>/edit/", OpsChangeEditView.as_view(), name="regulatory-change-edit"),
    path("compliance/changes/<int:pk>/move/<slug:to>/", OpsChangeMoveView.as_view(),
         name="regulatory-change-move"),
    path("compliance/changes/<int:pk>/tasks/", OpsChangeTaskAddView.as_view(), name="regulatory-change-task-add"),
    path("compliance/changes/<int:pk>/reading/", OpsChangeReadingAssignView.as_view(),
         name="regulatory-change-reading-assign"),
    path("compliance/changes/<int:pk>/acknowledge/", OpsChangeAcknowledgeView.as_view(),
         name="regulatory-change-acknowledge"),
    path("compliance/change-tasks/<int:pk>/done/", OpsChangeTaskDoneView.as_view(),
         name="regulatory-change-task-done"),
    path("compliance/my-reading/", OpsReadingListView.as_view(), name="reading-list"),
]
audit_patterns = [
    path("compliance/changes/", AuditChangeListView.as_view(), name="regulatory-change-list"),
    path("compliance/changes/<int:pk>/", AuditChangeDetailView.as_view(), name="regulatory-change-detail"),
]
