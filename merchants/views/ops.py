from django.views.generic import ListView, TemplateView

from acquirer.access import OpsView
from merchants.views.common import MerchantDetailMixin, MerchantListMixin


class MerchantListView(OpsView, MerchantListMixin, ListView):
    template_name = "merchants/ops/merchant_list.html"
    permission_required = ("merchants.view_merchant",)


class MerchantDetailView(OpsView, MerchantDetailMixin, TemplateView):
    template_name = "merchants/ops/merchant_detail.html"
    permission_required = ("merchants.view_merchant",)
