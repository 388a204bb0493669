"""Checklists and assessments: a template lists requirements; an assessment (a quarterly self-assessment, the
annual PCI DSS assessment) answers each of them for a period, item by item, with evidence beside each item, and is
signed off by a reviewer who answered none of the items. Templates with a frequency are run again by the
scheduled job ``compliance.recurring_assessments``."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from acquirer.models import User
from compliance.models.common import Frequency
from compliance.models.library import Control, Framework, Requirement


class ChecklistTemplate(models.Model):
    class Kind(models.TextChoices):
        SELF_ASSESSMENT = "self", _("Self-assessment")
        PCI_ANNUAL = "pci_annual", _("Annual PCI DSS assessment")
        INTERNAL_AUDIT = "internal_audit", _("Internal audit")
        OTHER = "other", _("Other")

    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.SELF_ASSESSMENT)
    framework = models.ForeignKey(Framework, verbose_name=_("framework"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="templates")
    requirements = models.ManyToManyField(Requirement, verbose_name=_("requirements"), related_name="templates")
    frequency = models.CharField(_("frequency"), max_length=12, choices=Frequency.choices, default=Frequency.ONCE)
    scope = models.TextField(_("scope"), blank=True)
    default_assignee = models.ForeignKey(User, verbose_name=_("default assignee"), null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="+")
    days_to_complete = models.PositiveSmallIntegerField(_("working days to complete"), default=20)
    active = models.BooleanField(_("in use"), default=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")
        ordering = ["name_en", "id"]

    def __str__(self) -> str:
        from compliance.models.common import in_language

        return in_language(self.name_zh, self.name_en)


class Assessment(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_REVIEW = "in_review", _("Awaiting sign-off")
        SIGNED_OFF = "signed_off", _("Signed off")
        CANCELLED = "cancelled", _("Cancelled")

    template = models.ForeignKey(ChecklistTemplate, verbose_name=_("checklist"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="assessments")
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=ChecklistTemplate.Kind.choices,
                            default=ChecklistTemplate.Kind.SELF_ASSESSMENT)
    scope = models.TextField(_("scope"), blank=True)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    due_on = models.DateField(_("due"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    reviewer = models.ForeignKey(User, verbose_name=_("reviewer"), null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    signed_off_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    signed_off_at = models.DateTimeField(_("signed off"), null=True, blank=True)
    sign_off_note = models.TextField(_("sign-off note"), blank=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    status_changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-period_start", "-id"]
        permissions = [("run_assessment", "Can start, assign and sign off assessments"),
                       ("answer_assessment", "Can answer the assessment items assigned to them")]
        constraints = [
            # the recurring job creates one assessment per template and period, however often it runs
            models.UniqueConstraint(fields=["template", "period_start"], condition=Q(template__isnull=False),
                                    name="assessment_template_period_unique"),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")),
                                   name="assessment_period_ordered"),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="assessment_status_due")]

    def __str__(self) -> str:
        return self.title


class AssessmentItem(models.Model):
    class Status(models.TextChoices):
        TODO = "todo", _("To do")
        IN_PROGRESS = "in_progress", _("In progress")
        IN_REVIEW = "in_review", _("In review")
        DONE = "done", _("Done")

    class Result(models.TextChoices):
        COMPLIANT = "compliant", _("Compliant")
        PARTIAL = "partial", _("Partially compliant")
        NON_COMPLIANT = "non_compliant", _("Non-compliant")
        NOT_APPLICABLE = "not_applicable", _("Not applicable")

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="items")
    requirement = models.ForeignKey(Requirement, verbose_name=_("requirement"), on_delete=models.PROTECT,
                                    related_name="assessment_items")
    assignee = models.ForeignKey(User, verbose_name=_("assignee"), null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="compliance_items")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.TODO)
    result = models.CharField(_("result"), max_length=16, choices=Result.choices, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    answered_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("assessment item")
        verbose_name_plural = _("assessment items")
        ordering = ["assessment", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "requirement"], name="assessment_item_unique"),
            models.CheckConstraint(condition=Q(status="done", result__in=["compliant", "partial", "non_compliant",
                                                                         "not_applicable"]) | ~Q(status="done"),
                                   name="assessment_item_done_has_result"),
        ]
        indexes = [models.Index(fields=["assignee", "status"], name="assessment_item_assignee")]

    def __str__(self) -> str:
        return f"{self.assessment} · {self.requirement.reference}"


class Evidence(models.Model):
    """A file (stored encrypted through ``acquirer.files``) or a link that proves a control works, shown beside the
    assessment item, finding or control it is attached to (exactly one of them). ``expires_on`` is when it stops
    proving anything (a certificate, a yearly scan); the early-warning page counts what expires within 30 days."""

    class Kind(models.TextChoices):
        FILE = "file", _("File")
        LINK = "link", _("Link")

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=4, choices=Kind.choices)
    stored_name = models.CharField(max_length=200, blank=True)
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    url = models.URLField(_("link"), max_length=500, blank=True)
    owner = models.ForeignKey(User, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+")
    expires_on = models.DateField(_("valid until"), null=True, blank=True)
    item = models.ForeignKey(AssessmentItem, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="evidence")
    finding = models.ForeignKey("compliance.Finding", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="evidence")
    control = models.ForeignKey(Control, null=True, blank=True, on_delete=models.PROTECT, related_name="evidence")
    added_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(_("added"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["-added_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=(Q(kind="file") & ~Q(stored_name="") & Q(url=""))
                                   | (Q(kind="link") & Q(stored_name="") & ~Q(url="")),
                                   name="evidence_file_or_link"),
            models.CheckConstraint(
                condition=(Q(item__isnull=False, finding__isnull=True, control__isnull=True)
                           | Q(item__isnull=True, finding__isnull=False, control__isnull=True)
                           | Q(item__isnull=True, finding__isnull=True, control__isnull=False)),
                name="evidence_attached_once"),
        ]
        indexes = [models.Index(fields=["expires_on"], name="evidence_expiry",
                                condition=Q(withdrawn_at__isnull=True, expires_on__isnull=False))]

    def __str__(self) -> str:
        return self.title
