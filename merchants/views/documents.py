"""KYC documents: the merchant's own list and uploads (portal), review and uploads on the merchant's
behalf (ops), read-only list (audit). Files are only ever sent by the download views here, as
attachments, and every download is audited by the service."""

from datetime import timedelta

from django.http import Http404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from acquirer import policy
from acquirer.access import AuditorView, OpsView, PortalView
from acquirer.exceptions import DomainError
from acquirer.views.actions import PAGE_METHODS, ActionView
from merchants import roles
from merchants.forms.documents import DocumentDecisionForm, DocumentUploadForm
from merchants.policy import DECIDE_DOCUMENT
from merchants.selectors.documents import document_get, document_list
from merchants.selectors.merchants import merchant_for_user, merchant_get
from merchants.services import documents as svc

EXPIRY_WARNING_DAYS = 30


class _DownloadMixin:
    def get(self, request, pk):
        document = document_get(actor=request.user, pk=pk)
        try:
            return svc.document_download(actor=request.user, document=document)
        except DomainError as error:
            raise Http404(str(error)) from error


def _overview(actor, merchant) -> dict:
    return {"merchant": merchant, "documents": document_list(actor=actor, merchant=merchant),
            "missing": svc.documents_missing(merchant), "problems": svc.documents_problems(merchant),
            "can_upload": svc.documents_can_upload(actor=actor, merchant=merchant),
            "expiring_before": timezone.localdate() + timedelta(days=EXPIRY_WARNING_DAYS)}


class _UploadView(ActionView):
    """Upload one document of ``self.object`` (a merchant); a refused file shows the page again with the reason."""

    form_class = DocumentUploadForm

    def perform(self, form, merchant):
        svc.document_upload(actor=self.request.user, merchant=merchant, kind=form.cleaned_data["kind"],
                            uploaded_file=form.cleaned_data["file"], expires_on=form.cleaned_data["expires_on"])
        return _("Document uploaded. It will be checked by a reviewer.")

    def render_form(self, form):
        return self.render_to_response(self.get_context_data(form=form))


# --- portal ------------------------------------------------------------------------------------

class PortalDocumentListView(PortalView, TemplateView):
    template_name = "merchants/portal/document_list.html"

    def get_context_data(self, form=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(_overview(self.request.user, merchant_for_user(actor=self.request.user)))
        ctx["form"] = form or DocumentUploadForm()
        return ctx


class PortalDocumentUploadView(_UploadView, PortalDocumentListView):
    """POST only: a valid upload goes back to the list; a refused one shows the list with the reason."""

    template_name = PortalDocumentListView.template_name

    def get_object(self):
        return merchant_for_user(actor=self.request.user)

    def get_success_url(self, merchant):
        return reverse("portal:document-list")


class PortalDocumentDownloadView(PortalView, _DownloadMixin):
    pass


# --- ops ---------------------------------------------------------------------------------------

class OpsDocumentListView(OpsView, TemplateView):
    template_name = "merchants/shared/document_staff_list.html"
    permission_required = (roles.VIEW_DOCUMENT,)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        actor = self.request.user
        ctx.update(_overview(actor, merchant_get(actor=actor, pk=self.kwargs["merchant_pk"])))
        if policy.allows(actor, DECIDE_DOCUMENT):
            for document in ctx["documents"]:
                if not document.superseded:
                    document.decision_form = DocumentDecisionForm(auto_id=f"doc{document.pk}_%s")
        return ctx


class OpsDocumentUploadView(_UploadView, OpsView, TemplateView):
    """A reviewer uploads a document received from the merchant (then may not approve the application)."""

    http_method_names = PAGE_METHODS
    template_name = "merchants/ops/document_upload.html"
    permission_required = (roles.REVIEW,)

    def get_object(self, merchant_pk):
        return merchant_get(actor=self.request.user, pk=merchant_pk)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["merchant"] = self.object
        return ctx

    def get_success_url(self, merchant):
        return reverse("ops:document-list", kwargs={"merchant_pk": merchant.pk})


class OpsDocumentDecideView(ActionView, OpsView):
    permission_required = (roles.REVIEW,)
    form_class = DocumentDecisionForm

    def get_object(self, pk):
        return document_get(actor=self.request.user, pk=pk)

    def perform(self, form, document):
        svc.document_decide(actor=self.request.user, document=document, decision=form.cleaned_data["decision"],
                            reason=form.cleaned_data["reason"])
        return _("Decision recorded.")

    def get_success_url(self, document):
        return reverse("ops:document-list", kwargs={"merchant_pk": document.merchant_id})


class OpsDocumentDownloadView(OpsView, _DownloadMixin):
    permission_required = (roles.VIEW_DOCUMENT,)


# --- audit -------------------------------------------------------------------------------------

class AuditDocumentListView(AuditorView, TemplateView):
    template_name = "merchants/shared/document_staff_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        actor = self.request.user
        ctx.update(_overview(actor, merchant_get(actor=actor, pk=self.kwargs["merchant_pk"])))
        return ctx


class AuditDocumentDownloadView(AuditorView, _DownloadMixin):
    pass


portal_patterns = [
    path("documents/", PortalDocumentListView.as_view(), name="document-list"),
    path("documents/upload/", PortalDocumentUploadView.as_view(), name="document-upload"),
    path("documents/<int:pk>/download/", PortalDocumentDownloadView.as_view(), name="document-download"),
]
ops_patterns = [
    path("merchants/<int:merchant_pk>/documents/", OpsDocumentListView.as_view(), name="document-list"),
    path("merchants/<int:merchant_pk>/documents/upload/", OpsDocumentUploadView.as_view(), name="document-upload"),
    path("documents/<int:pk>/decide/", OpsDocumentDecideView.as_view(), name="document-decide"),
    path("documents/<int:pk>/download/", OpsDocumentDownloadView.as_view(), name="document-download"),
]
audit_patterns = [
    path("merchants/<int:merchant_pk>/documents/", AuditDocumentListView.as_view(), name="document-list"),
    path("documents/<int:pk>/download/", AuditDocumentDownloadView.as_view(), name="document-download"),
]
