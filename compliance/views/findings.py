"""Findings pages: the list (filters, keyset pages, CSV/XLSX export), "My findings", raising a finding (from an
assessment item or an inspection too), the finding page with its history, its remediation evidence and one form
per move the policy allows; auditors read the same pages and change nothing.

Every read goes through ``compliance.selectors``; every change is one service; the buttons come from
``acquirer.policy.available_actions`` over ``compliance.policy.ACTIONS``."""

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
from acquirer.views.actions import PAGE_METHODS, ActionView
from compliance import policy, roles
from compliance.forms import findings as forms
from compliance.models import Finding
from compliance.selectors.evidence import evidence_for, evidence_get
from compliance.selectors.findings import (
    LIST_ORDER,
    finding_get,
    finding_history,
    finding_list,
    finding_owner_choices,
    finding_requirement_choices,
    finding_source_item,
    mark_overdue,
)
from compliance.selectors.inspections import inspection_get
from compliance.services import evidence as evidence_svc
from compliance.services import findings as svc

VIEW_PERM = roles.VIEW_FINDING
LIST = "compliance/findings/finding_list.html"
DETAIL = "compliance/findings/finding_detail.html"
ACTIONS = policy.ACTIONS
# the order of the move forms on the finding page, and which form each takes (None: a button alone)
MOVES = {
    "finding_confirm": None, "finding_start": None, "finding_remediate": forms.RemediateForm,
    "finding_verify": forms.VerifyForm, "finding_send_back": forms.ReasonForm, "finding_close": None,
    "finding_dismiss": forms.ReasonForm, "finding_accept_risk": forms.AcceptRiskForm,
    "finding_reassign": forms.ReassignForm, "finding_change_due": forms.DueDateForm,
}
DANGER = {"finding_send_back", "finding_dismiss", "finding_accept_risk"}


def _slug(action: str) -> str:
    return action.removeprefix("finding_").replace("_", "-")


def _url_name(action: str) -> str:
    return f"ops:finding-{_slug(action)}"


def _form_kwargs(action: str, actor) -> dict:
    if action == "finding_reassign":
        return {"owners": finding_owner_choices(actor=actor)}
    return {}


# --- lists ----------------------------------------------------------------------------------------------------

class _ListMixin:
    template_name = LIST
    area = "ops"
    mine = False

    def get(self, request, *args, **kwargs):
        data = request.GET.copy()
        if self.area == "ops" and not set(forms.FindingFilterForm.base_fields) & set(data):
            data["status"] = "open"  # staff start from the findings still to work on
        self.owners = list(finding_owner_choices(actor=request.user))
        self.form = forms.FindingFilterForm(data or None, owners=self.owners)
        self.filters = self.form.filters()
        if self.mine:
            self.filters["owner"] = "me"
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        rows = finding_list(actor=self.request.user, filters=self.filters)
        page = page_from_request(self.request, rows, LIST_ORDER)
        if self.mine:
            self.form.fields.pop("owner")
        ctx.update(area=self.area, mine=self.mine, form=self.form, page=page,
                   count=page_count(rows, page, LIST_ORDER),
                   findings=link_rows(mark_overdue(list(page.object_list)), f"{self.area}:finding-detail"),
                   query=query_without_position(self.request), export_filters=self._export_filters())
        return ctx

    def _export_filters(self) -> list[tuple[str, str]]:
        return [(name, "1" if value is True else str(value)) for name, value in self.filters.items()]


class OpsFindingListView(OpsView, _ListMixin, TemplateView):
    permission_required = (VIEW_PERM,)


class OpsMyFindingListView(OpsView, _ListMixin, TemplateView):
    permission_required = (VIEW_PERM,)
    mine = True


class AuditFindingListView(AuditorView, _ListMixin, TemplateView):
    area = "audit"


# --- raising --------------------------------------------------------------------------------------------------

class OpsFindingCreateView(ActionView, OpsView):
    """Raise a finding; ``?item=<id>`` raises it from an assessment item (its requirement), ``?inspection=<id>``
    from a regulator inspection."""

    http_method_names = PAGE_METHODS
    permission_required = (roles.MANAGE_FINDING,)
    template_name = "compliance/findings/finding_form.html"
    form_class = forms.FindingForm

    def get_object(self, **kwargs):
        actor = self.request.user
        self.item = self.inspection = None
        if self.request.GET.get("item"):
            self.item = finding_source_item(actor=actor, pk=self.request.GET["item"])
            if self.item is None:
                raise Http404
        if self.request.GET.get("inspection", "").isdigit():
            self.inspection = inspection_get(actor=actor, pk=int(self.request.GET["inspection"]))
        return None

    def get_form_kwargs(self):
        actor = self.request.user
        initial, fixed = {}, ""
        if self.item is not None:
            fixed = Finding.Source.ASSESSMENT
            initial["requirement"] = self.item.requirement_id
            if self.item.assignee_id:
                initial["owner"] = self.item.assignee_id
        elif self.inspection is not None:
            fixed = Finding.Source.INSPECTION
        return {"owners": finding_owner_choices(actor=actor), "requirements": finding_requirement_choices(actor=actor),
                "fixed_source": fixed, "initial": initial}

    def render_form(self, form):
        return render(self.request, self.template_name, {"area": "ops", "form": form, "item": self.item,
                                                         "inspection": self.inspection})

    def perform(self, form, obj):
        data = form.cleaned_data
        self.object = finding = svc.finding_raise(
            actor=self.request.user, title=data["title"], description=data["description"],
            source=data.get("source") or "", severity=data["severity"], owner=data["owner"], due_on=data["due_on"],
            requirement=data.get("requirement"), assessment_item=self.item, inspection=self.inspection)
        return _("Finding %(reference)s raised.") % {"reference": finding.reference}

    def get_success_url(self, finding):
        return reverse("ops:finding-detail", kwargs={"pk": finding.pk})


