"""Pages of checklists and assessments: templates, starting an assessment, the assessment with its items and the
evidence beside each, an item's page (answer, reassign, evidence), sign-off, "my assessment items" and the list of
evidence expiring within 30 days. Staff read (``compliance.view_assessment``); the buttons each person sees come
from ``acquirer.policy.available_actions`` over ``compliance.policy.ACTIONS``. Auditors read the same pages in the
audit area (GET only) and download evidence (audited)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from acquirer.access import AuditorView, OpsView
from acquirer.calendar import add_working_days
from acquirer.exceptions import DomainError
from acquirer.lists import page_count, page_from_request, query_without_position
from acquirer.policy import allows, available_actions
from acquirer.views.actions import PAGE_METHODS, ActionView
from compliance import roles
from compliance.forms.assessments import (
    AssessmentStartForm,
    EvidenceForm,
    ItemAnswerForm,
    ItemAssignForm,
    NoteForm,
    TemplateForm,
    WithdrawForm,
)
from compliance.models import Assessment, AssessmentItem
from compliance.policy import ACTIONS, ASSESSMENT_ACTIONS
from compliance.selectors import assessments as sel
from compliance.selectors import library as library_sel
from compliance.selectors.evidence import evidence_expiring, evidence_for, evidence_get
from compliance.services import assessments as svc
from compliance.services import evidence as evidence_svc

T = "compliance/assessments/"
NEEDS_FINDING = {AssessmentItem.Result.PARTIAL, AssessmentItem.Result.NON_COMPLIANT}


def finding_create_url(item) -> str:
    """The findings page that raises a finding from ``item``."""
    return f"{reverse('ops:finding-create')}?{urlencode({'item': item.pk})}"


# --- checklist templates --------------------------------------------------------------------------------------------

class _TemplateList:
    def get(self, request):
        rows = sel.template_list(actor=request.user)
        page = page_from_request(request, rows, sel.TEMPLATE_ORDER)
        return render(request, T + "template_list.html", {
            "area": self.area, "page": page, "rows": page.object_list,
            "count": page_count(rows, page, sel.TEMPLATE_ORDER), "query": query_without_position(request),
            "can_run": self.area == "ops" and request.user.has_perm(roles.RUN_ASSESSMENT)})


class OpsTemplateListView(_TemplateList, OpsView):
    permission_required = ("compliance.view_checklisttemplate",)
    area = "ops"


class AuditTemplateListView(_TemplateList, AuditorView):
    area = "audit"


class _TemplateDetail:
    def get(self, request, pk):
        template = sel.template_get(actor=request.user, pk=pk)
        return render(request, T + "template_detail.html", {
            "area": self.area, "template": template,
            "requirements": sel.template_requirements(actor=request.user, template=template),
            "assessments": sel.assessment_list(actor=request.user).filter(template=template).order_by(
                "-period_start", "-id")[:20],
            "can_run": self.area == "ops" and request.user.has_perm(roles.RUN_ASSESSMENT)})


class OpsTemplateDetailView(_TemplateDetail, OpsView):
    permission_required = ("compliance.view_checklisttemplate",)
    area = "ops"


class AuditTemplateDetailView(_TemplateDetail, AuditorView):
    area = "audit"


class OpsTemplateCreateView(ActionView, OpsView):
    """A checklist from requirements of a framework (or of several: no framework)."""

    http_method_names = PAGE_METHODS
    permission_required = ("compliance.view_checklisttemplate", roles.RUN_ASSESSMENT)
    form_class = TemplateForm
    template_name = T + "form.html"

    def get_form_kwargs(self):
        actor = self.request.user
        framework = None
        framework_id = self.request.GET.get("framework") or self.request.POST.get("framework")
        if framework_id and str(framework_id).isdigit():
            framework = library_sel.framework_list(actor=actor).filter(pk=framework_id).first()
        return {"frameworks": library_sel.framework_list(actor=actor).order_by("code"),
                "requirements": library_sel.requirement_choices(actor=actor, framework=framework),
                "staff": sel.staff_choices(actor=actor),
                "initial": {"framework": framework} if framework else {}}

    def render_form(self, form):
        return render(self.request, self.template_name, {
            "form": form, "title": _("New checklist"), "back_url": reverse("ops:checklist-list"),
            "framework_filter": True, "frameworks": library_sel.framework_list(actor=self.request.user)})

    def perform(self, form, obj):
        self.object = svc.template_create(actor=self.request.user, **form.values())
        return _("Checklist %(name)s added.") % {"name": self.object}

    def get_success_url(self, obj):
        return reverse("ops:checklist-detail", args=[self.object.pk])


# --- assessments ----------------------------------------------------------------------------------------------------

class OpsAssessmentStartView(ActionView, OpsView):
    http_method_names = PAGE_METHODS
    permission_required = (roles.VIEW_ASSESSMENT, roles.RUN_ASSESSMENT)
    form_class = AssessmentStartForm
    template_name = T + "form.html"

    def get_object(self, pk):
        return sel.template_get(actor=self.request.user, pk=pk)

    def get_form_kwargs(self):
        template = self.object
        initial = {"scope": template.scope, "assignee": template.default_assignee}
        if template.frequency in svc.MONTHS:
            start, end = svc.period_of(template.frequency, timezone.localdate())
            initial.update(period_start=start, period_end=end,
                           title=f"{template} {svc.period_label(template.frequency, start)}",
                           due_on=add_working_days(max(start, timezone.localdate()), template.days_to_complete))
        return {"reviewers": sel.reviewer_choices(actor=self.request.user),
                "staff": sel.staff_choices(actor=self.request.user), "initial": initial}

    def render_form(self, form):
        return render(self.request, self.template_name, {
            "form": form, "object": self.object, "title": _("Start an assessment"),
            "back_url": reverse("ops:checklist-detail", args=[self.object.pk])})

    def perform(self, form, template):
        self.object = svc.assessment_start(actor=self.request.user, template=template, **form.values())
        return _("Assessment %(title)s started.") % {"title": self.object}

    def get_success_url(self, obj):
        return reverse("ops:assessment-detail", args=[self.object.pk])


class _AssessmentList:
    def get(self, request):
        status = request.GET.get("status", "")
        if status not in Assessment.Status.values:
            status = ""
        rows = sel.assessment_list(actor=request.user, status=status)
        page = page_from_request(request, rows, sel.ASSESSMENT_ORDER)
        return render(request, T + "assessment_list.html", {
            "area": self.area, "page": page, "rows": page.object_list, "status": status,
            "statuses": Assessment.Status.choices,
            "count": page_count(rows, page, sel.ASSESSMENT_ORDER), "query": query_without_position(request),
            "can_run": self.area == "ops" and request.user.has_perm(roles.RUN_ASSESSMENT)})


class OpsAssessmentListView(_AssessmentList, OpsView):
    permission_required = (roles.VIEW_ASSESSMENT,)
    area = "ops"


class AuditAssessmentListView(_AssessmentList, AuditorView):
    area = "audit"


class _AssessmentDetail:
    def get(self, request, pk):
        actor = request.user
        assessment = sel.assessment_get(actor=actor, pk=pk)
        items = list(sel.assessment_items(actor=actor, assessment=assessment))
        ops = self.area == "ops"
        for item in items:
            item.finding_url = finding_create_url(item) if ops and item.result in NEEDS_FINDING else ""
        actions = available_actions(actor, assessment, [ACTIONS[n] for n in ASSESSMENT_ACTIONS]) if ops else {}
        return render(request, T + "assessment_detail.html", {
            "area": self.area, "assessment": assessment, "items": items, "actions": actions,
            "done": sum(1 for item in items if item.status == AssessmentItem.Status.DONE),
            "note_form": NoteForm()})


class OpsAssessmentDetailView(_AssessmentDetail, OpsView):
    permission_required = (roles.VIEW_ASSESSMENT,)
    area = "ops"


class AuditAssessmentDetailView(_AssessmentDetail, AuditorView):
    area = "audit"


class _AssessmentAction(ActionView, OpsView):
    permission_required = (roles.VIEW_ASSESSMENT,)
    form_class = NoteForm

    def get_object(self, pk):
        return sel.assessment_get(actor=self.request.user, pk=pk)

    def get_success_url(self, obj):
        return reverse("ops:assessment-detail", args=[obj.pk])


class OpsAssessmentSubmitView(_AssessmentAction):
    form_class = None

    def perform(self, form, assessment):
        svc.assessment_submit(actor=self.request.user, assessment=assessment)
        return _("The assessment awaits sign-off.")


class OpsAssessmentSignOffView(_AssessmentAction):
    def perform(self, form, assessment):
        svc.assessment_sign_off(actor=self.request.user, assessment=assessment, note=form.cleaned_data["note"])
        return _("The assessment is signed off.")


class OpsAssessmentSendBackView(_AssessmentAction):
    def perform(self, form, assessment):
        svc.assessment_send_back(actor=self.request.user, assessment=assessment, note=form.cleaned_data["note"])
        return _("The assessment is open again.")


# --- items ----------------------------------------------------------------------------------------------------------

class _ItemDetail:
    def get(self, request, pk):
        actor = request.user
        item = sel.item_get(actor=actor, pk=pk)
        ops = self.area == "ops"
        can_answer = ops and allows(actor, ACTIONS["item_answer"], item)
        can_assign = ops and allows(actor, ACTIONS["item_assign"], item)
        can_attach = ops and evidence_svc.attach_refusal(actor, item) is None
        staff = sel.staff_choices(actor=actor) if (can_assign or can_attach) else None
        return render(request, T + "item_detail.html", {
            "area": self.area, "item": item, "assessment": item.assessment,
            "controls": library_sel.requirement_controls(actor=actor, requirement=item.requirement),
            "evidence": evidence_for(actor=actor, item=item),
            "answer_form": ItemAnswerForm(initial={"status": item.status, "result": item.result,
                                                   "comment": item.comment}) if can_answer else None,
            "assign_form": ItemAssignForm(staff=staff, initial={"assignee": item.assignee}) if can_assign else None,
            "evidence_form": EvidenceForm(staff=staff) if can_attach else None,
            "withdraw_form": WithdrawForm() if can_attach else None,
            "finding_url": finding_create_url(item) if ops and item.result in NEEDS_FINDING else ""})


class OpsItemDetailView(_ItemDetail, OpsView):
    permission_required = (roles.VIEW_ASSESSMENT,)
    area = "ops"


class AuditItemDetailView(_ItemDetail, AuditorView):
    area = "audit"


class _ItemAction(ActionView, OpsView):
    permission_required = (roles.VIEW_ASSESSMENT,)

    def get_object(self, pk):
        return sel.item_get(actor=self.request.user, pk=pk)

    def get_success_url(self, obj):
        return reverse("ops:assessment-item", args=[obj.pk])


class OpsItemAnswerView(_ItemAction):
    form_class = ItemAnswerForm

    def perform(self, form, item):
        data = form.cleaned_data
        svc.item_answer(actor=self.request.user, item=item, status=data["status"], result=data["result"],
                        comment=data["comment"])
        return _("Item %(reference)s saved.") % {"reference": item.requirement.reference}


class OpsItemAssignView(_ItemAction):
    form_class = ItemAssignForm

    def get_form_kwargs(self):
        return {"staff": sel.staff_choices(actor=self.request.user)}

    def perform(self, form, item):
        item = svc.item_assign(actor=self.request.user, item=item, assignee=form.cleaned_data["assignee"])
        return _("Item %(reference)s assigned to %(assignee)s.") % {
            "reference": item.requirement.reference, "assignee": item.assignee or "—"}


class OpsItemEvidenceView(_ItemAction):
    form_class = EvidenceForm

    def get_form_kwargs(self):
        return {"staff": sel.staff_choices(actor=self.request.user)}

    def perform(self, form, item):
        data = form.cleaned_data
        evidence = evidence_svc.evidence_add(actor=self.request.user, target=item, title=data["title"],
                                             upload=data.get("upload"), url=data.get("url") or "",
                                             expires_on=data.get("expires_on"), owner=data.get("owner"))
        return _("Evidence %(title)s added.") % {"title": evidence}


def _back_to(evidence, area="ops") -> str:
    if evidence.item_id:
        return reverse(f"{area}:assessment-item", args=[evidence.item_id])
    return reverse(f"{area}:control-detail", args=[evidence.control_id])


def _library_evidence(actor, pk):
    """Evidence of an item or a control (a finding's evidence belongs to the findings pages)."""
    evidence = evidence_get(actor=actor, pk=pk)
    if evidence.finding_id:
        raise Http404
    return evidence


class OpsEvidenceWithdrawView(ActionView, OpsView):
    permission_required = (roles.VIEW_ASSESSMENT,)
    form_class = WithdrawForm

    def get_object(self, pk):
        return _library_evidence(self.request.user, pk)

    def perform(self, form, evidence):
        evidence_svc.evidence_withdraw(actor=self.request.user, evidence=evidence,
                                       reason=form.cleaned_data["reason"])
        return _("Evidence %(title)s withdrawn.") % {"title": evidence}

    def get_success_url(self, obj):
        return _back_to(obj)


class _EvidenceDownload:
    def get(self, request, pk):
        evidence = _library_evidence(request.user, pk)
        try:
            return evidence_svc.evidence_download(actor=request.user, evidence=evidence)
        except DomainError as error:
            messages.error(request, str(error))
            return redirect(_back_to(evidence, self.area))


class OpsEvidenceDownloadView(_EvidenceDownload, OpsView):
    permission_required = ("compliance.view_evidence",)
    area = "ops"


class AuditEvidenceDownloadView(_EvidenceDownload, AuditorView):
    area = "audit"


# --- lists of one's own work and of expiring evidence ---------------------------------------------------------------

class OpsMyItemsView(OpsView):
    permission_required = (roles.VIEW_ASSESSMENT,)

    def get(self, request):
        show_all = request.GET.get("all") == "1"
        rows = sel.my_items(actor=request.user, open_only=not show_all)
        page = page_from_request(request, rows, sel.ITEM_ORDER)
        return render(request, T + "item_mine.html", {
            "area": "ops", "page": page, "rows": page.object_list, "show_all": show_all,
            "count": page_count(rows, page, sel.ITEM_ORDER), "query": query_without_position(request)})


EXPIRING_ORDER = ("expires_on", "id")


class _EvidenceExpiring:
    def get(self, request):
        rows = evidence_expiring(actor=request.user).select_related("owner", "item__assessment",
                                                                    "item__requirement", "control", "finding")
        page = page_from_request(request, rows, EXPIRING_ORDER)
        return render(request, T + "evidence_expiring.html", {
            "area": self.area, "page": page, "rows": page.object_list,
            "count": page_count(rows, page, EXPIRING_ORDER), "query": query_without_position(request)})


class OpsEvidenceExpiringView(_EvidenceExpiring, OpsView):
    permission_required = (roles.VIEW_ASSESSMENT,)
    area = "ops"


class AuditEvidenceExpiringView(_EvidenceExpiring, AuditorView):
    area = "audit"


P = "compliance/assessments/"
ops_patterns = [
    path(P, OpsAssessmentListView.as_view(), name="assessment-list"),
    path(P + "mine/", OpsMyItemsView.as_view(), name="assessment-mine"),
    path(P + "checklists/", OpsTemplateListView.as_view(), name="checklist-list"),
    path(P + "checklists/new/", OpsTemplateCreateView.as_view(), name="checklist-create"),
    path(P + "checklists/<int:pk>/", OpsTemplateDetailView.as_view(), name="checklist-detail"),
    path(P + "checklists/<int:pk>/start/", OpsAssessmentStartView.as_view(), name="assessment-start"),
    path(P + "<int:pk>/", OpsAssessmentDetailView.as_view(), name="assessment-detail"),
    path(P + "<int:pk>/submit/", OpsAssessmentSubmitView.as_view(), name="assessment-submit"),
    path(P + "<int:pk>/sign-off/", OpsAssessmentSignOffView.as_view(), name="assessment-sign-off"),
    path(P + "<int:pk>/send-back/", OpsAssessmentSendBackView.as_view(), name="assessment-send-back"),
    path(P + "items/<int:pk>/", OpsItemDetailView.as_view(), name="assessment-item"),
    path(P + "items/<int:pk>/answer/", OpsItemAnswerView.as_view(), name="assessment-item-answer"),
    path(P + "items/<int:pk>/assign/", OpsItemAssignView.as_view(), name="assessment-item-assign"),
    path(P + "items/<int:pk>/evidence/", OpsItemEvidenceView.as_view(), name="assessment-item-evidence"),
    path(P + "evidence/expiring/", OpsEvidenceExpiringView.as_view(), name="evidence-expiring"),
    path(P + "evidence/<int:pk>/withdraw/", OpsEvidenceWithdrawView.as_view(), name="assessment-evidence-withdraw"),
    path(P + "evidence/<int:pk>/download/", OpsEvidenceDownloadView.as_view(), name="assessment-evidence-download"),
]
audit_patterns = [
    path(P, AuditAssessmentListView.as_view(), name="assessment-list"),
    path(P + "checklists/", AuditTemplateListView.as_view(), name="checklist-list"),
    path(P + "checklists/<int:pk>/", AuditTemplateDetailView.as_view(), name="checklist-detail"),
    path(P + "<int:pk>/", AuditAssessmentDetailView.as_view(), name="assessment-detail"),
    path(P + "items/<int:pk>/", AuditItemDetailView.as_view(), name="assessment-item"),
    path(P + "evidence/expiring/", AuditEvidenceExpiringView.as_view(), name="evidence-expiring"),
    path(P + "evidence/<int:pk>/download/", AuditEvidenceDownloadView.as_view(), name="assessment-evidence-download"),
]
