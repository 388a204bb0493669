"""A risk case's staff page with the actions the actor may take (``transactions.case_policy.CASE_ACTIONS``), each
action calling one service of ``transactions/services/risk_cases.py`` (or ``risk_holds.hold_place``), and the
report downloads (PDF, XLSX) of a confirmed case for staff who report and for auditors."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from acquirer.access import AuditorView, OpsView
from acquirer.exceptions import DomainError
from acquirer.files import StoredFileMissing
from acquirer.policy import available_actions
from acquirer.views.actions import ActionView
from transactions import roles
from transactions.case_policy import CASE_ACTIONS, REPORT_DOWNLOAD
from transactions.forms.risk import (
    HoldPlaceForm,
    RiskCaseAssignForm,
    RiskCaseDecideForm,
    RiskCaseFileForm,
    RiskCaseLinkForm,
    RiskCaseNoteForm,
    RiskCaseReasonForm,
    RiskCaseSuspendTerminalForm,
)
from transactions.risk_report import report_download
from transactions.selectors.risk import (
    risk_case_assignee_choices,
    risk_case_get,
    risk_case_terminals,
    risk_evidence_file_get,
)
from transactions.services import risk_cases as svc
from transactions.services import risk_holds
from transactions.views.risk_cases import case_context

FORMS = {"note": RiskCaseNoteForm, "attach": RiskCaseFileForm, "link": RiskCaseLinkForm,
         "decide": RiskCaseDecideForm, "close": RiskCaseReasonForm, "suspend_merchant": RiskCaseReasonForm,
         "hold": HoldPlaceForm}


def _ops_case_context(request, case) -> dict:
    user = request.user
    ctx = case_context(request, case, "ops")
    actions = available_actions(user, case, CASE_ACTIONS.values())
    ctx["actions"] = actions
    ctx["forms"] = {name: form() for name, form in FORMS.items() if name in actions}
    if "assign" in actions:
        ctx["forms"]["assign"] = RiskCaseAssignForm(assignees=risk_case_assignee_choices(actor=user),
                                                    initial={"assignee": case.assigned_to_id})
    if "suspend_terminal" in actions:
        ctx["forms"]["suspend_terminal"] = RiskCaseSuspendTerminalForm(
            terminals=risk_case_terminals(actor=user, case=case))
    ctx["action_forms"] = [
        {"name": name, "label": actions[name].label, "form": form,
         "url": reverse(f"ops:risk-case-{name.replace('_', '-')}", kwargs={"pk": case.pk})}
        for name, form in ctx.pop("forms").items()]
    ctx["may_download"] = bool(case.decided_at and available_actions(user, case, [REPORT_DOWNLOAD]))
    return ctx


class OpsRiskCaseDetailView(OpsView):
    permission_required = (roles.VIEW_RISK,)

    def get(self, request, pk):
        case = risk_case_get(actor=request.user, pk=pk)
        return render(request, "transactions/shared/risk/case_detail.html", _ops_case_context(request, case))


class _CaseActionView(ActionView):
    permission_required = (roles.HANDLE_CASE,)

    def get_object(self, pk):
        return risk_case_get(actor=self.request.user, pk=pk)

    def get_success_url(self, case):
        return reverse("ops:risk-case-detail", kwargs={"pk": case.pk})


class OpsRiskCaseTakeView(_CaseActionView, OpsView):
    def perform(self, form, case):
        svc.case_take(actor=self.request.user, case=case)
        return _("You are investigating this case.")


class OpsRiskCaseAssignView(_CaseActionView, OpsView):
    form_class = RiskCaseAssignForm

    def get_form_kwargs(self):
        return {"assignees": risk_case_assignee_choices(actor=self.request.user)}

    def perform(self, form, case):
        assignee = form.cleaned_data["assignee"]
        svc.case_assign(actor=self.request.user, case=case, assignee=assignee)
        return _("Case assigned to %(user)s.") % {"user": assignee.get_username()}


class OpsRiskCaseNoteView(_CaseActionView, OpsView):
    form_class = RiskCaseNoteForm

    def perform(self, form, case):
        svc.case_add_note(actor=self.request.user, case=case, text=form.cleaned_data["text"])
        return _("Note added.")


class OpsRiskCaseAttachView(_CaseActionView, OpsView):
    form_class = RiskCaseFileForm

    def perform(self, form, case):
        svc.case_attach_file(actor=self.request.user, case=case, uploaded_file=form.cleaned_data["file"])
        return _("File attached.")


class OpsRiskCaseLinkView(_CaseActionView, OpsView):
    form_class = RiskCaseLinkForm

    def perform(self, form, case):
        data = form.cleaned_data
        svc.case_link_transaction(actor=self.request.user, case=case, local_date=data["local_date"],
                                  transaction_id=data["transaction_id"])
        return _("Transaction linked.")


class OpsRiskCaseDecideView(_CaseActionView, OpsView):
    form_class = RiskCaseDecideForm

    def perform(self, form, case):
        data = form.cleaned_data
        case = svc.case_decide(actor=self.request.user, case=case, outcome=data["outcome"], reason=data["reason"],
                               major=data["major"])
        return _("Case decided: %(outcome)s.") % {"outcome": case.get_status_display()}


class OpsRiskCaseCloseView(_CaseActionView, OpsView):
    form_class = RiskCaseReasonForm

    def perform(self, form, case):
        svc.case_close(actor=self.request.user, case=case, reason=form.cleaned_data["reason"])
        return _("Case closed.")


class OpsRiskCaseReportedView(_CaseActionView, OpsView):
    permission_required = (roles.REPORT_CASE,)

    def perform(self, form, case):
        svc.case_mark_reported(actor=self.request.user, case=case)
        return _("The report is marked as filed with the regulator.")


class OpsRiskCaseSuspendTerminalView(_CaseActionView, OpsView):
    form_class = RiskCaseSuspendTerminalForm

    def get_form_kwargs(self):
        return {"terminals": risk_case_terminals(actor=self.request.user, case=self.object)}

    def perform(self, form, case):
        terminal = form.cleaned_data["terminal"]
        svc.case_suspend_terminal(actor=self.request.user, case=case, terminal=terminal,
                                  reason=form.cleaned_data["reason"])
        return _("Terminal %(tid)s suspended.") % {"tid": terminal.tid}


class OpsRiskCaseSuspendMerchantView(_CaseActionView, OpsView):
    form_class = RiskCaseReasonForm

    def perform(self, form, case):
        svc.case_suspend_merchant(actor=self.request.user, case=case, reason=form.cleaned_data["reason"])
        return _("Merchant suspended.")


class OpsRiskCaseHoldView(_CaseActionView, OpsView):
    permission_required = (roles.PLACE_HOLD,)
    form_class = HoldPlaceForm

    def perform(self, form, case):
        data = form.cleaned_data
        risk_holds.hold_place(actor=self.request.user, merchant=case.merchant, amount_minor=data["amount_minor"],
                              currency="CNY", reason=data["reason"], merchant_reason=data["merchant_reason"],
                              review_date=data["review_date"], case=case)
        return _("Settlement held: a second person releases it.")


def _report(request, pk, fmt, area: str):
    """The report of a case as a download; an unknown format is a 404 like a missing case, a case with nothing to
    report goes back to its page with the reason."""
    if fmt not in ("pdf", "xlsx"):
        raise Http404
    case = risk_case_get(actor=request.user, pk=pk)
    try:
        return report_download(actor=request.user, case=case, fmt=fmt)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect(f"{area}:risk-case-detail", pk=case.pk)


class OpsRiskCaseReportView(OpsView):
    permission_required = (roles.REPORT_CASE,)

    def get(self, request, pk, fmt):
        return _report(request, pk, fmt, "ops")


class AuditRiskCaseReportView(AuditorView):
    def get(self, request, pk, fmt):
        return _report(request, pk, fmt, "audit")


def _evidence(request, pk, evidence_pk, area: str):
    """An evidence file as an audited download; a file missing from storage goes back to the case with the reason."""
    evidence = risk_evidence_file_get(actor=request.user, case_pk=pk, pk=evidence_pk)
    try:
        return svc.evidence_download(actor=request.user, evidence=evidence)
    except (DomainError, StoredFileMissing) as error:
        messages.error(request, str(error))
        return redirect(f"{area}:risk-case-detail", pk=pk)


class OpsRiskEvidenceView(OpsView):
    permission_required = (roles.VIEW_RISK,)

    def get(self, request, pk, evidence_pk):
        return _evidence(request, pk, evidence_pk, "ops")


class AuditRiskEvidenceView(AuditorView):
    def get(self, request, pk, evidence_pk):
        return _evidence(request, pk, evidence_pk, "audit")


def _action(name, view):
    return path(f"risk/cases/<int:pk>/{name.replace('_', '-')}/", view.as_view(),
                name=f"risk-case-{name.replace('_', '-')}")


ops_patterns = [
    path("risk/cases/<int:pk>/", OpsRiskCaseDetailView.as_view(), name="risk-case-detail"),
    _action("take", OpsRiskCaseTakeView),
    _action("assign", OpsRiskCaseAssignView),
    _action("note", OpsRiskCaseNoteView),
    _action("attach", OpsRiskCaseAttachView),
    _action("link", OpsRiskCaseLinkView),
    _action("decide", OpsRiskCaseDecideView),
    _action("close", OpsRiskCaseCloseView),
    _action("reported", OpsRiskCaseReportedView),
    _action("suspend_terminal", OpsRiskCaseSuspendTerminalView),
    _action("suspend_merchant", OpsRiskCaseSuspendMerchantView),
    _action("hold", OpsRiskCaseHoldView),
    path("risk/cases/<int:pk>/report.<str:fmt>", OpsRiskCaseReportView.as_view(), name="risk-case-report"),
    path("risk/cases/<int:pk>/evidence/<int:evidence_pk>/", OpsRiskEvidenceView.as_view(),
         name="risk-case-evidence"),
]
portal_patterns = []
audit_patterns = [
    path("risk/cases/<int:pk>/report.<str:fmt>", AuditRiskCaseReportView.as_view(), name="risk-case-report"),
    path("risk/cases/<int:pk>/evidence/<int:evidence_pk>/", AuditRiskEvidenceView.as_view(),
         name="risk-case-evidence"),
]
