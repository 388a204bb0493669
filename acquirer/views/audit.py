"""Auditor area (/audit/): read-only. Search the whole audit trail, export it (audited), see jobs."""

import io

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import ListView, TemplateView

from acquirer import audit, exports, files, signing
from acquirer.access import AuditorView
from acquirer.audit_export import AUDIT_TRAIL
from acquirer.forms import AuditSearchForm
from acquirer.lists import page_from_request, query_without_position
from acquirer.selectors import audit_event_list, audit_event_order, job_overview, job_run_list
from acquirer.views.common import BackupListMixin


class AuditHomeView(AuditorView, TemplateView):
    template_name = "acquirer/audit/audit_home.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["recent"] = audit_event_list(actor=self.request.user)[:10]
        return ctx


class AuditEventListView(AuditorView, TemplateView):
    template_name = "acquirer/audit/event_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form = AuditSearchForm(self.request.GET or None)
        filters = form.filters()
        invalid = filters is None
        # An invalid search lists nothing (never the whole trail as if it were unfiltered) and says why once.
        page = None if invalid else page_from_request(
            self.request, audit_event_list(actor=self.request.user, filters=filters), audit_event_order(filters))
        ctx.update(form=form, invalid=invalid, page=page, events=page.object_list if page else [],
                   query=query_without_position(self.request))
        return ctx


class AuditEventExportView(AuditorView):
    """The filtered audit trail as CSV, at once, while it is small (``acquirer.exports.sync_limit``); a larger
    one is asked for with the export button (a job: "My downloads"), never cut short. Recorded in the trail."""

    def get(self, request):
        filters = AUDIT_TRAIL.filters(request.GET)
        back = f"{reverse('audit:event-list')}?{request.GET.urlencode()}"
        if filters is None:
            # never export the whole trail for a search that could not be understood: show the search and why
            return redirect(back)
        if not exports.small_enough(AUDIT_TRAIL, request.user, filters):
            messages.warning(request, exports.too_large_message())
            return redirect(back)
        with transaction.atomic():
            audit.record("audit.exported", actor=request.user, data={"filters": filters, "format": "csv"})
        return exports.stream_response(exporter=AUDIT_TRAIL, actor=request.user, filters=filters, fmt="csv")


class AuditBackupListView(AuditorView, BackupListMixin, ListView):
    template_name = "acquirer/audit/backup_list.html"


class AuditJobListView(AuditorView, TemplateView):
    template_name = "acquirer/audit/job_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["jobs"] = job_overview(actor=self.request.user)
        ctx["runs"] = job_run_list(actor=self.request.user)[:50]
        return ctx


class AuditHelpView(AuditorView, TemplateView):
    """How to check an export outside the system: the public key that signs every manifest, its fingerprint, and
    the commands (``verify_export``, ``sha256sum``, ``openssl``)."""

    template_name = "acquirer/audit/help.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(public_pem=signing.public_pem(), fingerprint=signing.fingerprint(), key_id=signing.key_id())
        return ctx


class AuditExportPublicKeyView(AuditorView):
    """The export-signing public key as a PEM file (``export-signing-public.pem``)."""

    def get(self, request):
        return files.attachment(io.BytesIO(signing.public_pem().encode()), filename="export-signing-public.pem",
                                content_type="application/x-pem-file")
