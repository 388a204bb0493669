"""Settlement pages: batches and payout files (ops: build a day's settlement, create a payout file, download it;
audit: read-only), the merchant's payouts and statements (portal), and statements of any merchant (ops).
Reads go through ``transactions.selectors.settlement``, writes through ``transactions.services.settlement``."""

from datetime import date

from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from acquirer import files
from acquirer.access import AuditorView, OpsView, PortalView
from acquirer.exceptions import DomainError
from acquirer.lists import page_from_request, query_without_position
from acquirer.views.actions import ActionView
from merchants.selectors.merchants import merchant_for_user
from transactions import roles
from transactions.forms.ledger import (
    BatchFilterForm,
    OpsStatementForm,
    PayoutFileForm,
    SettlementBuildForm,
    StatementForm,
)
from transactions.selectors.ledger import merchant_id_for
from transactions.selectors.settlement import (
    BATCH_ORDER,
    PAYOUT_FILE_ORDER,
    batch_list,
    month_range,
    payout_file_get,
    payout_file_list,
    statement_get,
)
from transactions.services.settlement import payout_file_create, payout_file_download, settlement_build
from transactions.services.statements import statement_csv, statement_filename, statement_pdf


def _batch_filters(actor, form) -> dict:
    if not (form.is_bound and form.is_valid()):
        return {}
    data = {key: value for key, value in form.cleaned_data.items() if value not in (None, "") and key != "mid"}
    if form.cleaned_data.get("mid"):
        data["merchant_id"] = merchant_id_for(actor=actor, mid=form.cleaned_data["mid"])
    return data


class _BatchListMixin:
    area = ""
    template_name = "transactions/shared/batch_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        actor = self.request.user
        form = BatchFilterForm(self.request.GET or None)
        page = page_from_request(self.request, batch_list(actor=actor, filters=_batch_filters(actor, form)),
                                 BATCH_ORDER)
        yesterday = timezone.localdate().toordinal() - 1
        ctx.update(form=form, page=page, batches=page.object_list, area=self.area,
                   query=query_without_position(self.request),
                   can_manage=self.area == "ops" and actor.has_perm(roles.MANAGE_SETTLEMENT),
                   build_form=SettlementBuildForm(initial={"day": date.fromordinal(yesterday)}),
                   payout_form=PayoutFileForm(initial={"payout_date": timezone.localdate()}))
        return ctx


class OpsBatchListView(OpsView, _BatchListMixin, TemplateView):
    permission_required = (roles.VIEW_SETTLEMENT,)
    area = "ops"


class AuditBatchListView(AuditorView, _BatchListMixin, TemplateView):
    area = "audit"


class _PayoutFileListMixin:
    area = ""
    template_name = "transactions/shared/payout_file_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        actor = self.request.user
        page = page_from_request(self.request, payout_file_list(actor=actor), PAYOUT_FILE_ORDER)
        ctx.update(page=page, payout_files=page.object_list, area=self.area, query="",
                   can_manage=self.area == "ops" and actor.has_perm(roles.MANAGE_SETTLEMENT),
                   payout_form=PayoutFileForm(initial={"payout_date": timezone.localdate()}))
        return ctx


class OpsPayoutFileListView(OpsView, _PayoutFileListMixin, TemplateView):
    permission_required = (roles.VIEW_SETTLEMENT,)
    area = "ops"


class AuditPayoutFileListView(AuditorView, _PayoutFileListMixin, TemplateView):
    area = "audit"


class SettlementBuildView(ActionView, OpsView):
    """Build (or complete) the settlement of one transaction date: safe to repeat."""

    permission_required = (roles.MANAGE_SETTLEMENT,)
    form_class = SettlementBuildForm

    def perform(self, form, obj) -> str:
        counts = settlement_build(day=form.cleaned_data["day"], actor=self.request.user)
        return _("Settlement of %(day)s: %(batches)s new batches, %(rows)s transactions.") % {
            "day": counts["day"], "batches": counts["batches"], "rows": counts["transactions"]}

    def get_success_url(self, obj) -> str:
        return reverse("ops:settlement-batch-list")


class PayoutFileCreateView(ActionView, OpsView):
    permission_required = (roles.MANAGE_SETTLEMENT,)
    form_class = PayoutFileForm

    def perform(self, form, obj) -> str:
        created = payout_file_create(payout_date=form.cleaned_data["payout_date"], actor=self.request.user)
        return _("Payout file of %(date)s created: %(rows)s payouts.") % {"date": created.payout_date,
                                                                         "rows": created.rows}

    def get_success_url(self, obj) -> str:
        return reverse("ops:payout-file-list")


class PayoutFileDownloadView(OpsView):
    """The bank's file (full account numbers): settlement managers only; every download is audited."""

    permission_required = (roles.MANAGE_SETTLEMENT,)

    def get(self, request, pk):
        payout_file = payout_file_get(actor=request.user, pk=pk)
        try:
            return payout_file_download(actor=request.user, payout_file=payout_file)
        except files.StoredFileMissing:
            raise Http404 from None


