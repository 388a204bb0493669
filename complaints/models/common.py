"""Small pieces the complaint models share."""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Priority(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    HIGH = "high", _("High")
    NORMAL = "normal", _("Normal")
    LOW = "low", _("Low")


class Channel(models.TextChoices):
    HOTLINE = "hotline", _("Hotline")
    PORTAL = "portal", _("Merchant portal")
    EMAIL = "email", _("E-mail")
    IN_PERSON = "in_person", _("In person")
    REGULATOR = "regulator", _("Forwarded by the regulator")
    NETWORK = "network", _("Forwarded by the card network")


FORWARDED = frozenset({Channel.REGULATOR, Channel.NETWORK})


class Language(models.TextChoices):
    ZH = "zh-hans", _("Simplified Chinese")
    EN = "en", _("English")


def in_language(zh: str, en: str, language: str | None = None) -> str:
    """The text in ``language`` (the active one by default), the other when it is empty."""
    language = (language or get_language() or "zh-hans").lower()
    first, second = (zh, en) if language.startswith("zh") else (en, zh)
    return first or second


class Bilingual(models.Model):
    """A staff-edited name in both languages (taxonomy entries)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    active = models.BooleanField(_("in use"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        abstract = True
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return in_language(self.name_zh, self.name_en)
