"""Pages of the ingest subdomain: the ops upload page (the file goes to a Celery task), the history of ingested
files with their progress and counts, a file's page with the first row errors and the full row report as an
audited download; auditors read the same history and pages."""

from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from acquirer.access import AuditorView, OpsView
from acquirer.lists import page_from_request, query_without_position
from acquirer.views.actions import PAGE_METHODS, ActionView
from transactions import roles
from transactions.forms.ingest import IngestFilterForm, IngestUploadForm
from transactions.selectors.ingest import INGEST_FILE_ORDER, ingest_file_get, ingest_file_list
from transactions.services.ingest import ingest_report_download, ingest_report_rows, ingest_upload

ERRORS_SHOWN = 50
REFRESH_SECONDS = 3
RUNNING = ("queued", "running")


class IngestUploadView(ActionView, OpsView):
    """Choose the kind and the file; the file is checked as a whole now and run by a task."""

    http_method_names = PAGE_METHODS
    permission_required = (roles.INGEST,)
    template_name = "transactions/ops/ingest_upload.html"
    form_class = IngestUploadForm

    def render_form(self, form):
        return render(self.request, self.template_name, {"form": form})

    def perform(self, form, obj):
        self.object = ingest_upload(actor=self.request.user, kind=form.cleaned_data["kind"],
                                    uploaded_file=form.cleaned_data["file"])
        if self.object.status == "refused":
            return ""
        return _("File “%(name)s” queued for ingest.") % {"name": self.object.original_name}

    def get_success_url(self, record):
        return reverse("ops:ingest-detail", kwargs={"pk": record.pk})


def _history(request, *, area: str):
    form = IngestFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    page = page_from_request(request, ingest_file_list(actor=request.user, filters=filters), INGEST_FILE_ORDER)
    for record in page.object_list:
        record.detail_url = reverse(f"{area}:ingest-detail", kwargs={"pk": record.pk})
    return render(request, "transactions/audit/ingest_list.html" if area == "audit"
                  else "transactions/ops/ingest_list.html",
                  {"area": area, "form": form, "page": page, "files": page.object_list,
                   "query": query_without_position(request)})


def _detail(request, pk: int, *, area: str):
    record = ingest_file_get(actor=request.user, pk=pk)
    running = record.status in RUNNING
    response = render(request, "transactions/audit/ingest_detail.html" if area == "audit"
                      else "transactions/ops/ingest_detail.html", {
                          "area": area, "record": record, "running": running, "refresh": REFRESH_SECONDS,
                          "errors": ingest_report_rows(record=record, limit=ERRORS_SHOWN),
                          "errors_limit": ERRORS_SHOWN,
                          "report_url": reverse(f"{area}:ingest-report", kwargs={"pk": record.pk}),
                      })
    if running:
        response["Refresh"] = str(REFRESH_SECONDS)  # the page reloads itself while the task runs (no script)
    return response


class IngestListView(OpsView):
    permission_required = (roles.VIEW_INGEST,)

    def get(self, request):
        return _history(request, area="ops")


class IngestDetailView(OpsView):
    permission_required = (roles.VIEW_INGEST,)

    def get(self, request, pk):
        return _detail(request, pk, area="ops")


class IngestReportView(OpsView):
    permission_required = (roles.VIEW_INGEST,)

    def get(self, request, pk):
        record = ingest_file_get(actor=request.user, pk=pk)
        if not record.report_name:
            return redirect("ops:ingest-detail", pk=record.pk)
        return ingest_report_download(actor=request.user, record=record)


class AuditIngestListView(AuditorView):
    def get(self, request):
        return _history(request, area="audit")


class AuditIngestDetailView(AuditorView):
    def get(self, request, pk):
        return _detail(request, pk, area="audit")


class AuditIngestReportView(AuditorView):
    def get(self, request, pk):
        record = ingest_file_get(actor=request.user, pk=pk)
        if not record.report_name:
            return redirect("audit:ingest-detail", pk=record.pk)
        return ingest_report_download(actor=request.user, record=record)


ops_patterns = [
    path("ingest/", IngestListView.as_view(), name="ingest-list"),
    path("ingest/upload/", IngestUploadView.as_view(), name="ingest-upload"),
    path("ingest/<int:pk>/", IngestDetailView.as_view(), name="ingest-detail"),
    path("ingest/<int:pk>/report/", IngestReportView.as_view(), name="ingest-report"),
]
portal_patterns = []
audit_patterns = [
    path("ingest/", AuditIngestListView.as_view(), name="ingest-list"),
    path("ingest/<int:pk>/", AuditIngestDetailView.as_view(), name="ingest-detail"),
    path("ingest/<int:pk>/report/", AuditIngestReportView.as_view(), name="ingest-report"),
]
