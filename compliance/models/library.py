"""The regulatory library: frameworks (a regulation or a standard) with a tree of requirements, and the controls
that meet them (a procedure or a feature of this portal, optionally pointing at the live page that shows it)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from acquirer.models import User
from compliance.models.common import in_language


class Framework(models.Model):
    class Kind(models.TextChoices):
        REGULATION = "regulation", _("Regulation")
        STANDARD = "standard", _("Industry standard")
        NETWORK_RULE = "network_rule", _("Card network rule")
        INTERNAL = "internal", _("Internal policy")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.REGULATION)
    issuer = models.CharField(_("issuer"), max_length=200)
    version = models.CharField(_("version"), max_length=40, blank=True)
    effective_on = models.DateField(_("effective from"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("in force"), default=True)
    created_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        verbose_name = _("framework")
        verbose_name_plural = _("frameworks")
        ordering = ["code"]
        permissions = [("manage_library", "Can add frameworks, requirements and controls and import requirements"),
                       ("view_early_warning", "Can read the compliance early-warning page")]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return in_language(self.name_zh, self.name_en)


class Control(models.Model):
    """How an obligation is met: a written procedure or a feature of the portal. ``source`` names one of the live
    pages of ``compliance.sources`` (e.g. the security settings, the inspections list) where the control can be
    seen working."""

    class Kind(models.TextChoices):
        PROCEDURE = "procedure", _("Procedure")
        SYSTEM = "system", _("System feature")
        BOTH = "both", _("Procedure and system feature")

    class EvidenceKind(models.TextChoices):
        DOCUMENT = "document", _("Document")
        RECORD = "record", _("Record or log")
        REPORT = "report", _("Report")
        SCREENSHOT = "screenshot", _("Screenshot or configuration")
        ATTESTATION = "attestation", _("Signed attestation")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.PROCEDURE)
    description = models.TextField(_("how it works"), blank=True)
    evidence_kind = models.CharField(_("evidence expected"), max_length=12, choices=EvidenceKind.choices,
                                     default=EvidenceKind.DOCUMENT)
    source = models.CharField(_("live source in the portal"), max_length=40, blank=True)
    owner = models.ForeignKey(User, verbose_name=_("owner"), null=True, blank=True, on_delete=models.PROTECT,
                              related_name="compliance_controls")
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("control")
        verbose_name_plural = _("controls")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return in_language(self.name_zh, self.name_en)


class Requirement(models.Model):
    """One obligation of a framework, in our own words, in a tree (``parent``) ordered by ``order``."""

    class Applicability(models.TextChoices):
        APPLIES = "applies", _("Applies")
        PARTLY = "partly", _("Applies in part")
        NOT_APPLICABLE = "not_applicable", _("Does not apply")

    framework = models.ForeignKey(Framework, verbose_name=_("framework"), on_delete=models.PROTECT,
                                  related_name="requirements")
    parent = models.ForeignKey("self", verbose_name=_("part of"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    reference = models.CharField(_("reference"), max_length=60)
    title_zh = models.CharField(_("title (Chinese)"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300)
    text_zh = models.TextField(_("text (Chinese)"), blank=True)
    text_en = models.TextField(_("text (English)"), blank=True)
    applicability = models.CharField(_("applicability"), max_length=16, choices=Applicability.choices,
                                     default=Applicability.APPLIES)
    applicability_note = models.CharField(_("why (applicability)"), max_length=500, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    controls = models.ManyToManyField(Control, verbose_name=_("controls"), blank=True, related_name="requirements")

    class Meta:
        verbose_name = _("requirement")
        verbose_name_plural = _("requirements")
        ordering = ["framework", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "reference"], name="requirement_reference_unique"),
            models.CheckConstraint(condition=~Q(reference=""), name="requirement_reference_present"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def title(self) -> str:
        return in_language(self.title_zh, self.title_en)

    @property
    def text(self) -> str:
        return in_language(self.text_zh, self.text_en)
