"""Retention and legal hold. Each record type an app registers (``acquirer.registry.RecordType``) is kept a number
of years after the relationship ends (default 10 for merchant files and transactions); ``RetentionRule`` changes
that per type. A ``LegalHold`` (who, why, scope: a merchant, a record type or one record) blocks deletion whatever
the period. ``compliance.services.retention.deletion_refusal`` is the guard the core asks before any deletion."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from acquirer.models import User


class RetentionRule(models.Model):
    record_type = models.CharField(_("record type"), max_length=40, unique=True)
    years = models.PositiveSmallIntegerField(_("years kept after the relationship ends"))
    note = models.CharField(_("basis"), max_length=300, blank=True)
    changed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(_("changed"), default=timezone.now)

    class Meta:
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")
        ordering = ["record_type"]
        permissions = [("manage_retention", "Can change retention periods")]
        constraints = [models.CheckConstraint(condition=Q(years__gte=1) & Q(years__lte=100),
                                              name="retention_years_sensible")]

    def __str__(self) -> str:
        return self.record_type


class LegalHold(models.Model):
    """Blocks deletion of what it covers until released: every record of one merchant (``merchant_id``), every
    record of one type (``record_type``), or one record (``record_type`` and ``record_id``)."""

    reason = models.TextField(_("why"))
    matter = models.CharField(_("matter"), max_length=200)
    merchant_id = models.BigIntegerField(_("merchant"), null=True, blank=True)
    record_type = models.CharField(_("record type"), max_length=40, blank=True)
    record_id = models.CharField(_("record"), max_length=40, blank=True)
    placed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField(_("placed"), default=timezone.now)
    released_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    released_at = models.DateTimeField(_("released"), null=True, blank=True)
    release_reason = models.TextField(_("why released"), blank=True)

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        ordering = ["-placed_at", "-id"]
        permissions = [("manage_legalhold", "Can place and release legal holds"),
                       ("dispose_record", "Can delete records whose retention period has ended")]
        constraints = [
            models.CheckConstraint(condition=Q(merchant_id__isnull=False) | ~Q(record_type=""),
                                   name="legal_hold_has_scope"),
            models.CheckConstraint(condition=Q(record_id="") | ~Q(record_type=""),
                                   name="legal_hold_record_has_type"),
        ]
        indexes = [models.Index(fields=["merchant_id"], name="legal_hold_active_merchant",
                                condition=Q(released_at__isnull=True)),
                   models.Index(fields=["record_type", "record_id"], name="legal_hold_active_record",
                                condition=Q(released_at__isnull=True))]

    def __str__(self) -> str:
        return self.matter
