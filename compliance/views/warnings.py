"""The early-warning page: every app's published figures (``acquirer.registry.WarningCount``), each a live count
linking to the list behind it. Compliance officers and operations managers read it in the ops area; auditors the
same figures, read-only, with links to the audit area's lists."""

from django.urls import path
from django.views.generic import TemplateView

from acquirer.access import AuditorView, OpsView
from compliance import roles
from compliance.selectors.warnings import warning_figures


class _WarningMixin:
    template_name = "compliance/warnings/warning_page.html"
    area = "ops"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        figures = warning_figures(actor=self.request.user, area=self.area)
        ctx.update(figures=figures, area=self.area, raised=sum(1 for figure in figures if figure.raised))
        return ctx


class EarlyWarningView(OpsView, _WarningMixin, TemplateView):
    permission_required = (roles.VIEW_EARLY_WARNING,)


class AuditEarlyWarningView(AuditorView, _WarningMixin, TemplateView):
    area = "audit"


ops_patterns: list = [path("compliance/warnings/", EarlyWarningView.as_view(), name="early-warning")]
audit_patterns: list = [path("compliance/warnings/", AuditEarlyWarningView.as_view(), name="early-warning")]
