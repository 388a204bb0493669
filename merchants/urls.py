from django.urls import path

from merchants.views import applications, auditor, blacklist, contracts, documents, inspections, ops, portal, settlement

SUBDOMAINS = [applications, documents, blacklist, contracts, settlement, inspections]

ops_patterns = [
    path("merchants/", ops.MerchantListView.as_view(), name="merchant-list"),
    path("merchants/<int:pk>/", ops.MerchantDetailView.as_view(), name="merchant-detail"),
    *[p for module in SUBDOMAINS for p in module.ops_patterns],
]
portal_patterns = [
    path("", portal.PortalHomeView.as_view(), name="home"),
    path("activity/", portal.PortalActivityView.as_view(), name="activity"),
    *[p for module in SUBDOMAINS for p in module.portal_patterns],
]
audit_patterns = [
    path("merchants/", auditor.AuditMerchantListView.as_view(), name="merchant-list"),
    path("merchants/<int:pk>/", auditor.AuditMerchantDetailView.as_view(), name="merchant-detail"),
    *[p for module in SUBDOMAINS for p in module.audit_patterns],
]
