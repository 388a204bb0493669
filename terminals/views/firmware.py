"""Firmware versions per model, upgrade campaigns (targets, outcomes by hand or from the management system's
report) and the terminals below their model's minimum version. Ops manage them; auditors read them."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from acquirer.access import AuditorView, OpsView
from acquirer.exceptions import DomainError
from acquirer.forms import ReasonForm
from acquirer.selectors import audit_history
from acquirer.views.actions import PAGE_METHODS, ActionView
from acquirer.workflow import allowed_moves
from terminals import roles
from terminals.forms.firmware import CampaignForm, FirmwareVersionForm, OutcomeForm, ReportImportForm
from terminals.models import FirmwareCampaign
from terminals.selectors.firmware import (
    campaign_eligible_terminals,
    campaign_get,
    campaign_list,
    campaign_target_get,
    campaign_targets,
    firmware_models,
    firmware_version_list,
    terminals_below_minimum,
    terminals_by_serial,
)
from terminals.services.firmware import (
    campaign_cancel,
    campaign_create,
    campaign_finish,
    campaign_import_report,
    campaign_record_outcome,
    campaign_start,
    firmware_version_add,
)
from terminals.workflow import CAMPAIGN_MOVES

F = FirmwareCampaign.Status
MANAGE = (roles.MANAGE_FIRMWARE,)
LIST = "terminals/shared/firmware_list.html"
DETAIL = "terminals/shared/campaign_detail.html"



# --- versions and campaigns overview ------------------------------------------------------------

def _firmware_page(request, *, area: str, form=None, status: int = 200):
    actor = request.user
    can_manage = area == "ops" and actor.has_perms(MANAGE)
    models = list(firmware_models(actor=actor))
    if can_manage and form is None:
        form = FirmwareVersionForm(models=firmware_models(actor=actor))
    return render(request, LIST, {
        "area": area, "models": models, "campaigns": campaign_list(actor=actor),
        "below_minimum": terminals_below_minimum(actor=actor), "form": form if can_manage else None,
        "can_manage": can_manage,
    }, status=status)


class FirmwareListView(ActionView, OpsView):
    """The versions and campaigns; managers add a firmware version on the same page."""

    http_method_names = PAGE_METHODS
    permission_required = (roles.VIEW_FIRMWARE,)
    post_permission_required = MANAGE
    template_name = LIST
    form_class = FirmwareVersionForm

    def get_form_kwargs(self):
        return {"models": firmware_models(actor=self.request.user)}

    def render_form(self, form):
        return _firmware_page(self.request, area="ops", form=form)

    def perform(self, form, obj):
        firmware = firmware_version_add(actor=self.request.user, **form.cleaned_data)
        return _("Firmware %(firmware)s added.") % {"firmware": firmware}

    def get_success_url(self, obj):
        return reverse("ops:firmware-list")


class AuditFirmwareListView(AuditorView):
    def get(self, request):
        return _firmware_page(request, area="audit")


# --- campaign creation ----------------------------------------------------------------------------

class CampaignCreateView(ActionView, OpsView):
    http_method_names = PAGE_METHODS
    permission_required = MANAGE
    template_name = "terminals/ops/campaign_form.html"
    form_class = CampaignForm

    def get_form_kwargs(self):
        initial = {}
        if self.request.method == "GET" and self.request.GET.get("firmware", "").isdigit():
            initial["firmware"] = int(self.request.GET["firmware"])
        return {"initial": initial, "firmware_versions": firmware_version_list(actor=self.request.user)}

    def render_form(self, form):
        return render(self.request, self.template_name, {"form": form})

    def perform(self, form, obj):
        data = form.cleaned_data
        actor = self.request.user
        found = terminals_by_serial(actor=actor, serials=data["serial_numbers"])
        unknown = [s for s in data["serial_numbers"] if s not in found]
        if unknown:
            raise ValidationError({"serial_numbers": _("Unknown serial numbers: %(serials)s.")
                                   % {"serials": ", ".join(unknown)}})
        terminals = list(found.values())
        if data["all_below"]:
            terminals += campaign_eligible_terminals(actor=actor, firmware=data["firmware"])
        if not terminals:
            raise ValidationError(_("No terminal of this model runs an older version: nothing to upgrade."))
        self.object = campaign_create(actor=actor, name=data["name"], firmware=data["firmware"],
                                      window_start=data["window_start"], window_end=data["window_end"],
                                      terminals=terminals)
        return _("Campaign “%(name)s” planned for %(count)s terminals.") % {
            "name": self.object.name, "count": self.object.targets.count()}

    def get_success_url(self, campaign):
        return reverse("ops:campaign-detail", kwargs={"pk": campaign.pk})


# --- campaign page --------------------------------------------------------------------------------

def _campaign_page(request, campaign, *, area: str, import_form=None, report=None, status: int = 200):
    actor = request.user
    can_manage = area == "ops" and actor.has_perms(MANAGE)
    allowed = allowed_moves(campaign, CAMPAIGN_MOVES)
    return render(request, DETAIL, {
        "area": area, "campaign": campaign, "targets": campaign_targets(actor=actor, campaign=campaign),
        "can_manage": can_manage, "running": campaign.status == F.RUNNING,
        "can_start": F.RUNNING in allowed, "can_finish": F.FINISHED in allowed, "can_cancel": F.CANCELLED in allowed,
        "outcome_form": OutcomeForm(), "import_form": import_form or ReportImportForm(), "report": report,
        "reason_form": ReasonForm(), "history": audit_history(actor=actor, target=campaign),
    }, status=status)


class CampaignDetailView(OpsView):
    permission_required = (roles.VIEW_CAMPAIGN,)

    def get(self, request, pk):
        return _campaign_page(request, campaign_get(actor=request.user, pk=pk), area="ops")


class AuditCampaignDetailView(AuditorView):
    def get(self, request, pk):
        return _campaign_page(request, campaign_get(actor=request.user, pk=pk), area="audit")


class _CampaignActionView(ActionView, OpsView):
    permission_required = MANAGE

    def get_object(self, pk):
        return campaign_get(actor=self.request.user, pk=pk)

    def get_success_url(self, campaign):
        return reverse("ops:campaign-detail", kwargs={"pk": campaign.pk})


class CampaignStartView(_CampaignActionView):
    def perform(self, form, campaign):
        campaign_start(actor=self.request.user, campaign=campaign)
        return _("Campaign started: record each terminal's outcome or import the report.")


class CampaignFinishView(_CampaignActionView):
    def perform(self, form, campaign):
        campaign_finish(actor=self.request.user, campaign=campaign)
        return _("Campaign finished.")


class CampaignCancelView(_CampaignActionView):
    form_class = ReasonForm

    def perform(self, form, campaign):
        campaign_cancel(actor=self.request.user, campaign=campaign, reason=form.cleaned_data["reason"])
        return _("Campaign cancelled.")


class CampaignOutcomeView(ActionView, OpsView):
    """Record one terminal's outcome by hand."""

    permission_required = MANAGE
    form_class = OutcomeForm

    def get_object(self, pk):
        return campaign_target_get(actor=self.request.user, pk=pk)

    def perform(self, form, target):
        campaign_record_outcome(actor=self.request.user, target=target, **form.cleaned_data)
        return _("Outcome of %(serial)s recorded.") % {"serial": target.terminal.serial_number}

    def get_success_url(self, target):
        return reverse("ops:campaign-detail", kwargs={"pk": target.campaign_id})


