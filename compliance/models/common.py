"""Small pieces the compliance models share."""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def in_language(zh: str, en: str, language: str | None = None) -> str:
    """The text in ``language`` (the active one by default), the other when it is empty."""
    language = (language or get_language() or "zh-hans").lower()
    first, second = (zh, en) if language.startswith("zh") else (en, zh)
    return first or second


class Severity(models.TextChoices):
    CRITICAL = "critical", _("Critical")
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class Frequency(models.TextChoices):
    ONCE = "once", _("Once")
    QUARTERLY = "quarterly", _("Every quarter")
    HALF_YEARLY = "half_yearly", _("Every six months")
    ANNUAL = "annual", _("Every year")
