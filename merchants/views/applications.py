"""The application (portal), the onboarding queue and the review actions (ops), the register export."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from acquirer import exports
from acquirer.access import OpsView, PortalView
from acquirer.exceptions import DomainError
from acquirer.models import User
from acquirer.selectors import user_list
from acquirer.views.actions import ActionView
from merchants import roles
from merchants.forms.merchants import STEPS, NoteForm, QueueFilterForm, ReasonForm, RepresentativeForm, RiskOverrideForm
from merchants.models import MerchantDocument, SettlementAccount
from merchants.selectors.contracts import settlement_account_list
from merchants.selectors.documents import document_list
from merchants.selectors.merchants import merchant_for_user, merchant_get, onboarding_queue
from merchants.services import applications as svc
from merchants.workflow import EDITABLE

SETTLEMENT_CLOSED = {SettlementAccount.Status.REJECTED, SettlementAccount.Status.REPLACED}


def _step_form(step: str, merchant, data=None):
    form_class, _label = STEPS[step]
    if form_class is RepresentativeForm:
        return form_class(data, merchant=merchant, initial={"legal_rep_name": merchant.legal_rep_name})
    return form_class(data, instance=merchant)


def _save_step(actor, merchant, step: str, form) -> None:
    if isinstance(form, RepresentativeForm):
        svc.merchant_application_update(actor=actor, merchant=merchant,
                                        data={"legal_rep_name": form.cleaned_data["legal_rep_name"]},
                                        legal_rep_id=form.cleaned_data["legal_rep_id"] or None)
    else:
        svc.merchant_application_update(actor=actor, merchant=merchant,
                                        data={name: form.cleaned_data[name] for name in form.Meta.fields})


class _StepMixin:
    """GET shows one step of the application; POST saves it (save as draft) and goes to the next.

    Not an ``ActionView``: one handler serves GET and POST of a wizard whose form, template context and next
    page all depend on the step in the URL, and a saved step carries the form's warnings on."""

    template_name = "merchants/shared/application_step.html"
    area = "portal"

    def merchant(self):
        raise NotImplementedError

    def next_url(self, merchant, step):
        raise NotImplementedError

    def dispatch_step(self, request, step):
        if step not in STEPS:
            raise Http404
        merchant = self.merchant()
        if request.method == "POST":
            form = _step_form(step, merchant, request.POST)
            if form.is_valid():
                try:
                    _save_step(request.user, merchant, step, form)
                except DomainError as error:
                    messages.error(request, str(error))
                else:
                    messages.success(request, _("Saved."))
                    for warning in getattr(form.fields.get("legal_rep_id"), "warnings", []):
                        messages.warning(request, warning)
                    return redirect(self.next_url(merchant, step))
        else:
            form = _step_form(step, merchant)
        return self.render_to_response(self.get_context_data(
            merchant=merchant, form=form, step=step, steps=[(k, v[1]) for k, v in STEPS.items()],
            editable=merchant.status in EDITABLE, area=self.area))


def _next_step(step: str) -> str | None:
    keys = list(STEPS)
    index = keys.index(step)
    return keys[index + 1] if index + 1 < len(keys) else None


# --- portal ------------------------------------------------------------------------------------

class ApplicationView(PortalView, TemplateView):
    template_name = "merchants/portal/application_overview.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        actor = self.request.user
        merchant = merchant_for_user(actor=actor)
        # What "Submit" sends: the current documents (a superseded or rejected one is not part of it) and the
        # settlement account waiting for verification or in use (its number masked).
        documents = [document for document in document_list(actor=actor, merchant=merchant)
                     if not document.superseded and document.decision != MerchantDocument.Decision.REJECTED]
        accounts = [account for account in settlement_account_list(actor=actor, merchant=merchant)
                    if account.status not in SETTLEMENT_CLOSED]
        ctx.update(merchant=merchant, steps=[(k, v[1]) for k, v in STEPS.items()],
                   gaps=svc.application_gaps(merchant), editable=merchant.status in EDITABLE,
                   submitted_documents=documents, submitted_accounts=accounts)
        return ctx


