from datetime import timedelta

from django.utils import timezone
from django.views.generic import TemplateView

from acquirer.access import PortalView
from acquirer.selectors import audit_event_list
from merchants.selectors import membership_list, merchant_for_user
from merchants.selectors_contracts import contract_list, settlement_account_list
from merchants.selectors_documents import document_list

EXPIRY_WARNING_DAYS = 30


class PortalHomeView(PortalView, TemplateView):
    """The merchant's own profile with its contracts, settlement accounts and documents (and their expiry)."""

    template_name = "merchants/portal/home.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        actor = self.request.user
        merchant = merchant_for_user(actor=actor)
        ctx.update(merchant=merchant, members=membership_list(actor=actor, merchant=merchant), area="portal",
                   contracts=contract_list(actor=actor, merchant=merchant),
                   accounts=settlement_account_list(actor=actor, merchant=merchant),
                   documents=document_list(actor=actor, merchant=merchant).filter(superseded=False),
                   expiring_before=timezone.localdate() + timedelta(days=EXPIRY_WARNING_DAYS))
        return ctx


class PortalActivityView(PortalView, TemplateView):
    """What happened on the merchant's account (its slice of the audit trail)."""

    template_name = "merchants/portal/activity.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["events"] = audit_event_list(actor=self.request.user)[:100]
        return ctx
