"""Regulatory change: a new or changed rule, its impact on our requirements and processes, the tasks that put it
into effect, and the reading staff must acknowledge (who has not yet is one query away)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from acquirer.models import User
from compliance.models.common import Severity
from compliance.models.library import Requirement


class RegulatoryChange(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("New")
        ASSESSING = "assessing", _("Impact being assessed")
        IMPLEMENTING = "implementing", _("Being put into effect")
        DONE = "done", _("In effect")

    title = models.CharField(_("title"), max_length=200)
    source = models.CharField(_("issued by"), max_length=200)
    reference = models.CharField(_("document number"), max_length=100, blank=True)
    link = models.URLField(_("link"), max_length=500, blank=True)
    published_on = models.DateField(_("published"))
    effective_on = models.DateField(_("takes effect"))
    summary = models.TextField(_("summary"))
    impact = models.TextField(_("impact assessment"), blank=True)
    impact_level = models.CharField(_("impact"), max_length=8, choices=Severity.choices, default=Severity.MEDIUM)
    affected_processes = models.TextField(_("processes affected"), blank=True)
    affected_requirements = models.ManyToManyField(Requirement, verbose_name=_("requirements affected"),
                                                   blank=True, related_name="changes")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.NEW)
    reading_due_on = models.DateField(_("read by"), null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("regulatory change")
        verbose_name_plural = _("regulatory changes")
        ordering = ["-effective_on", "-id"]
        permissions = [("manage_regulatorychange", "Can record regulatory changes, their tasks and reading")]
        constraints = [models.CheckConstraint(condition=Q(effective_on__gte=models.F("published_on")),
                                              name="change_effective_after_published")]

    def __str__(self) -> str:
        return self.title


class ChangeTask(models.Model):
    change = models.ForeignKey(RegulatoryChange, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("task"), max_length=200)
    owner = models.ForeignKey(User, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(_("due"))
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("change task")
        verbose_name_plural = _("change tasks")
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.title


class ReadingAcknowledgement(models.Model):
    """A person asked to read a change; ``acknowledged_at`` is set when they confirm they read it."""

    change = models.ForeignKey(RegulatoryChange, on_delete=models.CASCADE, related_name="readers")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)

    class Meta:
        verbose_name = _("required reading")
        verbose_name_plural = _("required reading")
        ordering = ["change", "user_id"]
        constraints = [models.UniqueConstraint(fields=["change", "user"], name="reading_once_per_person")]
        indexes = [models.Index(fields=["user", "acknowledged_at"], name="reading_user_pending")]

    def __str__(self) -> str:
        return f"{self.change} · {self.user}"
