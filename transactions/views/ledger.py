"""The ledger pages: the transaction search and one transaction (ops, portal, audit), the portal's daily sales
chart (SVG drawn on the server: no script, no CDN, with the numbers in a table for screen readers), and the
audit CSV export. Reads go through ``transactions.selectors.ledger``."""

from datetime import date

from django.urls import path, register_converter, reverse
from django.views.generic import TemplateView

from acquirer.access import AuditorView, OpsView, PortalView
from acquirer.lists import page_from_request, query_without_position
from transactions import roles
from transactions.exports import LEDGER
from transactions.forms.ledger import PortalTransactionSearchForm, TransactionSearchForm
from transactions.selectors.ledger import (
    ROW_FIELDS,
    TRANSACTION_ORDER,
    daily_sales,
    resolve_filters,
    transaction_get,
    transaction_list,
)
from transactions.views.exports import AuditCsvExportView


class LedgerDateConverter:
    """A transaction's local date in its URL (``2026-11-29``): it names the partition the row lives in."""

    regex = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"

    def to_python(self, value: str) -> date:
        return date.fromisoformat(value)

    def to_url(self, value) -> str:
        return value.isoformat() if isinstance(value, date) else str(value)


register_converter(LedgerDateConverter, "ledgerdate")


def _link(rows, name: str):
    pattern = reverse(name, kwargs={"local_date": "2000-01-01", "pk": 987654321})
    for row in rows:
        row.detail_url = pattern.replace("2000-01-01", row.local_date.isoformat()).replace("987654321", str(row.pk))
    return rows


class _SearchMixin:
    """A keyset page of the search (a bounded count only: never a count of the ledger)."""

    template_name = ""
    area = ""
    form_class = TransactionSearchForm

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        actor = self.request.user
        form = self.form_class(self.request.GET or None)
        valid = not form.is_bound or form.is_valid()
        cleaned = form.cleaned_data if form.is_bound and valid else {}
        rows = transaction_list(actor=actor, filters=resolve_filters(actor=actor, cleaned=cleaned))
        page = page_from_request(self.request, rows, TRANSACTION_ORDER, fields=ROW_FIELDS) if valid else None
        ctx.update(form=form, page=page, invalid=not valid, area=self.area, query=query_without_position(self.request),
                   transactions=_link(page.object_list, f"{self.area}:transaction-detail") if page else [],
                   range_note=form.range_note() if valid else "")
        return ctx


class OpsTransactionListView(OpsView, _SearchMixin, TemplateView):
    permission_required = (roles.VIEW_TRANSACTION,)
    template_name = "transactions/ops/transaction_list.html"
    area = "ops"


class AuditTransactionListView(AuditorView, _SearchMixin, TemplateView):
    template_name = "transactions/audit/transaction_list.html"
    area = "audit"


class PortalTransactionListView(PortalView, _SearchMixin, TemplateView):
    template_name = "transactions/portal/transaction_list.html"
    area = "portal"
    form_class = PortalTransactionSearchForm

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        days = daily_sales(actor=self.request.user, merchant_id=self.request.user.merchant_id)
        ctx.update(chart=sales_chart(days), days=days)
        return ctx


def sales_chart(days: list[dict], width: int = 600, height: int = 160) -> dict:
    """Bars of the daily sales (minor units) scaled into an SVG ``viewBox``: one bar per day, the highest day
    full height. Drawn by the template with attributes only (the CSP allows no inline style)."""
    top = max([day["sales_minor"] for day in days] + [1])
    step = width / max(len(days), 1)
    bars = []
    for index, day in enumerate(days):
        bar_height = round(day["sales_minor"] * (height - 20) / top, 1)
        bars.append({"x": round(index * step + 1, 1), "width": round(max(step - 2, 1), 1),
                     "y": round(height - bar_height, 1), "height": bar_height, "day": day["day"],
                     "sales_minor": day["sales_minor"]})
    return {"bars": bars, "width": width, "height": height, "top": top}


class _DetailMixin:
    template_name = "transactions/shared/transaction_detail.html"
    area = ""

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        row = transaction_get(actor=self.request.user, local_date=self.kwargs["local_date"], pk=self.kwargs["pk"])
        ctx.update(txn=row, area=self.area, list_url=reverse(f"{self.area}:transaction-list"))
        return ctx


class OpsTransactionDetailView(OpsView, _DetailMixin, TemplateView):
    permission_required = (roles.VIEW_TRANSACTION,)
    area = "ops"


class PortalTransactionDetailView(PortalView, _DetailMixin, TemplateView):
    area = "portal"


class AuditTransactionDetailView(AuditorView, _DetailMixin, TemplateView):
    area = "audit"


class AuditTransactionExportView(AuditCsvExportView):
    exporter = LEDGER
    list_url = "audit:transaction-list"


ops_patterns = [
    path("transactions/", OpsTransactionListView.as_view(), name="transaction-list"),
    path("transactions/<ledgerdate:local_date>/<int:pk>/", OpsTransactionDetailView.as_view(),
         name="transaction-detail"),
]
portal_patterns = [
    path("transactions/", PortalTransactionListView.as_view(), name="transaction-list"),
    path("transactions/<ledgerdate:local_date>/<int:pk>/", PortalTransactionDetailView.as_view(),
         name="transaction-detail"),
]
audit_patterns = [
    path("transactions/", AuditTransactionListView.as_view(), name="transaction-list"),
    path("transactions/export/", AuditTransactionExportView.as_view(), name="transaction-export"),
    path("transactions/<ledgerdate:local_date>/<int:pk>/", AuditTransactionDetailView.as_view(),
         name="transaction-detail"),
]
