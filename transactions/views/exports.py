"""The auditors' CSV exports of the transactions app: one view shape for every exporter (the ledger, the breaks)."""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse

from acquirer import audit, exports
from acquirer.access import AuditorView


class AuditCsvExportView(AuditorView):
    """The rows of the auditor's filter as CSV, streamed as PostgreSQL copies them out, while the result fits
    ``ACQUIRER_EXPORT_SYNC_ROWS``; a larger one, or a filter that could not be understood, goes back to the list
    (``list_url``) with the reason. Audited. Subclasses name ``exporter`` and ``list_url``."""

    exporter = None
    list_url = ""

    def get(self, request):
        filters = self.exporter.filters(request.GET)
        back = f"{reverse(self.list_url)}?{request.GET.urlencode()}"
        if filters is None:
            return redirect(back)
        if not exports.small_enough(self.exporter, request.user, filters):
            messages.warning(request, exports.too_large_message())
            return redirect(back)
        with transaction.atomic():
            audit.record(self.exporter.audit_action, actor=request.user, data={"filters": filters, "format": "csv"})
        return exports.stream_response(exporter=self.exporter, actor=request.user, filters=filters, fmt="csv")
