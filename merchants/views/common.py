"""What the ops and auditor merchant pages share; the area views add their gate and template."""

from acquirer.selectors import audit_history
from merchants.selectors import membership_list, merchant_get, merchant_list


class MerchantListMixin:
    context_object_name = "merchants"
    paginate_by = 50

    def get_queryset(self):
        return merchant_list(actor=self.request.user, search=self.request.GET.get("q", "").strip())


class MerchantDetailMixin:
    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        actor = self.request.user
        merchant = merchant_get(actor=actor, pk=self.kwargs["pk"])
        ctx.update(merchant=merchant, members=membership_list(actor=actor, merchant=merchant),
                   history=audit_history(actor=actor, target=merchant))
        return ctx
