"""The compliance report for a period: one page in the ops area (compliance officers and managers) and one in
the audit area (auditors, GET only). Both only show a form that POSTs to the core ``export-create`` (kind
``compliance.report``, format ``zip``, ``period``): the job writes the PDF, the findings workbook and the signed
manifest into the person's downloads (``compliance.services.reports``)."""

from django.urls import path
from django.views.generic import TemplateView

from acquirer import signing
from acquirer.access import AuditorView, OpsView
from compliance import roles
from compliance.selectors.reports import period_current, period_help
from compliance.services.reports import KIND


class _ReportRequestMixin(TemplateView):
    template_name = "compliance/reports/report_request.html"
    area = "ops"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(area=self.area, kind=KIND, period=period_current(), period_help=period_help(),
                   key_id=signing.key_id())
        return ctx


class OpsComplianceReportView(_ReportRequestMixin, OpsView):
    permission_required = (roles.VIEW_EARLY_WARNING,)


class AuditComplianceReportView(_ReportRequestMixin, AuditorView):
    area = "audit"


ops_patterns = [path("compliance/report/", OpsComplianceReportView.as_view(), name="compliance-report")]
audit_patterns = [path("compliance/report/", AuditComplianceReportView.as_view(), name="compliance-report")]
