"""Settlement accounts: the merchant (or a reviewer on its behalf) requests one; staff verify it and a
second person approves it. Pages show account numbers masked only."""

from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from acquirer.access import OpsView, PortalView
from acquirer.forms import ReasonForm
from acquirer.views.actions import PAGE_METHODS, ActionView
from merchants import roles
from merchants.forms.contracts import SettlementAccountForm
from merchants.selectors.contracts import settlement_account_get, settlement_account_list, settlement_queue
from merchants.selectors.merchants import merchant_for_user, merchant_get
from merchants.services.settlement import (
    expected_account,
    settlement_account_approve,
    settlement_account_reject,
    settlement_account_request,
    settlement_account_verify,
)

FORM = "merchants/shared/settlement_form.html"


def _initial(merchant) -> dict:
    kind, name = expected_account(merchant)
    return {"kind": kind, "account_name": name}


# --- portal -----------------------------------------------------------------------------------

class PortalSettlementListView(PortalView, TemplateView):
    template_name = "merchants/portal/settlement_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        merchant = merchant_for_user(actor=self.request.user)
        ctx.update(merchant=merchant, accounts=settlement_account_list(actor=self.request.user, merchant=merchant))
        return ctx


class _SettlementRequestView(ActionView):
    """The form for a new settlement account of ``self.object`` (a merchant), on its own page."""

    http_method_names = PAGE_METHODS
    template_name = FORM
    form_class = SettlementAccountForm
    area = ""

    def get_form_kwargs(self):
        return {"initial": _initial(self.object)}

    def render_form(self, form):
        return render(self.request, FORM, {"merchant": self.object, "form": form, "area": self.area})

    def perform(self, form, merchant):
        settlement_account_request(actor=self.request.user, merchant=merchant, **form.cleaned_data)
        return _("Settlement account submitted: it is used once it has been verified and approved by a second "
                 "person.")


class PortalSettlementRequestView(_SettlementRequestView, PortalView):
    area = "portal"

    def get_object(self):
        return merchant_for_user(actor=self.request.user)

    def get_success_url(self, merchant):
        return reverse("portal:settlement-list")


# --- ops --------------------------------------------------------------------------------------

class OpsSettlementQueueView(OpsView, TemplateView):
    template_name = "merchants/ops/settlement_queue.html"
    permission_required = (roles.VIEW_SETTLEMENT,)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(accounts=settlement_queue(actor=self.request.user),
                   can_decide=self.request.user.has_perm(roles.APPROVE_SETTLEMENT))
        return ctx


class OpsSettlementRequestView(_SettlementRequestView, OpsView):
    """A reviewer enters the account on the merchant's behalf (and so may not approve the merchant)."""

    permission_required = (roles.REVIEW,)
    area = "ops"

    def get_object(self, merchant_pk):
        return merchant_get(actor=self.request.user, pk=merchant_pk)

    def get_success_url(self, merchant):
        return reverse("ops:settlement-queue")


class _OpsSettlementActionView(ActionView, OpsView):
    permission_required = (roles.APPROVE_SETTLEMENT,)

    def get_object(self, pk):
        return settlement_account_get(actor=self.request.user, pk=pk)

    def get_success_url(self, account):
        return reverse("ops:settlement-queue")


class OpsSettlementVerifyView(_OpsSettlementActionView):
    def perform(self, form, account):
        settlement_account_verify(actor=self.request.user, account=account)
        return _("Account %(account)s verified; it now needs a second approval.") % {
            "account": account.account_number_masked}


class OpsSettlementApproveView(_OpsSettlementActionView):
    def perform(self, form, account):
        settlement_account_approve(actor=self.request.user, account=account)
        return _("Account %(account)s approved: %(merchant)s is now settled to it.") % {
            "account": account.account_number_masked, "merchant": account.merchant}


class OpsSettlementRejectView(_OpsSettlementActionView):
    form_class = ReasonForm

    def perform(self, form, account):
        settlement_account_reject(actor=self.request.user, account=account, reason=form.cleaned_data["reason"])
        return _("Account %(account)s rejected.") % {"account": account.account_number_masked}


ops_patterns = [
    path("settlement-accounts/", OpsSettlementQueueView.as_view(), name="settlement-queue"),
    path("merchants/<int:merchant_pk>/settlement-accounts/new/", OpsSettlementRequestView.as_view(),
         name="settlement-request"),
    path("settlement-accounts/<int:pk>/verify/", OpsSettlementVerifyView.as_view(), name="settlement-verify"),
    path("settlement-accounts/<int:pk>/approve/", OpsSettlementApproveView.as_view(), name="settlement-approve"),
    path("settlement-accounts/<int:pk>/reject/", OpsSettlementRejectView.as_view(), name="settlement-reject"),
]
portal_patterns = [
    path("settlement-accounts/", PortalSettlementListView.as_view(), name="settlement-list"),
    path("settlement-accounts/new/", PortalSettlementRequestView.as_view(), name="settlement-request"),
]
audit_patterns = []
