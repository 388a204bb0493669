"""Complaint reports (figures and SVG charts for a period) and the monthly regulator statistics (versions, generating
on demand, audited downloads). Staff with the report permission; auditors read the same pages and download."""


from django.http import Http404
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from acquirer.access import AuditorView, OpsView
from acquirer.charts import bar_chart, line_chart
from acquirer.files import StoredFileMissing
from acquirer.lists import link_rows, page_count, page_from_request, query_without_position
from acquirer.views.actions import ActionView
from complaints import roles
from complaints.forms.reports import RegulatorMonthForm, ReportFilterForm
from complaints.selectors.reports import (
    REGULATOR_REPORT_ORDER,
    complaint_report,
    regulator_report_get,
    regulator_report_list,
)
from complaints.selectors.settings import category_parent_choices
from complaints.services.regulator import FORMATS, last_month, regulator_report_download, regulator_report_generate


def _url(name: str, **query) -> str:
    """The complaint list (another part of the app) filtered by ``query``; "" while that page does not exist."""
    try:
        base = reverse(name)
    except NoReverseMatch:
        return ""
    return f"{base}?{urlencode(query)}" if query else base


def _charts(report, area: str, filters: dict) -> dict:
    """The charts of the report; each bar opens the complaint list with the bar's filter and the report's own."""
    list_name = f"{area}:complaint-list"
    narrowed = {key: value for key, value in filters.items() if value}

    def _url_with(**query):
        return _url(list_name, **{**narrowed, **query})

    summary = report.summary
    return {
        "category_chart": bar_chart(_("Complaints by category"),
                                    [(row["name"], row["count"], row["id"]) for row in report.by_category],
                                    link=lambda label, key: _url_with(category=key)),
        "channel_chart": bar_chart(_("Complaints by channel"),
                                   [(row["name"], row["count"], row["code"]) for row in report.by_channel],
                                   link=lambda label, key: _url_with(channel=key)),
        "merchant_chart": bar_chart(_("Merchants with the most complaints"),
                                    [(row["name"], row["count"], row["id"]) for row in report.by_merchant],
                                    link=lambda label, key: _url_with(merchant=key)),
        "rating_chart": bar_chart(_("Ratings"), [(_("%(n)s of 5") % {"n": n}, count) for n, count in
                                                 summary["ratings"]]),
        "trend_chart": line_chart(_("Monthly trend, last 12 months"),
                                  [f"{row['month']:%Y-%m}" for row in report.trend],
                                  {name: [row[key] for row in report.trend] for key, name in (
                                      ("received", pgettext("complaint report", "Received")),
                                      ("resolved", pgettext("complaint report", "Resolved")),
                                      ("breached", pgettext("complaint report", "Breached")))}),
        "breached_url": _url_with(sla="breached"),
    }


class _ReportMixin:
    area = ""

    def get(self, request):
        form = ReportFilterForm(request.GET or None, categories=category_parent_choices(actor=request.user))
        period = form.period()
        filters = form.filters()
        report = complaint_report(actor=request.user, period=period, filters=filters)
        detail = f"{self.area}:complaint-detail"
        try:
            link_rows(report.breached, detail)
        except NoReverseMatch:
            for complaint in report.breached:
                complaint.detail_url = ""
        return render(request, "complaints/shared/report_complaints.html", {
            "area": self.area, "form": form, "period": period, "report": report, **_charts(report, self.area, filters)})


class OpsComplaintReportView(_ReportMixin, OpsView):
    permission_required = (roles.VIEW_REPORT,)
    area = "ops"


class AuditComplaintReportView(_ReportMixin, AuditorView):
    area = "audit"


# --- the regulator statistics ---------------------------------------------------------------------------------------

class _RegulatorListMixin:
    area = ""

    def get(self, request):
        return self.render_list(RegulatorMonthForm(initial={"month": last_month()}))

    def render_list(self, form):
        rows = regulator_report_list(actor=self.request.user)
        page = page_from_request(self.request, rows, REGULATOR_REPORT_ORDER)
        return render(self.request, "complaints/shared/regulator_list.html", {
            "area": self.area, "page": page, "reports": page.object_list,
            "count": page_count(rows, page, REGULATOR_REPORT_ORDER), "query": query_without_position(self.request),
            "form": form if self.area == "ops" else None})


class OpsRegulatorReportListView(_RegulatorListMixin, OpsView):
    permission_required = (roles.VIEW_REPORT,)
    area = "ops"


class AuditRegulatorReportListView(_RegulatorListMixin, AuditorView):
    area = "audit"


class OpsRegulatorReportGenerateView(ActionView, OpsView):
    permission_required = (roles.VIEW_REPORT,)
    form_class = RegulatorMonthForm

    def perform(self, form, obj):
        self.object = regulator_report_generate(actor=self.request.user, month=form.cleaned_data["month"])
        return _("Version %(version)s of the complaint statistics for %(month)s generated.") % {
            "version": self.object.version, "month": f"{self.object.month:%Y-%m}"}

    def get_success_url(self, obj):
        return reverse("ops:regulator-report-list")


class _DownloadMixin:
    def get(self, request, pk: int, fmt: str):
        report = regulator_report_get(actor=request.user, pk=pk)
        if fmt not in FORMATS:
            raise Http404
        try:
            return regulator_report_download(actor=request.user, report=report, fmt=fmt)
        except StoredFileMissing as error:
            raise Http404 from error


class OpsRegulatorReportDownloadView(_DownloadMixin, OpsView):
    permission_required = (roles.VIEW_REPORT,)


class AuditRegulatorReportDownloadView(_DownloadMixin, AuditorView):
    pass


ops_patterns = [
    path("complaints/reports/", OpsComplaintReportView.as_view(), name="complaint-reports"),
    path("complaints/regulator/", OpsRegulatorReportListView.as_view(), name="regulator-report-list"),
    path("complaints/regulator/generate/", OpsRegulatorReportGenerateView.as_view(), name="regulator-report-generate"),
    path("complaints/regulator/<int:pk>/<str:fmt>/", OpsRegulatorReportDownloadView.as_view(),
         name="regulator-report-download"),
]
portal_patterns: list = []
audit_patterns = [
    path("complaints/reports/", AuditComplaintReportView.as_view(), name="complaint-reports"),
    path("complaints/regulator/", AuditRegulatorReportListView.as_view(), name="regulator-report-list"),
    path("complaints/regulator/<int:pk>/<str:fmt>/", AuditRegulatorReportDownloadView.as_view(),
         name="regulator-report-download"),
]
