"""My downloads (/downloads/): the files a person asked to take away, their progress, and the download.

Any signed-in person may open the page; what they may export is the exporter's rule, asked by the service. An
export is asked for with a POST here (user gate), so the audit area stays GET-only: an auditor's export button
posts to this core view, never to an /audit/ URL."""

from django import forms
from django.http import Http404
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from acquirer.access import UserView
from acquirer.exceptions import DomainError
from acquirer.lists import page_from_request, query_without_position
from acquirer.registry import registry
from acquirer.selectors import export_get, export_list
from acquirer.services.exports import (
    export_bundle_download,
    export_download,
    export_manifest_download,
    export_request,
    export_rerun,
    export_signature_download,
    keep_days,
)
from acquirer.views.actions import ActionView


class ExportRequestForm(forms.Form):
    """Which export, in which format; the exporter reads its filters from the rest of the POST."""

    kind = forms.CharField(max_length=60)
    format = forms.ChoiceField(choices=[("csv", "CSV"), ("xlsx", "XLSX"), ("zip", "ZIP")])


class ExportListView(UserView, TemplateView):
    template_name = "acquirer/shared/export_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        page = page_from_request(self.request, export_list(actor=self.request.user), ("-created_at", "-id"), size=25)
        exporters = registry().exporters
        ctx.update(page=page, exports=[(export, exporters.get(export.kind)) for export in page.object_list],
                   query=query_without_position(self.request), keep_days=keep_days())
        return ctx


class ExportCreateView(ActionView, UserView):
    """Ask for an export: the file is written by a worker and appears on "My downloads"."""

    form_class = ExportRequestForm

    def perform(self, form, obj) -> str:
        export_request(actor=self.request.user, kind=form.cleaned_data["kind"], fmt=form.cleaned_data["format"],
                       data=self.request.POST)
        return _("Your file is being prepared. It appears here, ready to download, when it is written.")

    def get_success_url(self, obj) -> str:
        return reverse("export-list")


class ExportRerunView(ActionView, UserView):
    """Write a failed export again."""

    def get_object(self, pk):
        return export_get(actor=self.request.user, pk=pk)

    def perform(self, form, obj) -> str:
        export_rerun(actor=self.request.user, export=obj)
        return _("The file is being written again.")

    def get_success_url(self, obj) -> str:
        return reverse("export-list")


class ExportDownloadView(UserView):
    """The finished file, to its owner only (anyone else: 404, like a missing one); the download is audited."""

    def get(self, request, pk):
        export = export_get(actor=request.user, pk=pk)
        try:
            return export_download(actor=request.user, export=export)
        except DomainError:
            raise Http404 from None


class _SignedPartView(UserView):
    """A part of the signed export (manifest, signature, bundle), to its owner only; audited like the file."""

    service = None

    def get(self, request, pk):
        export = export_get(actor=request.user, pk=pk)
        try:
            return type(self).service(actor=request.user, export=export)
        except DomainError:
            raise Http404 from None


class ExportManifestView(_SignedPartView):
    service = export_manifest_download


class ExportSignatureView(_SignedPartView):
    service = export_signature_download


class ExportBundleView(_SignedPartView):
    service = export_bundle_download


urlpatterns = [
    path("", ExportListView.as_view(), name="export-list"),
    path("new/", ExportCreateView.as_view(), name="export-create"),
    path("<int:pk>/file/", ExportDownloadView.as_view(), name="export-download"),
    path("<int:pk>/rerun/", ExportRerunView.as_view(), name="export-rerun"),
    path("<int:pk>/manifest.json", ExportManifestView.as_view(), name="export-manifest"),
    path("<int:pk>/manifest.sig", ExportSignatureView.as_view(), name="export-signature"),
    path("<int:pk>/bundle.zip", ExportBundleView.as_view(), name="export-bundle"),
]
