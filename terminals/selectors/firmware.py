"""Reads of firmware versions, upgrade campaigns and their targets, always through ``acquirer.access.scope``."""

import re

from django.db.models import Count, Prefetch, Q

from acquirer.access import get_scoped, scope
from terminals.models import CampaignTarget, FirmwareCampaign, FirmwareVersion, Terminal, TerminalModel

T = Terminal.Status
# A campaign may target terminals in the warehouse or placed at a merchant (not on the repair bench, not scrapped).
PLACED = {T.ALLOCATED, T.SURVEYED, T.SHIPPED, T.DELIVERED, T.INSTALLED, T.TESTED, T.ACTIVE, T.SUSPENDED}
CAMPAIGNABLE = {T.IN_STOCK, *PLACED}
_NUMBER = re.compile(r"\d+")


def version_key(version: str) -> tuple[int, ...]:
    """Numeric sort key of a version: "1.10.0" > "1.9.2"; "1.2" == "1.2.0"; no digits at all -> ()."""
    parts = [int(number) for number in _NUMBER.findall(version or "")]
    while parts and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def firmware_models(*, actor):
    """Catalog models, each with its firmware versions (newest first). Two queries."""
    versions = Prefetch("firmware_versions",
                        queryset=FirmwareVersion.objects.select_related("created_by").order_by("-released_on", "-id"))
    return scope(TerminalModel.objects.prefetch_related(versions), actor).order_by("brand", "name")


def firmware_version_list(*, actor):
    return scope(FirmwareVersion.objects.select_related("model"), actor).order_by("model__brand", "model__name",
                                                                                    "-released_on", "-id")


def firmware_version_get(*, actor, pk: int) -> FirmwareVersion:
    return get_scoped(FirmwareVersion.objects.select_related("model"), actor, pk=pk)


def _campaigns(actor):
    outcome = CampaignTarget.Outcome
    return scope(FirmwareCampaign.objects.select_related("firmware__model", "created_by"), actor).annotate(
        target_count=Count("targets"),
        succeeded_count=Count("targets", filter=Q(targets__outcome=outcome.SUCCEEDED)),
        failed_count=Count("targets", filter=Q(targets__outcome=outcome.FAILED)),
        pending_count=Count("targets", filter=Q(targets__outcome=outcome.PENDING)),
    )


def campaign_list(*, actor):
    """Every campaign with its target counts per outcome, newest window first. One query."""
    return _campaigns(actor).order_by("-window_start", "-id")


def campaign_get(*, actor, pk: int) -> FirmwareCampaign:
    return get_scoped(_campaigns(actor), actor, pk=pk)


def campaign_targets(*, actor, campaign: FirmwareCampaign):
    return (scope(CampaignTarget.objects.select_related("terminal__model", "merchant", "recorded_by"), actor)
            .filter(campaign_id=campaign.pk).order_by("terminal__serial_number", "id"))


def campaign_target_get(*, actor, pk: int) -> CampaignTarget:
    return get_scoped(CampaignTarget.objects.select_related("campaign", "terminal"), actor, pk=pk)


def terminals_by_serial(*, actor, serials) -> dict[str, Terminal]:
    """The visible terminals with these serial numbers, by serial number (unknown ones are simply absent)."""
    return {t.serial_number: t for t in scope(Terminal.objects.select_related("model", "merchant"), actor)
            .filter(serial_number__in=list(serials))}


def campaign_eligible_terminals(*, actor, firmware: FirmwareVersion, below_only: bool = True) -> list[Terminal]:
    """Terminals of the firmware's model a campaign may target; by default only those below that version."""
    terminals = (scope(Terminal.objects.select_related("model", "merchant"), actor)
                 .filter(model_id=firmware.model_id, status__in=CAMPAIGNABLE).order_by("serial_number"))
    if not below_only:
        return list(terminals)
    target = version_key(firmware.version)
    return [t for t in terminals if version_key(t.firmware_version) < target]


def terminals_below_minimum(*, actor) -> list[Terminal]:
    """Terminals in service or in stock whose firmware is lower than their model's minimum (compared
    numerically: "1.10.0" is above "1.9.2"); a terminal with no recorded version counts as below. One query."""
    terminals = (scope(Terminal.objects.select_related("model", "merchant"), actor)
                 .exclude(status=T.RETIRED).exclude(model__min_firmware="")
                 .order_by("model__brand", "model__name", "serial_number"))
    return [t for t in terminals if version_key(t.firmware_version) < version_key(t.model.min_firmware)]