class CampaignImportView(_CampaignActionView):
    """Import the management system's report: every bad row is listed and nothing is saved."""

    form_class = ReportImportForm
    report = None

    def perform(self, form, campaign):
        report = campaign_import_report(actor=self.request.user, campaign=campaign,
                                        uploaded_file=form.cleaned_data["report"])
        if not report.saved:
            self.report = report
            raise DomainError(_("The report was not imported: correct the rows below and import it again. "
                                "Nothing was saved."))
        return _("Report imported: %(rows)s rows, %(changed)s outcomes recorded.") % {
            "rows": len(report.rows), "changed": report.changed}

    def refused(self, form, error):
        """A report with bad rows: the campaign page lists them under the import form."""
        if self.report is None:
            return super().refused(form, error)
        messages.error(self.request, str(error))
        return _campaign_page(self.request, campaign_get(actor=self.request.user, pk=self.object.pk), area="ops",
                              import_form=form, report=self.report)


ops_patterns = [
    path("firmware/", FirmwareListView.as_view(), name="firmware-list"),
    path("firmware/campaigns/new/", CampaignCreateView.as_view(), name="campaign-create"),
    path("firmware/campaigns/<int:pk>/", CampaignDetailView.as_view(), name="campaign-detail"),
    path("firmware/campaigns/<int:pk>/start/", CampaignStartView.as_view(), name="campaign-start"),
    path("firmware/campaigns/<int:pk>/finish/", CampaignFinishView.as_view(), name="campaign-finish"),
    path("firmware/campaigns/<int:pk>/cancel/", CampaignCancelView.as_view(), name="campaign-cancel"),
    path("firmware/campaigns/<int:pk>/import/", CampaignImportView.as_view(), name="campaign-import"),
    path("firmware/targets/<int:pk>/outcome/", CampaignOutcomeView.as_view(), name="campaign-outcome"),
]
portal_patterns = []
audit_patterns = [
    path("firmware/", AuditFirmwareListView.as_view(), name="firmware-list"),
    path("firmware/campaigns/<int:pk>/", AuditCampaignDetailView.as_view(), name="campaign-detail"),
]
