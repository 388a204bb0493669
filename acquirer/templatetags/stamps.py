"""``{{ moment|stamp }}``: a date or time as people read it in lists — ``2026-11-30 17:05`` in local time
(``stamp:"second"`` adds the seconds, ``stamp:"day"`` gives the date alone); nothing for None.

The same text as ``|date:"Y-m-d H:i"``, without Django's general date formatter, which costs a list of fifty rows
with three times each more than the rest of the row."""

from datetime import date, datetime

from django import template
from django.utils import timezone

register = template.Library()
FORMATS = {"minute": "%Y-%m-%d %H:%M", "second": "%Y-%m-%d %H:%M:%S", "day": "%Y-%m-%d"}


def stamp_text(value, precision: str = "minute") -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime(FORMATS[precision])
    if isinstance(value, date):
        return value.strftime(FORMATS["day"])
    return ""


@register.filter
def stamp(value, precision: str = "minute") -> str:
    return stamp_text(value, precision)
