"""Read-only admin views of merchants. Resident ID and account numbers appear masked only (the admin
site masks every encrypted field); the clear value is only ever shown by the audited reveal of the
ops pages (``ops:secret-reveal``)."""

from django.contrib import admin

from acquirer.admin import ReadOnlyAdmin
from merchants.models import Merchant, MerchantMembership, SettlementAccount


@admin.register(Merchant)
class MerchantAdmin(ReadOnlyAdmin):
    list_display = ("id", "legal_name", "trading_name", "status", "mid", "created_at")
    search_fields = ("legal_name", "trading_name", "mid")


@admin.register(MerchantMembership)
class MerchantMembershipAdmin(ReadOnlyAdmin):
    list_display = ("user", "merchant", "role")


@admin.register(SettlementAccount)
class SettlementAccountAdmin(ReadOnlyAdmin):
    list_display = ("id", "merchant", "bank_name", "account_number", "status")
    list_select_related = ("merchant",)
