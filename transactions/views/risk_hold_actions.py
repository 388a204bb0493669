"""The moves of a settlement hold on the staff list: ask for its release, approve or reject the release (four
eyes: ``transactions.case_policy``). Each calls one service of ``transactions/services/risk_holds.py``."""

from django.urls import path, reverse
from django.utils.translation import gettext as _

from acquirer.access import OpsView
from acquirer.views.actions import ActionView
from transactions import roles
from transactions.forms.risk import HoldReasonForm
from transactions.selectors.risk import hold_get
from transactions.services import risk_holds as svc


class _HoldActionView(ActionView):
    def get_object(self, pk):
        return hold_get(actor=self.request.user, pk=pk)

    def get_success_url(self, hold):
        return reverse("ops:risk-hold-list")


class OpsHoldRequestReleaseView(_HoldActionView, OpsView):
    permission_required = (roles.VIEW_HOLD,)  # the policy asks for placing or releasing holds
    form_class = HoldReasonForm

    def perform(self, form, hold):
        svc.hold_request_release(actor=self.request.user, hold=hold, reason=form.cleaned_data["reason"])
        return _("Release requested: a second person approves it.")


class OpsHoldApproveReleaseView(_HoldActionView, OpsView):
    permission_required = (roles.RELEASE_HOLD,)

    def perform(self, form, hold):
        svc.hold_approve_release(actor=self.request.user, hold=hold)
        return _("Hold released: the money kept back is paid with the merchant's next payout.")


class OpsHoldRejectReleaseView(_HoldActionView, OpsView):
    permission_required = (roles.RELEASE_HOLD,)
    form_class = HoldReasonForm

    def perform(self, form, hold):
        svc.hold_reject_release(actor=self.request.user, hold=hold, reason=form.cleaned_data["reason"])
        return _("Release rejected: the hold stays active.")


ops_patterns = [
    path("risk/holds/<int:pk>/request-release/", OpsHoldRequestReleaseView.as_view(),
         name="risk-hold-request-release"),
    path("risk/holds/<int:pk>/approve-release/", OpsHoldApproveReleaseView.as_view(),
         name="risk-hold-approve-release"),
    path("risk/holds/<int:pk>/reject-release/", OpsHoldRejectReleaseView.as_view(), name="risk-hold-reject-release"),
]
portal_patterns = []
audit_patterns = []
