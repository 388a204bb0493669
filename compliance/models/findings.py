"""Findings and their rectification (整改), and the regulator's inspections that raise many of them.

A finding moves identified → confirmed → in progress → remediated → verified → closed (``compliance.workflow``);
it may instead be risk-accepted by an approver until a date. The owner remediates; someone else verifies.
Reminders go a week and a day (working days) before the due date and an overdue finding is escalated, each once
per due date (``FindingReminder`` is unique), so the job may run any number of times."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from acquirer.models import User
from compliance.models.assessments import AssessmentItem
from compliance.models.common import Severity
from compliance.models.library import Requirement


class Inspection(models.Model):
    class Status(models.TextChoices):
        ANNOUNCED = "announced", _("Announced")
        ON_SITE = "on_site", _("Under way")
        AWAITING_REPORT = "awaiting_report", _("Rectification report due")
        REPORT_SUBMITTED = "report_submitted", _("Rectification report submitted")
        CLOSED = "closed", _("Closed")

    authority = models.CharField(_("authority"), max_length=200)
    title = models.CharField(_("title"), max_length=200)
    reference = models.CharField(_("authority's reference"), max_length=100, blank=True)
    scope = models.TextField(_("scope"))
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ANNOUNCED)
    report_due_on = models.DateField(_("rectification report due"), null=True, blank=True)
    report_submitted_on = models.DateField(_("rectification report submitted"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("regulator inspection")
        verbose_name_plural = _("regulator inspections")
        ordering = ["-starts_on", "-id"]
        permissions = [("manage_inspection", "Can record regulator inspections and their documents")]
        constraints = [models.CheckConstraint(condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                                              name="inspection_dates_ordered")]

    def __str__(self) -> str:
        return self.title


class InspectionDocument(models.Model):
    """A document the inspectors asked for and, once provided, the file handed over (stored encrypted; every
    download is audited)."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("document requested"), max_length=200)
    requested_on = models.DateField(_("requested"))
    due_on = models.DateField(_("due"), null=True, blank=True)
    stored_name = models.CharField(max_length=200, blank=True)
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    provided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    provided_at = models.DateTimeField(_("provided"), null=True, blank=True)

    class Meta:
        verbose_name = _("inspection document")
        verbose_name_plural = _("inspection documents")
        ordering = ["inspection", "requested_on", "id"]

    def __str__(self) -> str:
        return self.title


class Finding(models.Model):
    class Source(models.TextChoices):
        ASSESSMENT = "assessment", _("Assessment")
        INSPECTION = "inspection", _("Regulator inspection")
        INTERNAL_AUDIT = "internal_audit", _("Internal audit")
        INCIDENT = "incident", _("Incident")

    class Status(models.TextChoices):
        IDENTIFIED = "identified", _("Identified")
        CONFIRMED = "confirmed", _("Confirmed")
        IN_PROGRESS = "in_progress", _("Being rectified")
        REMEDIATED = "remediated", _("Rectified, awaiting verification")
        VERIFIED = "verified", _("Verified")
        CLOSED = "closed", _("Closed")
        RISK_ACCEPTED = "risk_accepted", _("Risk accepted")

    reference = models.CharField(_("reference"), max_length=20, unique=True)  # F-2026-0001, set by the service
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices)
    status = models.CharField(_("status"), max_length=14, choices=Status.choices, default=Status.IDENTIFIED)
    requirement = models.ForeignKey(Requirement, verbose_name=_("requirement"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="findings")
    assessment_item = models.ForeignKey(AssessmentItem, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="findings")
    inspection = models.ForeignKey(Inspection, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="findings")
    owner = models.ForeignKey(User, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(_("due"))
    remediation = models.TextField(_("what was done"), blank=True)
    remediated_at = models.DateTimeField(_("rectified"), null=True, blank=True)
    verified_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    verification_note = models.TextField(_("verification note"), blank=True)
    risk_approver = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    risk_reason = models.TextField(_("why the risk is accepted"), blank=True)
    risk_accepted_until = models.DateField(_("risk accepted until"), null=True, blank=True)
    raised_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(_("raised"), default=timezone.now)
    status_changed_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    OPEN = ("identified", "confirmed", "in_progress", "remediated")

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["due_on", "id"]
        permissions = [("manage_finding", "Can raise, confirm, verify and close findings"),
                       ("remediate_finding", "Can rectify the findings they own"),
                       ("accept_risk", "Can accept the risk of a finding")]
        constraints = [
            models.CheckConstraint(condition=~Q(status="risk_accepted")
                                   | Q(risk_approver__isnull=False, risk_accepted_until__isnull=False),
                                   name="finding_risk_acceptance_complete"),
            models.CheckConstraint(condition=~Q(status__in=["verified", "closed"]) | Q(verified_by__isnull=False),
                                   name="finding_verified_by_someone"),
            models.CheckConstraint(condition=Q(verified_by__isnull=True) | ~Q(verified_by=models.F("owner")),
                                   name="finding_verifier_not_owner"),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="finding_status_due"),
                   models.Index(fields=["owner", "status"], name="finding_owner_status")]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class FindingReminder(models.Model):
    """One reminder or escalation sent for a finding's due date; unique, so the job never sends it twice (a new
    due date gets its own reminders)."""

    class Kind(models.TextChoices):
        WEEK = "week", _("A week before the due date")
        DAY = "day", _("A day before the due date")
        OVERDUE = "overdue", _("Overdue: escalated")

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    due_on = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["finding", "kind", "due_on"], name="finding_reminder_once")]

    def __str__(self) -> str:
        return f"{self.finding_id} {self.kind} {self.due_on}"
