"""The monthly complaint statistics for the regulator, kept as generated (XLSX and PDF)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from acquirer.models import User


class RegulatorReport(models.Model):
    """One generation of a month's statistics. The scheduled job makes the first on the 1st; staff may generate
    the month again on demand (a new version; earlier ones stay as they were sent)."""

    month = models.DateField(_("month"))  # the first day of the month reported
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    figures = models.JSONField(_("figures"), default=dict)
    xlsx_name = models.CharField(max_length=200)
    pdf_name = models.CharField(max_length=200)
    generated_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    generated_at = models.DateTimeField(_("generated"), default=timezone.now)

    class Meta:
        verbose_name = _("regulator complaint statistics")
        verbose_name_plural = _("regulator complaint statistics")
        ordering = ["-month", "-version"]
        constraints = [models.UniqueConstraint(fields=["month", "version"], name="regulatorreport_month_version")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} v{self.version}"
