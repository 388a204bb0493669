"""Settlement accounts: the merchant (or a reviewer on its behalf) requests one; staff verify it and a
second person approves it. Pages show account numbers masked only."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from acquirer.access import OpsView, PortalView
from acquirer.exceptions import DomainError
from acquirer.views.actions import ObjectActionMixin
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

FORM = "merchants/settlement/form.html"


def _request(request, merchant, form) -> bool:
    """Call the service with a valid form; a refusal becomes a form error. True when saved."""
    if not form.is_valid():
        return False
    try:
        settlement_account_request(actor=request.user, merchant=merchant, **form.cleaned_data)
    except DomainError as error:
        form.add_error(None, str(error))
        return False
    messages.success(request, _("Settlement account submitted: it is used once it has been verified and approved "
                                "by a second person."))
    return True


def _initial(merchant) -> dict:
    kind, name = expected_account(merchant)
    return {"kind": kind, "account_name": name}


# --- portal -----------------------------------------------------------------------------------

class PortalSettlementListView(PortalView, TemplateView):
    template_name = "merchants/settlement/portal_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        merchant = merchant_for_user(actor=self.request.user)
        ctx.update(merchant=merchant, accounts=settlement_account_list(actor=self.request.user, merchant=merchant))
        return ctx


class PortalSettlementRequestView(PortalView):
    def get(self, request):
        merchant = merchant_for_user(actor=request.user)
        return render(request, FORM, {"merchant": merchant, "form": SettlementAccountForm(initial=_initial(merchant)),
                                      "area": "portal"})

    def post(self, request):
        merchant = merchant_for_user(actor=request.user)
        form = SettlementAccountForm(request.POST)
        if _request(request, merchant, form):
            return redirect("portal:settlement-list")
        return render(request, FORM, {"merchant": merchant, "form": form, "area": "portal"})


# --- ops --------------------------------------------------------------------------------------

class OpsSettlementQueueView(OpsView, TemplateView):
    template_name = "merchants/settlement/ops_queue.html"
    permission_required = (roles.VIEW_SETTLEMENT,)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(accounts=settlement_queue(actor=self.request.user),
                   can_decide=self.request.user.has_perm(roles.APPROVE_SETTLEMENT))
        return ctx


class OpsSettlementRequestView(OpsView):
    """A reviewer enters the account on the merchant's behalf (and so may not approve the merchant)."""

    permission_required = (roles.REVIEW,)

    def get(self, request, merchant_pk):
        merchant = merchant_get(actor=request.user, pk=merchant_pk)
        return render(request, FORM, {"merchant": merchant, "form": SettlementAccountForm(initial=_initial(merchant)),
                                      "area": "ops"})

    def post(self, request, merchant_pk):
        merchant = merchant_get(actor=request.user, pk=merchant_pk)
        form = SettlementAccountForm(request.POST)
        if _request(request, merchant, form):
            return redirect("ops:settlement-queue")
        return render(request, FORM, {"merchant": merchant, "form": form, "area": "ops"})


class _OpsSettlementActionView(ObjectActionMixin, OpsView):
    permission_required = (roles.APPROVE_SETTLEMENT,)

    def get_object(self, request, pk):
        return settlement_account_get(actor=request.user, pk=pk)

    def redirect_to(self, account):
        return redirect("ops:settlement-queue")


class OpsSettlementVerifyView(_OpsSettlementActionView):
    def act(self, actor, account, reason):
        settlement_account_verify(actor=actor, account=account)
        return _("Account %(account)s verified; it now needs a second approval.") % {
            "account": account.account_number_masked}


class OpsSettlementApproveView(_OpsSettlementActionView):
    def act(self, actor, account, reason):
        settlement_account_approve(actor=actor, account=account)
        return _("Account %(account)s approved: %(merchant)s is now settled to it.") % {
            "account": account.account_number_masked, "merchant": account.merchant}


class OpsSettlementRejectView(_OpsSettlementActionView):
    needs_reason = True

    def act(self, actor, account, reason):
        settlement_account_reject(actor=actor, account=account, reason=reason)
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
