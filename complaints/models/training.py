"""Training sessions for merchants: sign-up from the portal, attendance recorded by staff."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from acquirer.models import User
from complaints.models.common import Language, in_language
from complaints.models.help import Topic
from merchants.models import Merchant


class TrainingSession(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    title_zh = models.CharField(_("title (Chinese)"), max_length=150)
    title_en = models.CharField(_("title (English)"), max_length=150)
    topic = models.CharField(_("topic"), max_length=16, choices=Topic.choices)
    language = models.CharField(_("language"), max_length=8, choices=Language.choices)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place = models.CharField(_("place or meeting link"), max_length=200)
    capacity = models.PositiveSmallIntegerField(_("places"))
    materials = models.TextField(_("materials (Markdown)"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    status_changed_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    SHARED_WITH_MERCHANTS = {}  # every merchant sees the programme (and signs up in the portal)

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="training_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="training_capacity_positive"),
            models.CheckConstraint(condition=Q(status__in=["scheduled", "held", "cancelled"]),
                                   name="training_status_valid"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return in_language(self.title_zh, self.title_en)


class TrainingSignup(models.Model):
    """A merchant's place on a session (one per merchant and session); ``attended`` is set by staff."""

    session = models.ForeignKey(TrainingSession, on_delete=models.PROTECT, related_name="signups")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="training_signups")
    signed_up_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    signed_up_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    attended = models.BooleanField(_("attended"), null=True)
    attendance_recorded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT,
                                               related_name="+")
    attendance_recorded_at = models.DateTimeField(null=True, blank=True)

    TENANT_FIELD = "merchant_id"

    class Meta:
        verbose_name = _("training sign-up")
        verbose_name_plural = _("training sign-ups")
        ordering = ["signed_up_at", "id"]
        constraints = [models.UniqueConstraint(fields=["session", "merchant"], name="trainingsignup_once")]

    def __str__(self) -> str:
        return f"{self.session} · {self.merchant}"
