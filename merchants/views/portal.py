from django.views.generic import TemplateView

from acquirer.access import PortalView
from acquirer.selectors import audit_event_list
from merchants.selectors import membership_list, merchant_for_user


class PortalHomeView(PortalView, TemplateView):
    template_name = "merchants/portal/home.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        merchant = merchant_for_user(actor=self.request.user)
        ctx.update(merchant=merchant, members=membership_list(actor=self.request.user, merchant=merchant))
        return ctx


class PortalActivityView(PortalView, TemplateView):
    """What happened on the merchant's account (its slice of the audit trail)."""

    template_name = "merchants/portal/activity.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["events"] = audit_event_list(actor=self.request.user)[:100]
        return ctx
