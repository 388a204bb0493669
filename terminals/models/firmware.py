"""Firmware versions per terminal model and the upgrade campaigns that roll them out."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from acquirer.models import User
from merchants.models import Merchant
from terminals.models.registry import Terminal, TerminalModel


class FirmwareVersion(models.Model):
    model = models.ForeignKey(TerminalModel, on_delete=models.PROTECT, related_name="firmware_versions")
    version = models.CharField(_("version"), max_length=30)
    released_on = models.DateField(_("released on"))
    release_notes = models.TextField(_("release notes"), blank=True)
    created_by = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("firmware version")
        verbose_name_plural = _("firmware versions")
        ordering = ["model", "-released_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["model", "version"], name="firmware_version_unique")]

    def __str__(self) -> str:
        return f"{self.model} {self.version}"


class FirmwareCampaign(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")
        CANCELLED = "cancelled", _("Cancelled")

    name = models.CharField(_("name"), max_length=100)
    firmware = models.ForeignKey(FirmwareVersion, on_delete=models.PROTECT, related_name="campaigns")
    window_start = models.DateTimeField(_("window from"))
    window_end = models.DateTimeField(_("window until"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    status_changed_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("firmware campaign")
        verbose_name_plural = _("firmware campaigns")
        ordering = ["-window_start", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(window_end__gt=models.F("window_start")),
                                   name="firmware_campaign_window_order"),
            models.CheckConstraint(condition=Q(status__in=["planned", "running", "finished", "cancelled"]),
                                   name="firmware_campaign_status_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class CampaignTarget(models.Model):
    class Outcome(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    campaign = models.ForeignKey(FirmwareCampaign, on_delete=models.PROTECT, related_name="targets")
    terminal = models.ForeignKey(Terminal, on_delete=models.PROTECT, related_name="campaign_targets")
    merchant = models.ForeignKey(Merchant, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    TENANT_FIELD = "merchant_id"

    class Meta:
        verbose_name = _("campaign terminal")
        verbose_name_plural = _("campaign terminals")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "terminal"], name="campaign_target_unique")]

    def __str__(self) -> str:
        return f"{self.campaign} / {self.terminal}"
