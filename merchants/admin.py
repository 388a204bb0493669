from django.contrib import admin

from acquirer.admin import ReadOnlyAdmin
from merchants.models import Merchant, MerchantMembership


@admin.register(Merchant)
class MerchantAdmin(ReadOnlyAdmin):
    list_display = ("id", "legal_name", "trading_name", "created_at")
    search_fields = ("legal_name", "trading_name")


@admin.register(MerchantMembership)
class MerchantMembershipAdmin(ReadOnlyAdmin):
    list_display = ("user", "merchant", "role")