class ApplicationStepView(PortalView, _StepMixin, TemplateView):
    def merchant(self):
        return merchant_for_user(actor=self.request.user)

    def next_url(self, merchant, step):
        following = _next_step(step)
        return reverse("portal:application-step", kwargs={"step": following}) if following else reverse(
            "portal:application")

    def get(self, request, step):
        return self.dispatch_step(request, step)

    def post(self, request, step):
        return self.dispatch_step(request, step)


class ApplicationSubmitView(ActionView, PortalView):
    def get_object(self):
        return merchant_for_user(actor=self.request.user)

    def perform(self, form, merchant):
        svc.merchant_submit(actor=self.request.user, merchant=merchant)
        return _("Your application was submitted. We will tell you when it has been reviewed.")

    def get_success_url(self, merchant):
        return reverse("portal:application")


# --- ops ---------------------------------------------------------------------------------------

class OnboardingQueueView(OpsView, TemplateView):
    template_name = "merchants/ops/onboarding_queue.html"
    permission_required = (roles.VIEW,)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form = QueueFilterForm(self.request.GET or None)
        filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
        rows = [(m, svc.sla_age_days(m)) for m in onboarding_queue(actor=self.request.user, filters=filters)[:200]]
        ctx.update(form=form, rows=rows)
        return ctx


class StaffStepView(OpsView, _StepMixin, TemplateView):
    """A reviewer fills in or corrects the application on the merchant's behalf (then may not approve it)."""

    permission_required = (roles.REVIEW,)
    area = "ops"

    def merchant(self):
        return merchant_get(actor=self.request.user, pk=self.kwargs["pk"])

    def next_url(self, merchant, step):
        following = _next_step(step)
        if following:
            return reverse("ops:merchant-edit", kwargs={"pk": merchant.pk, "step": following})
        return reverse("ops:merchant-detail", kwargs={"pk": merchant.pk})

    def get(self, request, pk, step):
        return self.dispatch_step(request, step)

    def post(self, request, pk, step):
        return self.dispatch_step(request, step)


class _MerchantActionView(ActionView, OpsView):
    """Review actions on one merchant; they go back to the merchant page (the service checks the rights again)."""

    permission_required = (roles.VIEW,)

    def get_object(self, pk):
        return merchant_get(actor=self.request.user, pk=pk)

    def get_success_url(self, merchant):
        return reverse("ops:merchant-detail", kwargs={"pk": merchant.pk})


class MerchantSubmitView(_MerchantActionView):
    permission_required = (roles.REVIEW,)

    def perform(self, form, merchant):
        svc.merchant_submit(actor=self.request.user, merchant=merchant)
        return _("Application submitted on the merchant's behalf.")


class MerchantAssignView(_MerchantActionView):
    permission_required = (roles.REVIEW,)

    def perform(self, form, merchant):
        actor = self.request.user
        reviewer_id = self.request.POST.get("reviewer")
        reviewer = next((u for u in user_list(actor=actor).filter(kind=User.Kind.STAFF)
                         if str(u.pk) == reviewer_id), None)
        if reviewer is None:
            raise DomainError(_("Choose a reviewer."))
        svc.merchant_assign(actor=actor, merchant=merchant, reviewer=reviewer)
        return _("Reviewer assigned.")


class MerchantStartReviewView(_MerchantActionView):
    permission_required = (roles.REVIEW,)

    def perform(self, form, merchant):
        svc.merchant_start_review(actor=self.request.user, merchant=merchant)
        return _("Review started.")


class MerchantRequestInfoView(_MerchantActionView):
    permission_required = (roles.REVIEW,)
    form_class = ReasonForm

    def perform(self, form, merchant):
        svc.merchant_request_info(actor=self.request.user, merchant=merchant, note=form.cleaned_data["reason"])
        return _("The merchant was asked for more information.")


class MerchantApproveView(_MerchantActionView):
    permission_required = (roles.REVIEW,)
    form_class = NoteForm

    def perform(self, form, merchant):
        merchant = svc.merchant_approve(actor=self.request.user, merchant=merchant,
                                        note=form.cleaned_data.get("note", ""))
        if merchant.status != "approved":
            return _("First approval recorded; an operations manager must give the second approval.")
        return _("Approval recorded.")


