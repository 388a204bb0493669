"""Access reviews (PCI DSS 7.2.4): every six months a campaign lists every staff and auditor account with its
roles; operations managers confirm or revoke each. A revocation takes effect at once (roles removed, sessions
ended); the completed campaign is evidence for the requirement."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from acquirer.models import User


class AccessReview(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        COMPLETED = "completed", _("Completed")

    period = models.CharField(_("half-year"), max_length=7, unique=True)  # "2026-H2"
    title = models.CharField(_("title"), max_length=200)
    started_on = models.DateField(_("started"))
    due_on = models.DateField(_("due"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    completed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("access review")
        verbose_name_plural = _("access reviews")
        ordering = ["-started_on", "-id"]
        permissions = [("review_access", "Can confirm or revoke accounts' roles in an access review")]

    def __str__(self) -> str:
        return self.title


class AccessReviewItem(models.Model):
    class Decision(models.TextChoices):
        PENDING = "pending", _("Not reviewed yet")
        CONFIRMED = "confirmed", _("Confirmed")
        REVOKED = "revoked", _("Revoked")

    review = models.ForeignKey(AccessReview, on_delete=models.CASCADE, related_name="items")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10)  # the account's kind when the campaign started: staff or auditor
    roles = models.JSONField(default=list, blank=True)  # the role codes it held then
    last_login = models.DateTimeField(null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("access review item")
        verbose_name_plural = _("access review items")
        ordering = ["review", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "user"], name="access_review_once_per_account"),
            models.CheckConstraint(condition=Q(decision="pending") | Q(decided_by__isnull=False),
                                   name="access_review_decision_has_reviewer"),
        ]

    def __str__(self) -> str:
        return f"{self.review} · {self.user}"
