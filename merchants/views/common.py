"""What the ops and auditor merchant pages share; the area views add their gate, template and actions."""

from django.shortcuts import redirect

from acquirer.lists import link_rows, page_count, page_from_request, query_without_position
from acquirer.registry import merchant_panels_for
from acquirer.selectors import audit_history
from merchants.selectors.contracts import contract_list, settlement_account_list
from merchants.selectors.documents import document_list, inspection_list
from merchants.selectors.merchants import (
    REGISTER_ORDER,
    REGISTER_ROW,
    membership_counts,
    membership_list,
    merchant_by_identifier,
    merchant_get,
    merchant_list,
)
from merchants.selectors.warnings import ATTENTION


class MerchantListMixin:
    """The register, a keyset page at a time with a bounded count, so its cost does not grow with the number
    of merchants. A whole MID or USCC that names one merchant opens that merchant's page instead."""

    detail_url = "ops:merchant-detail"

    def search(self) -> str:
        return self.request.GET.get("q", "").strip()

    def get(self, request, *args, **kwargs):
        merchant = merchant_by_identifier(actor=request.user, search=self.search())
        if merchant is not None:
            return redirect(self.detail_url, pk=merchant.pk)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        actor = self.request.user
        attention = self.request.GET.get("attention", "")
        merchants = merchant_list(actor=actor, search=self.search(), attention=attention)
        page = page_from_request(self.request, merchants, REGISTER_ORDER, fields=REGISTER_ROW)
        link_rows(page.object_list, self.detail_url)
        users = membership_counts(actor=actor, merchant_ids=[m.pk for m in page])
        for merchant in page:
            merchant.user_count = users.get(merchant.pk, 0)
        ctx.update(merchants=page.object_list, page=page, count=page_count(merchants, page, REGISTER_ORDER),
                   query=query_without_position(self.request),
                   attention=attention if attention in ATTENTION else "",
                   attention_label=ATTENTION[attention][0] if attention in ATTENTION else "")
        return ctx


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
            panels=merchant_panels_for(actor, merchant),
        )
        return ctx
