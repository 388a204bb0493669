"""The blank template of the requirement import (CSV or XLSX with the header row the importer reads), linked from
the import page. The exports of the other compliance lists need no page of their own: each list's CSV / XLSX
buttons POST to the core ``export-create`` (``compliance/exports_more.py``)."""

from django.http import HttpResponse, HttpResponseBadRequest
from django.urls import path
from django.utils.translation import gettext as _

from acquirer.access import OpsView
from compliance import roles
from compliance.exports_more import TEMPLATE_FORMATS, requirement_import_template


class OpsRequirementImportTemplateView(OpsView):
    """``?format=csv`` (the default) or ``?format=xlsx``: a download, nothing changes."""

    permission_required = (roles.MANAGE_LIBRARY,)
    http_method_names = ["get", "head"]

    def get(self, request):
        fmt = request.GET.get("format", "csv") or "csv"
        if fmt not in TEMPLATE_FORMATS:
            return HttpResponseBadRequest(_("The import template comes as CSV or XLSX."))
        response = HttpResponse(requirement_import_template(fmt), content_type=TEMPLATE_FORMATS[fmt])
        response["Content-Disposition"] = f'attachment; filename="requirements-import-template.{fmt}"'
        response["Cache-Control"] = "no-store"
        return response


ops_patterns = [path("compliance/library/import-template/", OpsRequirementImportTemplateView.as_view(),
                     name="requirement-import-template")]
audit_patterns: list = []
