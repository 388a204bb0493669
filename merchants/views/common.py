"""What the ops and auditor merchant pages share; the area views add their gate, template and actions."""

from acquirer.selectors import audit_history
from merchants.selectors.contracts import contract_list, settlement_account_list
from merchants.selectors.documents import document_list, inspection_list
from merchants.selectors.merchants import membership_list, merchant_get, merchant_list


class MerchantListMixin:
    context_object_name = "merchants"
    paginate_by = 50

    def get_queryset(self):
        return merchant_list(actor=self.request.user, search=self.request.GET.get("q", "").strip())


class MerchantDetailMixin:
    """The merchant "360" page: profile, risk and its reasons, documents, contracts, settlement accounts,
    inspections, users and audit history. Each panel is one scoped query, whatever its size."""

    area = "ops"

    def get_context_data(self, **kwargs):
        from merchants.services.documents import documents_missing, documents_problems

        ctx = super().get_context_data(**kwargs)
        actor = self.request.user
        merchant = merchant_get(actor=actor, pk=self.kwargs["pk"])
        ctx.update(
            merchant=merchant, area=self.area,
            members=membership_list(actor=actor, merchant=merchant),
            documents=document_list(actor=actor, merchant=merchant),
            missing=documents_missing(merchant), problems=documents_problems(merchant),
            contracts=contract_list(actor=actor, merchant=merchant),
            accounts=settlement_account_list(actor=actor, merchant=merchant),
            inspections=inspection_list(actor=actor, merchant=merchant)[:20],
            history=audit_history(actor=actor, target=merchant),
        )
        return ctx