# --- detail ---------------------------------------------------------------------------------------------------

def _context(request, finding, area: str) -> dict:
    actor = request.user
    mark_overdue([finding])
    return {"finding": finding, "area": area, "history": finding_history(actor=actor, finding=finding),
            "evidence": list(evidence_for(actor=actor, finding=finding))}


def _ops_detail(request, finding, bound=None):
    """The finding page for staff; ``bound``: (action name, bound form) to show again with its errors."""
    actor = request.user
    ctx = _context(request, finding, "ops")
    allowed = available_actions(actor, finding, [ACTIONS[name] for name in MOVES])
    moves = []
    for name, form_class in MOVES.items():
        if name not in allowed:
            continue
        if bound is not None and bound[0] == name:
            form = bound[1]
        else:
            form = None if form_class is None else form_class(**_form_kwargs(name, actor))
        moves.append({"name": name, "label": allowed[name].label, "form": form, "danger": name in DANGER,
                      "url": reverse(_url_name(name), kwargs={"pk": finding.pk})})
    ctx["moves"] = moves
    if bound is not None and bound[0] == "evidence":
        ctx["evidence_form"] = bound[1]  # with its errors, even when evidence may no longer be added
    elif evidence_svc.attach_refusal(actor, finding) is None:
        ctx["evidence_form"] = forms.EvidenceForm()
    return render(request, DETAIL, ctx)


class OpsFindingDetailView(OpsView):
    permission_required = (VIEW_PERM,)

    def get(self, request, pk):
        return _ops_detail(request, finding_get(actor=request.user, pk=pk))


class AuditFindingDetailView(AuditorView):
    def get(self, request, pk):
        return render(request, DETAIL, _context(request, finding_get(actor=request.user, pk=pk), "audit"))


# --- moves ----------------------------------------------------------------------------------------------------

class _FindingActionView(ActionView, OpsView):
    """One move on a finding; back to its page. A form with errors or a refusal shows the page again with what was
    typed and the reason."""

    template_name = DETAIL
    action = ""

    def get_object(self, pk):
        return finding_get(actor=self.request.user, pk=pk)

    def get_form(self, data=None, files=None):
        form_class = MOVES[self.action]
        return None if form_class is None else form_class(data, files, **_form_kwargs(self.action, self.request.user))

    def render_form(self, form):
        return _ops_detail(self.request, self.object, bound=(self.action, form))

    def refused(self, form, error: DomainError):
        """A move the actor may no longer take (someone else moved the finding first) has no form on the page to
        show the reason beside: it becomes a message there."""
        action = ACTIONS.get(self.action)
        current = finding_get(actor=self.request.user, pk=self.object.pk)
        if action is not None and not allows(self.request.user, action, current):
            messages.error(self.request, str(error))
            return redirect(self.get_success_url(current))
        return super().refused(form, error)

    def get_success_url(self, finding):
        return reverse("ops:finding-detail", kwargs={"pk": finding.pk})

    def done(self, text: str, finding) -> str:
        return str(text) % {"reference": finding.reference}


def _move_view(action: str, permission: str, run, message: str):
    """A view class for one move: ``run(view, form, finding)`` calls the service."""

    class View(_FindingActionView):
        permission_required = (permission,)

        def perform(self, form, finding):
            run(self.request.user, form.cleaned_data if form is not None else {}, finding)
            return self.done(message, finding)

    View.action = action
    View.__name__ = View.__qualname__ = "OpsFinding" + "".join(p.title() for p in _slug(action).split("-")) + "View"
    return View


OpsFindingConfirmView = _move_view(
    "finding_confirm", roles.MANAGE_FINDING, lambda a, d, f: svc.finding_confirm(actor=a, finding=f),
    gettext_lazy("Finding %(reference)s confirmed."))
OpsFindingStartView = _move_view(
    "finding_start", roles.REMEDIATE_FINDING, lambda a, d, f: svc.finding_start(actor=a, finding=f),
    gettext_lazy("Rectification of finding %(reference)s started."))
