"""Firmware versions per model, upgrade campaigns (targets, outcomes by hand or from the management system's
report) and the terminals below their model's minimum version. Ops manage them; auditors read them."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from acquirer.access import AuditorView, OpsView
from acquirer.exceptions import DomainError
from acquirer.forms import ReasonForm
from acquirer.selectors import audit_history
from acquirer.views.actions import ObjectActionMixin, flash_form_errors, redirect_to_detail
from acquirer.workflow import allowed_moves
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
MANAGE = ("terminals.manage_firmware",)
LIST = "terminals/firmware/firmware_list.html"
DETAIL = "terminals/firmware/campaign_detail.html"



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


class FirmwareListView(OpsView):
    permission_required = ("terminals.view_firmwareversion",)

    def get(self, request):
        return _firmware_page(request, area="ops")

    def post(self, request):
        """Add a firmware version (managers only)."""
        if not request.user.has_perms(MANAGE):
            raise PermissionDenied
        form = FirmwareVersionForm(request.POST, models=firmware_models(actor=request.user))
        if form.is_valid():
            try:
                firmware = firmware_version_add(actor=request.user, **form.cleaned_data)
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Firmware %(firmware)s added.") % {"firmware": firmware})
                return redirect("ops:firmware-list")
        return _firmware_page(request, area="ops", form=form)


class AuditFirmwareListView(AuditorView):
    def get(self, request):
        return _firmware_page(request, area="audit")


# --- campaign creation ----------------------------------------------------------------------------

class CampaignCreateView(OpsView):
    permission_required = MANAGE
    template_name = "terminals/firmware/campaign_form.html"

    def _form(self, data=None):
        initial = {}
        if data is None and self.request.GET.get("firmware", "").isdigit():
            initial["firmware"] = int(self.request.GET["firmware"])
        return CampaignForm(data, initial=initial, firmware_versions=firmware_version_list(actor=self.request.user))

    def get(self, request):
        return render(request, self.template_name, {"form": self._form()})

    def post(self, request):
        form = self._form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            found = terminals_by_serial(actor=request.user, serials=data["serial_numbers"])
            unknown = [s for s in data["serial_numbers"] if s not in found]
            terminals = list(found.values())
            if data["all_below"]:
                terminals += campaign_eligible_terminals(actor=request.user, firmware=data["firmware"])
            if unknown:
                form.add_error("serial_numbers", _("Unknown serial numbers: %(serials)s.")
                               % {"serials": ", ".join(unknown)})
            elif not terminals:
                form.add_error(None, _("No terminal of this model runs an older version: nothing to upgrade."))
            else:
                try:
                    campaign = campaign_create(actor=request.user, name=data["name"], firmware=data["firmware"],
                                               window_start=data["window_start"], window_end=data["window_end"],
                                               terminals=terminals)
                except DomainError as error:
                    form.add_error(None, str(error))
                else:
                    messages.success(request, _("Campaign “%(name)s” planned for %(count)s terminals.")
                                     % {"name": campaign.name, "count": campaign.targets.count()})
                    return redirect("ops:campaign-detail", pk=campaign.pk)
        return render(request, self.template_name, {"form": form})


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
    permission_required = ("terminals.view_firmwarecampaign",)

    def get(self, request, pk):
        return _campaign_page(request, campaign_get(actor=request.user, pk=pk), area="ops")


class AuditCampaignDetailView(AuditorView):
    def get(self, request, pk):
        return _campaign_page(request, campaign_get(actor=request.user, pk=pk), area="audit")


class _CampaignActionView(ObjectActionMixin, OpsView):
    permission_required = MANAGE
    redirect_to = redirect_to_detail("ops:campaign-detail")

    def get_object(self, request, pk):
        return campaign_get(actor=request.user, pk=pk)


class CampaignStartView(_CampaignActionView):
    def act(self, actor, campaign, reason):
        campaign_start(actor=actor, campaign=campaign)
        return _("Campaign started: record each terminal's outcome or import the report.")


class CampaignFinishView(_CampaignActionView):
    def act(self, actor, campaign, reason):
        campaign_finish(actor=actor, campaign=campaign)
        return _("Campaign finished.")


class CampaignCancelView(_CampaignActionView):
    needs_reason = True

    def act(self, actor, campaign, reason):
        campaign_cancel(actor=actor, campaign=campaign, reason=reason)
        return _("Campaign cancelled.")


class CampaignOutcomeView(OpsView):
    """Record one terminal's outcome by hand."""

    permission_required = MANAGE
    http_method_names = ["post"]

    def post(self, request, pk):
        target = campaign_target_get(actor=request.user, pk=pk)
        form = OutcomeForm(request.POST)
        if not form.is_valid():
            flash_form_errors(request, form)
        else:
            try:
                campaign_record_outcome(actor=request.user, target=target, **form.cleaned_data)
            except DomainError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("Outcome of %(serial)s recorded.")
                                 % {"serial": target.terminal.serial_number})
        return redirect("ops:campaign-detail", pk=target.campaign_id)


class CampaignImportView(OpsView):
    """Import the management system's report: every bad row is listed and nothing is saved."""

    permission_required = MANAGE
    http_method_names = ["post"]

    def post(self, request, pk):
        campaign = campaign_get(actor=request.user, pk=pk)
        form = ReportImportForm(request.POST, request.FILES)
        if not form.is_valid():
            flash_form_errors(request, form)
            return redirect("ops:campaign-detail", pk=campaign.pk)
        report = campaign_import_report(actor=request.user, campaign=campaign,
                                        uploaded_file=form.cleaned_data["report"])
        if report.saved:
            messages.success(request, _("Report imported: %(rows)s rows, %(changed)s outcomes recorded.")
                             % {"rows": len(report.rows), "changed": report.changed})
            return redirect("ops:campaign-detail", pk=campaign.pk)
        messages.error(request, _("The report was not imported: correct the rows below and import it again. "
                                  "Nothing was saved."))
        return _campaign_page(request, campaign_get(actor=request.user, pk=pk), area="ops", import_form=form,
                              report=report)


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
