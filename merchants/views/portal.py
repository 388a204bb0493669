from datetime import timedelta

from django.utils import timezone
from django.views.generic import TemplateView

from acquirer.access import PortalView
from acquirer.selectors import audit_event_list
from merchants.selectors.contracts import contract_list, settlement_account_list
from merchants.selectors.documents import document_list
from merchants.selectors.merchants import membership_list, merchant_for_user

EXPIRY_WARNING_DAYS = 30


class PortalHomeView(PortalView, TemplateView):
    """The merchant's own profile with its contracts, settlement accounts and documents (and their expiry)."""

    template_name = "merchants/portal/merchant_home.html"

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

    template_name = "merchants/portal/merchant_activity.html"

    page_size = 30

    def get_context_data(self, **kwargs):
        from acquirer.audit_text import merchant_visible_actions

        ctx = super().get_context_data(**kwargs)
        events = audit_event_list(actor=self.request.user).filter(action__in=merchant_visible_actions())
        before = self.request.GET.get("before", "")
        if before.isdigit():
            events = events.filter(id__lt=int(before))
        page = list(events[: self.page_size + 1])  # keyset paging: no OFFSET, no COUNT
        ctx["events"] = page[: self.page_size]
        ctx["older"] = page[self.page_size - 1].id if len(page) > self.page_size else None
        ctx["newer"] = bool(before.isdigit())
        return ctx