OpsFindingRemediateView = _move_view(
    "finding_remediate", roles.REMEDIATE_FINDING,
    lambda a, d, f: svc.finding_remediate(actor=a, finding=f, remediation=d["remediation"]),
    gettext_lazy("Finding %(reference)s marked rectified; someone else verifies it now."))
OpsFindingVerifyView = _move_view(
    "finding_verify", roles.MANAGE_FINDING, lambda a, d, f: svc.finding_verify(actor=a, finding=f, note=d["note"]),
    gettext_lazy("Rectification of finding %(reference)s verified."))
OpsFindingSendBackView = _move_view(
    "finding_send_back", roles.MANAGE_FINDING,
    lambda a, d, f: svc.finding_send_back(actor=a, finding=f, reason=d["reason"]),
    gettext_lazy("Finding %(reference)s sent back to rectification."))
OpsFindingCloseView = _move_view(
    "finding_close", roles.MANAGE_FINDING, lambda a, d, f: svc.finding_close(actor=a, finding=f),
    gettext_lazy("Finding %(reference)s closed."))
OpsFindingDismissView = _move_view(
    "finding_dismiss", roles.MANAGE_FINDING,
    lambda a, d, f: svc.finding_dismiss(actor=a, finding=f, reason=d["reason"]),
    gettext_lazy("Finding %(reference)s closed as not a finding."))
OpsFindingAcceptRiskView = _move_view(
    "finding_accept_risk", roles.ACCEPT_RISK,
    lambda a, d, f: svc.finding_accept_risk(actor=a, finding=f, reason=d["reason"], until=d["until"]),
    gettext_lazy("The risk of finding %(reference)s is accepted."))
OpsFindingReassignView = _move_view(
    "finding_reassign", roles.MANAGE_FINDING,
    lambda a, d, f: svc.finding_reassign(actor=a, finding=f, owner=d["owner"], reason=d["reason"]),
    gettext_lazy("Finding %(reference)s has a new owner."))
OpsFindingChangeDueView = _move_view(
    "finding_change_due", roles.MANAGE_FINDING,
    lambda a, d, f: svc.finding_change_due(actor=a, finding=f, due_on=d["due_on"], reason=d["reason"]),
    gettext_lazy("Finding %(reference)s has a new due date."))
_MOVE_VIEWS = [OpsFindingConfirmView, OpsFindingStartView, OpsFindingRemediateView, OpsFindingVerifyView,
               OpsFindingSendBackView, OpsFindingCloseView, OpsFindingDismissView, OpsFindingAcceptRiskView,
               OpsFindingReassignView, OpsFindingChangeDueView]


class OpsFindingEvidenceAddView(_FindingActionView):
    """Attach remediation evidence (a file or a link) to the finding."""

    permission_required = (roles.REMEDIATE_FINDING,)
    action = "evidence"

    def get_form(self, data=None, files=None):
        return forms.EvidenceForm(data, files)

    def perform(self, form, finding):
        data = form.cleaned_data
        evidence_svc.evidence_add(actor=self.request.user, target=finding, title=data["title"],
                                  upload=data.get("upload"), url=data.get("url") or "",
                                  expires_on=data.get("expires_on"))
        return _("Evidence added.")


# --- evidence files ---------------------------------------------------------------------------------------------

def _evidence_response(request, pk):
    evidence = evidence_get(actor=request.user, pk=pk)
    if evidence.finding_id is None:
        raise Http404
    try:
        return evidence_svc.evidence_download(actor=request.user, evidence=evidence)
    except DomainError as error:
        raise Http404(str(error)) from error


class OpsFindingEvidenceView(OpsView):
    permission_required = (VIEW_PERM,)

    def get(self, request, pk):
        return _evidence_response(request, pk)


class AuditFindingEvidenceView(AuditorView):
    def get(self, request, pk):
        return _evidence_response(request, pk)


ops_patterns = [
    path("compliance/findings/", OpsFindingListView.as_view(), name="finding-list"),
    path("compliance/findings/mine/", OpsMyFindingListView.as_view(), name="finding-mine"),
    path("compliance/findings/new/", OpsFindingCreateView.as_view(), name="finding-create"),
    path("compliance/findings/<int:pk>/", OpsFindingDetailView.as_view(), name="finding-detail"),
    *(path(f"compliance/findings/<int:pk>/{_slug(view.action)}/", view.as_view(),
           name=_url_name(view.action).removeprefix("ops:")) for view in _MOVE_VIEWS),
    path("compliance/findings/<int:pk>/evidence/", OpsFindingEvidenceAddView.as_view(), name="finding-evidence-add"),
    path("compliance/findings/evidence/<int:pk>/", OpsFindingEvidenceView.as_view(), name="finding-evidence"),
]
audit_patterns = [
    path("compliance/findings/", AuditFindingListView.as_view(), name="finding-list"),
    path("compliance/findings/<int:pk>/", AuditFindingDetailView.as_view(), name="finding-detail"),
    path("compliance/findings/evidence/<int:pk>/", AuditFindingEvidenceView.as_view(), name="finding-evidence"),
]
