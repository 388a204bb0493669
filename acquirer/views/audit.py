"""Auditor area (/audit/): read-only. Search the whole audit trail, export it (audited), see jobs."""

import csv

from django.db import transaction
from django.http import StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import ListView, TemplateView

from acquirer import audit
from acquirer.access import AuditorView
from acquirer.forms import AuditSearchForm
from acquirer.lists import page_from_request, query_without_position
from acquirer.selectors import audit_event_list, job_overview, job_run_list
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
            self.request, audit_event_list(actor=self.request.user, filters=filters), ("-id",))
        ctx.update(form=form, invalid=invalid, page=page, events=page.object_list if page else [],
                   query=query_without_position(self.request))
        return ctx


def _cell(value) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class _Echo:
    def write(self, value):
        return value


class AuditEventExportView(AuditorView):
    """CSV of the filtered audit trail. The export itself is recorded in the trail."""

    def get(self, request):
        filters = AuditSearchForm(request.GET or None).filters()
        if filters is None:
            # never export the whole trail for a search that could not be understood: show the search and why
            return redirect(f"{reverse('audit:event-list')}?{request.GET.urlencode()}")
        # every matching event, streamed in chunks from a server-side cursor: no cap, constant memory
        events = audit_event_list(actor=request.user, filters=filters)
        with transaction.atomic():
            audit.record("audit.exported", actor=request.user,
                         data={"filters": {k: v for k, v in filters.items() if v not in (None, "")},
                               "format": "csv"})
        writer = csv.writer(_Echo())
        header = ["id", "at_utc", "actor", "role", "merchant_id", "action", "target_type", "target_id",
                  "target", "before", "after", "data", "ip", "source", "hash"]

        def rows():
            yield "\ufeff" + writer.writerow(header)
            for e in events.iterator(chunk_size=2000):
                yield writer.writerow([_cell(v) for v in [
                                       e.id, e.at.isoformat(), e.actor_label, e.role, e.merchant_id or "",
                                       e.action, e.target_type, e.target_id, e.target_repr, e.before or "",
                                       e.after or "", e.data or "", e.ip or "", e.source, e.hash]])

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="audit-trail-{stamp}.csv"'
        return response


class AuditBackupListView(AuditorView, BackupListMixin, ListView):
    template_name = "acquirer/audit/backup_list.html"


class AuditJobListView(AuditorView, TemplateView):
    template_name = "acquirer/audit/job_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["jobs"] = job_overview(actor=self.request.user)
        ctx["runs"] = job_run_list(actor=self.request.user)[:50]
        return ctx
