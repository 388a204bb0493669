from django.views.generic import TemplateView

from acquirer.access import AuditorView
from merchants.views.common import MerchantDetailMixin, MerchantListMixin


class AuditMerchantListView(AuditorView, MerchantListMixin, TemplateView):
    detail_url = "audit:merchant-detail"
    template_name = "merchants/audit/merchant_list.html"


class AuditMerchantDetailView(AuditorView, MerchantDetailMixin, TemplateView):
    area = "audit"
    template_name = "merchants/audit/merchant_detail.html"
