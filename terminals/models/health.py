"""Health flags: terminals needing follow-up."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from acquirer.models import User
from merchants.models import Merchant
from terminals.models.registry import Terminal


class HealthFlag(models.Model):
    """A terminal needing follow-up: silent for too long, or transacting far from where it was installed
    (an input to risk monitoring). One open flag per terminal and kind."""

    class Kind(models.TextChoices):
        STALE = "stale", _("No sign-in or transaction for too long")
        LOCATION = "location", _("Used far from its installation address")

    terminal = models.ForeignKey(Terminal, on_delete=models.PROTECT, related_name="health_flags")
    merchant = models.ForeignKey(Merchant, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    raised_at = models.DateTimeField(_("raised"), default=timezone.now)
    details = models.JSONField(default=dict, blank=True)
    cleared_at = models.DateTimeField(_("cleared"), null=True, blank=True)
    cleared_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    clear_note = models.TextField(blank=True)

    TENANT_FIELD = "merchant_id"

    class Meta:
        verbose_name = _("terminal health flag")
        verbose_name_plural = _("terminal health flags")
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["raised_at", "id"], name="health_flag_open_raised",
                                condition=Q(cleared_at__isnull=True))]
        constraints = [models.UniqueConstraint(fields=["terminal", "kind"], condition=Q(cleared_at__isnull=True),
                                               name="health_flag_one_open_per_kind")]

    def __str__(self) -> str:
        return f"{self.terminal} {self.kind}"
