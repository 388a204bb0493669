"""Contracts: the merchant reads and accepts them in the portal; staff draft, offer, countersign, amend,
terminate and withdraw them; auditors read them. Every PDF download is audited (by the service)."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from acquirer.access import AuditorView, OpsView, PortalView
from acquirer.forms import ReasonForm
from acquirer.middleware import client_ip
from acquirer.selectors import audit_history
from acquirer.views.actions import PAGE_METHODS, ActionView
from acquirer.workflow import allowed_moves
from merchants import roles
from merchants.forms.contracts import ContractAcceptForm, ContractForm
from merchants.models import Contract
from merchants.selectors.contracts import contract_get, contract_list
from merchants.selectors.merchants import merchant_for_user, merchant_get
from merchants.services.contracts import (
    contract_accept,
    contract_amend,
    contract_countersign,
    contract_download,
    contract_draft,
    contract_offer,
    contract_terminate,
    contract_withdraw,
)
from merchants.workflow import CONTRACT_MOVES

C = Contract.Status
DETAIL = "merchants/shared/contract_detail.html"



def _pdf_response(request, contract: Contract) -> HttpResponse:
    content = contract_download(actor=request.user, contract=contract)
    response = HttpResponse(content, content_type="application/pdf")
    number = contract.merchant.mid or contract.merchant_id
    response["Content-Disposition"] = f'attachment; filename="contract-{number}-v{contract.version}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


# --- portal -----------------------------------------------------------------------------------

class PortalContractListView(PortalView, TemplateView):
    template_name = "merchants/portal/contract_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        merchant = merchant_for_user(actor=self.request.user)
        ctx.update(merchant=merchant, contracts=contract_list(actor=self.request.user, merchant=merchant))
        return ctx


def _portal_detail(request, contract: Contract, form=None, status: int = 200):
    if form is None and contract.status == C.OFFERED:
        form = ContractAcceptForm(initial={"sha256": contract.text_sha256})
    return render(request, DETAIL, {"contract": contract, "fees": contract.fees.all(), "accept_form": form,
                                    "area": "portal"}, status=status)


class PortalContractDetailView(PortalView):
    def get(self, request, pk):
        return _portal_detail(request, contract_get(actor=request.user, pk=pk))


class PortalContractAcceptView(ActionView, PortalView):
    """Accept exactly the text shown: the page posts the SHA-256 it displayed."""

    template_name = DETAIL
    form_class = ContractAcceptForm

    def get_object(self, pk):
        return contract_get(actor=self.request.user, pk=pk)

    def render_form(self, form):
        return _portal_detail(self.request, self.object, form)

    def perform(self, form, contract):
        contract_accept(actor=self.request.user, contract=contract, sha256=form.cleaned_data["sha256"],
                        ip=client_ip(self.request))
        return _("Thank you: you accepted contract version %(version)s. It takes effect when we countersign "
                 "it.") % {"version": contract.version}

    def refused(self, form, error):
        """The refusal as a message above the contract as it is now (it may have changed meanwhile)."""
        messages.error(self.request, str(error))
        return _portal_detail(self.request, contract_get(actor=self.request.user, pk=self.object.pk))

    def get_success_url(self, contract):
        return reverse("portal:contract-detail", kwargs={"pk": contract.pk})


class PortalContractPdfView(PortalView):
    def get(self, request, pk):
        return _pdf_response(request, contract_get(actor=request.user, pk=pk))


# --- ops --------------------------------------------------------------------------------------

class OpsContractListView(OpsView, TemplateView):
    template_name = "merchants/ops/contract_list.html"
    permission_required = (roles.VIEW_CONTRACT,)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        merchant = merchant_get(actor=self.request.user, pk=self.kwargs["merchant_pk"])
        ctx.update(merchant=merchant, contracts=contract_list(actor=self.request.user, merchant=merchant))
        return ctx


class OpsContractCreateView(ActionView, OpsView):
    http_method_names = PAGE_METHODS
    permission_required = (roles.MANAGE_CONTRACTS,)
    template_name = "merchants/ops/contract_form.html"
    form_class = ContractForm

    def get_object(self, merchant_pk):
        return merchant_get(actor=self.request.user, pk=merchant_pk)

    def get_form_kwargs(self):
        return {"initial": ContractForm.initial_for(today=timezone.localdate())}

    def render_form(self, form):
        return render(self.request, self.template_name, {"merchant": self.object, "form": form})

    def perform(self, form, merchant):
        self.object = contract_draft(actor=self.request.user, merchant=merchant, **form.terms())
        return _("Contract version %(version)s drafted. Check it, then offer it to the merchant.") % {
            "version": self.object.version}

    def get_success_url(self, contract):
        return reverse("ops:contract-detail", kwargs={"pk": contract.pk})


def _ops_detail(request, contract: Contract, amend_form=None):
    allowed = allowed_moves(contract, CONTRACT_MOVES)
    can_manage = request.user.has_perm(roles.MANAGE_CONTRACTS)
    if amend_form is None and can_manage and contract.status == C.ACTIVE:
        amend_form = ContractForm(initial=ContractForm.initial_for(contract))
    return render(request, DETAIL, {
        "contract": contract, "fees": contract.fees.all(), "area": "ops", "can_manage": can_manage,
        "can_offer": C.OFFERED in allowed, "can_countersign": C.ACTIVE in allowed,
        "can_terminate": C.TERMINATED in allowed, "can_withdraw": C.WITHDRAWN in allowed,
        "amend_form": amend_form, "reason_form": ReasonForm(),
        "history": audit_history(actor=request.user, target=contract),
    })


class OpsContractDetailView(OpsView):
    permission_required = (roles.VIEW_CONTRACT,)

    def get(self, request, pk):
        return _ops_detail(request, contract_get(actor=request.user, pk=pk))


class _OpsContractActionView(ActionView, OpsView):
    permission_required = (roles.MANAGE_CONTRACTS,)

    def get_object(self, pk):
        return contract_get(actor=self.request.user, pk=pk)

    def get_success_url(self, contract):
        return reverse("ops:contract-detail", kwargs={"pk": contract.pk})


class OpsContractOfferView(_OpsContractActionView):
    def perform(self, form, contract):
        contract_offer(actor=self.request.user, contract=contract)
        return _("Contract version %(version)s offered to the merchant.") % {"version": contract.version}


class OpsContractCountersignView(_OpsContractActionView):
    def perform(self, form, contract):
        contract_countersign(actor=self.request.user, contract=contract)
        return _("Contract version %(version)s countersigned: it is now in force.") % {"version": contract.version}


class OpsContractTerminateView(_OpsContractActionView):
    form_class = ReasonForm

    def perform(self, form, contract):
        contract_terminate(actor=self.request.user, contract=contract, reason=form.cleaned_data["reason"])
        return _("Contract version %(version)s terminated.") % {"version": contract.version}


class OpsContractWithdrawView(_OpsContractActionView):
    form_class = ReasonForm

    def perform(self, form, contract):
        contract_withdraw(actor=self.request.user, contract=contract, reason=form.cleaned_data["reason"])
        return _("Contract version %(version)s withdrawn.") % {"version": contract.version}


class OpsContractAmendView(_OpsContractActionView):
    """The amendment is drafted as a new version; success leads to it, a refusal back to the old one."""

    form_class = ContractForm

    def perform(self, form, contract):
        self.object = contract_amend(actor=self.request.user, contract=contract, **form.terms())
        return _("Amendment drafted as version %(version)s; version %(old)s stays in force until the new one is "
                 "countersigned.") % {"version": self.object.version, "old": contract.version}


class OpsContractPdfView(OpsView):
    permission_required = (roles.VIEW_CONTRACT,)

    def get(self, request, pk):
        return _pdf_response(request, contract_get(actor=request.user, pk=pk))


# --- auditor ----------------------------------------------------------------------------------

class AuditContractDetailView(AuditorView):
    def get(self, request, pk):
        contract = contract_get(actor=request.user, pk=pk)
        return render(request, DETAIL, {"contract": contract, "fees": contract.fees.all(), "area": "audit",
                                        "history": audit_history(actor=request.user, target=contract)})


class AuditContractPdfView(AuditorView):
    def get(self, request, pk):
        return _pdf_response(request, contract_get(actor=request.user, pk=pk))


ops_patterns = [
    path("merchants/<int:merchant_pk>/contracts/", OpsContractListView.as_view(), name="contract-list"),
    path("merchants/<int:merchant_pk>/contracts/new/", OpsContractCreateView.as_view(), name="contract-create"),
    path("contracts/<int:pk>/", OpsContractDetailView.as_view(), name="contract-detail"),
    path("contracts/<int:pk>/offer/", OpsContractOfferView.as_view(), name="contract-offer"),
    path("contracts/<int:pk>/countersign/", OpsContractCountersignView.as_view(), name="contract-countersign"),
    path("contracts/<int:pk>/terminate/", OpsContractTerminateView.as_view(), name="contract-terminate"),
    path("contracts/<int:pk>/amend/", OpsContractAmendView.as_view(), name="contract-amend"),
    path("contracts/<int:pk>/withdraw/", OpsContractWithdrawView.as_view(), name="contract-withdraw"),
    path("contracts/<int:pk>/pdf/", OpsContractPdfView.as_view(), name="contract-pdf"),
]
portal_patterns = [
    path("contracts/", PortalContractListView.as_view(), name="contract-list"),
    path("contracts/<int:pk>/", PortalContractDetailView.as_view(), name="contract-detail"),
    path("contracts/<int:pk>/accept/", PortalContractAcceptView.as_view(), name="contract-accept"),
    path("contracts/<int:pk>/pdf/", PortalContractPdfView.as_view(), name="contract-pdf"),
]
audit_patterns = [
    path("contracts/<int:pk>/", AuditContractDetailView.as_view(), name="contract-detail"),
    path("contracts/<int:pk>/pdf/", AuditContractPdfView.as_view(), name="contract-pdf"),
]
