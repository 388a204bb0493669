"""Gate matrix samples of the firmware URLs: a running campaign targeting one of merchant A's terminals."""

from datetime import timedelta

from django.utils import timezone

from terminals.models import CampaignTarget, FirmwareCampaign, FirmwareVersion, Terminal
from tests.terminals.factories import make_model, make_terminal


def build(ctx) -> None:
    model = make_model(brand="GateFw", name="F1", min_firmware="1.2.0")
    terminal = make_terminal(status=Terminal.Status.ACTIVE, merchant=ctx["merchant_a"], model=model)
    firmware = FirmwareVersion.objects.create(model=model, version="1.3.0", released_on=timezone.localdate())
    now = timezone.now()
    campaign = FirmwareCampaign.objects.create(name="Gate campaign", firmware=firmware, window_start=now,
                                               window_end=now + timedelta(days=7), created_by=ctx["users"][
                                                   "operations_manager"], status=FirmwareCampaign.Status.RUNNING)
    ctx["fw_campaign_a"] = campaign
    ctx["fw_target_a"] = CampaignTarget.objects.create(campaign=campaign, terminal=terminal,
                                                       merchant=ctx["merchant_a"])


def samples(ctx) -> dict:
    campaign = {"pk": ctx["fw_campaign_a"].pk}
    return {
        **{name: campaign for name in ("ops:campaign-detail", "ops:campaign-start", "ops:campaign-finish",
                                       "ops:campaign-cancel", "ops:campaign-import", "audit:campaign-detail")},
        "ops:campaign-outcome": {"pk": ctx["fw_target_a"].pk},
    }
