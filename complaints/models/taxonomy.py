"""What staff configure: the complaint taxonomy, root causes, SLA policies and canned responses."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from acquirer.models import User
from complaints.models.common import Bilingual, Channel, Priority, in_language


class Category(Bilingual):
    """A complaint category (``parent`` empty) or one of its subcategories (one level deep)."""

    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                               verbose_name=_("category"))
    # a category whose complaints are about a broken terminal: the complaint page offers a fault ticket
    terminal_fault = models.BooleanField(_("about a terminal fault"), default=False)

    SHARED_WITH_MERCHANTS = {"active": True}  # the portal's complaint form offers them

    class Meta(Bilingual.Meta):
        verbose_name = _("complaint category")
        verbose_name_plural = _("complaint categories")
        permissions = [("manage_complaint_settings",
                        "Can edit the complaint taxonomy, SLA policies and canned responses")]
        constraints = [models.CheckConstraint(condition=~Q(parent=models.F("id")), name="category_not_own_parent")]


class RootCause(Bilingual):
    """Why a complaint happened, recorded when it is resolved."""

    class Meta(Bilingual.Meta):
        verbose_name = _("root cause")
        verbose_name_plural = _("root causes")


class SlaPolicy(models.Model):
    """Targets in working hours for complaints of a category × priority × channel. An empty field matches any
    value; the most specific active policy wins (category, then priority, then channel)."""

    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("category"), limit_choices_to={"parent__isnull": True})
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, blank=True)
    first_response_hours = models.PositiveIntegerField(_("first response within (working hours)"))
    resolution_hours = models.PositiveIntegerField(_("resolution within (working hours)"))
    active = models.BooleanField(_("in use"), default=True)
    changed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["category_id", "priority", "channel", "id"]
        constraints = [
            models.UniqueConstraint(fields=["category", "priority", "channel"], condition=Q(active=True),
                                    nulls_distinct=False, name="slapolicy_one_active"),
            models.CheckConstraint(condition=Q(first_response_hours__gt=0) & Q(resolution_hours__gt=0)
                                   & Q(first_response_hours__lte=models.F("resolution_hours")),
                                   name="slapolicy_hours_valid"),
        ]

    def __str__(self) -> str:
        parts = [str(self.category) if self.category_id else str(_("any category")),
                 self.get_priority_display() if self.priority else str(_("any priority")),
                 self.get_channel_display() if self.channel else str(_("any channel"))]
        return " · ".join(parts)


class CannedResponse(models.Model):
    """A reply staff start from, in both languages; the complaint's language picks the text."""

    title = models.CharField(_("title"), max_length=120)
    body_zh = models.TextField(_("text (Chinese)"))
    body_en = models.TextField(_("text (English)"))
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("category"))
    active = models.BooleanField(_("in use"), default=True)
    changed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("canned response")
        verbose_name_plural = _("canned responses")
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title

    def body(self, language: str | None = None) -> str:
        return in_language(self.body_zh, self.body_en, language)