class MerchantRejectView(_MerchantActionView):
    permission_required = (roles.REVIEW,)
    form_class = ReasonForm

    def perform(self, form, merchant):
        svc.merchant_reject(actor=self.request.user, merchant=merchant, reason=form.cleaned_data["reason"])
        return _("Application rejected.")


class MerchantActivateView(_MerchantActionView):
    def perform(self, form, merchant):
        svc.merchant_activate(actor=self.request.user, merchant=merchant)
        return _("Merchant is active.")


class MerchantSuspendView(_MerchantActionView):
    permission_required = (roles.SUSPEND,)
    form_class = ReasonForm

    def perform(self, form, merchant):
        svc.merchant_suspend(actor=self.request.user, merchant=merchant, reason=form.cleaned_data["reason"])
        return _("Merchant suspended.")


class MerchantTerminateView(_MerchantActionView):
    permission_required = (roles.TERMINATE,)
    form_class = ReasonForm

    def perform(self, form, merchant):
        svc.merchant_terminate(actor=self.request.user, merchant=merchant, reason=form.cleaned_data["reason"])
        return _("Merchant relationship terminated.")


class MerchantRiskOverrideView(_MerchantActionView):
    permission_required = (roles.OVERRIDE_RISK,)
    form_class = RiskOverrideForm

    def perform(self, form, merchant):
        svc.merchant_risk_override(actor=self.request.user, merchant=merchant, level=form.cleaned_data["level"],
                                   reason=form.cleaned_data["reason"])
        return _("Risk rating overridden.")


class MerchantRiskRefreshView(_MerchantActionView):
    permission_required = (roles.REVIEW,)

    def perform(self, form, merchant):
        svc.merchant_risk_refresh(actor=self.request.user, merchant=merchant)
        return _("Risk rating recomputed.")


class MerchantExportView(OpsView):
    """The merchant register as CSV (UTF-8 with BOM) or XLSX, at once while it is small; audited. A larger
    register is prepared as a job ("My downloads"), never cut short."""

    permission_required = (roles.EXPORT,)

    def get(self, request):
        from merchants.exports import export_response

        response = export_response(actor=request.user, fmt=request.GET.get("format", "csv"))
        if response is None:
            messages.warning(request, exports.too_large_message())
            return redirect("ops:merchant-list")
        return response


portal_patterns = [
    path("application/", ApplicationView.as_view(), name="application"),
    path("application/submit/", ApplicationSubmitView.as_view(), name="application-submit"),
    path("application/<str:step>/", ApplicationStepView.as_view(), name="application-step"),
]

ops_patterns = [
    path("onboarding/", OnboardingQueueView.as_view(), name="onboarding-queue"),
    path("merchants/export/", MerchantExportView.as_view(), name="merchant-export"),
    path("merchants/<int:pk>/edit/<str:step>/", StaffStepView.as_view(), name="merchant-edit"),
    path("merchants/<int:pk>/submit/", MerchantSubmitView.as_view(), name="merchant-submit"),
    path("merchants/<int:pk>/assign/", MerchantAssignView.as_view(), name="merchant-assign"),
    path("merchants/<int:pk>/start-review/", MerchantStartReviewView.as_view(), name="merchant-start-review"),
    path("merchants/<int:pk>/request-info/", MerchantRequestInfoView.as_view(), name="merchant-request-info"),
    path("merchants/<int:pk>/approve/", MerchantApproveView.as_view(), name="merchant-approve"),
    path("merchants/<int:pk>/reject/", MerchantRejectView.as_view(), name="merchant-reject"),
    path("merchants/<int:pk>/activate/", MerchantActivateView.as_view(), name="merchant-activate"),
    path("merchants/<int:pk>/suspend/", MerchantSuspendView.as_view(), name="merchant-suspend"),
    path("merchants/<int:pk>/terminate/", MerchantTerminateView.as_view(), name="merchant-terminate"),
    path("merchants/<int:pk>/risk-override/", MerchantRiskOverrideView.as_view(), name="merchant-risk-override"),
    path("merchants/<int:pk>/risk-refresh/", MerchantRiskRefreshView.as_view(), name="merchant-risk-refresh"),
]
audit_patterns = []