# --- payouts and statements -------------------------------------------------------------------

class PortalPayoutListView(PortalView, TemplateView):
    """The merchant's settlement batches: status, payout date, amount, account (masked) and any hold reason."""

    template_name = "transactions/portal/payout_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        page = page_from_request(self.request, batch_list(actor=self.request.user), BATCH_ORDER)
        ctx.update(page=page, batches=page.object_list, query="")
        return ctx


def _period(form) -> tuple[date, date]:
    """The statement's period: the month or the range asked for, else the current month."""
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    if data.get("date_from") and data.get("date_to"):
        return data["date_from"], data["date_to"]
    return month_range(data.get("month") or timezone.localdate())


class _StatementMixin:
    """The statement page (``fmt`` empty) or its CSV / PDF download."""

    fmt = ""
    template_name = ""

    def merchant(self, form):
        raise NotImplementedError

    def form(self):
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        form = self.form()
        merchant = self.merchant(form)
        if merchant is None or not self.fmt:
            return self.render_page(form, merchant)
        first, last = _period(form)
        if self.fmt == "csv":
            statement, blocks = statement_csv(actor=request.user, merchant=merchant, first=first, last=last)
            return files.attachment(blocks, filename=statement_filename(statement, "csv"),
                                    content_type="text/csv; charset=utf-8")
        statement, pdf = statement_pdf(actor=request.user, merchant=merchant, first=first, last=last)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{statement_filename(statement, "pdf")}"'
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response

    def render_page(self, form, merchant):
        from django.shortcuts import render

        statement = None
        if merchant is not None:
            first, last = _period(form)
            statement = statement_get(actor=self.request.user, merchant=merchant, first=first, last=last)
        return render(self.request, self.template_name, {
            "form": form, "statement": statement, "merchant": merchant, "query": self.request.GET.urlencode(),
            "area": self.area})


class PortalStatementView(PortalView, _StatementMixin, TemplateView):
    template_name = "transactions/portal/statement_list.html"
    area = "portal"

    def form(self):
        return StatementForm(self.request.GET or None)

    def merchant(self, form):
        return merchant_for_user(actor=self.request.user)


class PortalStatementCsvView(PortalStatementView):
    fmt = "csv"


class PortalStatementPdfView(PortalStatementView):
    fmt = "pdf"


class OpsStatementView(OpsView, _StatementMixin, TemplateView):
    """Any merchant's statement, chosen by MID."""

    permission_required = (roles.VIEW_SETTLEMENT,)
    template_name = "transactions/ops/statement_list.html"
    area = "ops"

    def form(self):
        return OpsStatementForm(self.request.GET or None)

    def merchant(self, form):
        from merchants.selectors.merchants import merchant_list

        if not (form.is_bound and form.is_valid()):
            return None
        return merchant_list(actor=self.request.user).filter(mid=form.cleaned_data["mid"]).first()

    def get(self, request, *args, **kwargs):
        if self.fmt and not (self.request.GET.get("mid")):
            return redirect("ops:statement")
        try:
            return super().get(request, *args, **kwargs)
        except DomainError:
            raise Http404 from None


class OpsStatementCsvView(OpsStatementView):
    fmt = "csv"


class OpsStatementPdfView(OpsStatementView):
    fmt = "pdf"


ops_patterns = [
    path("settlement/batches/", OpsBatchListView.as_view(), name="settlement-batch-list"),
    path("settlement/build/", SettlementBuildView.as_view(), name="settlement-build"),
    path("settlement/payout-files/", OpsPayoutFileListView.as_view(), name="payout-file-list"),
    path("settlement/payout-files/new/", PayoutFileCreateView.as_view(), name="payout-file-create"),
    path("settlement/payout-files/<int:pk>/file/", PayoutFileDownloadView.as_view(), name="payout-file-download"),
    path("settlement/statements/", OpsStatementView.as_view(), name="statement"),
    path("settlement/statements/csv/", OpsStatementCsvView.as_view(), name="statement-csv"),
    path("settlement/statements/pdf/", OpsStatementPdfView.as_view(), name="statement-pdf"),
]
portal_patterns = [
    path("payouts/", PortalPayoutListView.as_view(), name="payout-list"),
    path("statements/", PortalStatementView.as_view(), name="statement"),
    path("statements/csv/", PortalStatementCsvView.as_view(), name="statement-csv"),
    path("statements/pdf/", PortalStatementPdfView.as_view(), name="statement-pdf"),
]
audit_patterns = [
    path("settlement/batches/", AuditBatchListView.as_view(), name="settlement-batch-list"),
    path("settlement/payout-files/", AuditPayoutFileListView.as_view(), name="payout-file-list"),
]
