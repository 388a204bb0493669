from django.views.generic import ListView, TemplateView

from acquirer.access import AuditorView
from merchants.views.common import MerchantDetailMixin, MerchantListMixin


class AuditMerchantListView(AuditorView, MerchantListMixin, ListView):
    template_name = "merchants/audit/merchant_list.html"


class AuditMerchantDetailView(AuditorView, MerchantDetailMixin, TemplateView):
    area = "audit"
    template_name = "merchants/audit/merchant_detail.html"
