"""``{{ obj|display:"field" }}``: the label of a choice field in the reader's language, like
``obj.get_field_display`` but from a table made once per model field and language — Django's own method rebuilds
and translates every choice on every call, which a list of fifty rows pays hundreds of times."""

from django import template
from django.utils.translation import get_language

register = template.Library()
_LABELS: dict[tuple, dict] = {}


def choice_label(obj, field_name: str) -> str:
    key = (type(obj), field_name, get_language())
    labels = _LABELS.get(key)
    if labels is None:
        field = type(obj)._meta.get_field(field_name)
        labels = _LABELS[key] = {value: str(label) for value, label in field.flatchoices}
    value = getattr(obj, field_name)
    return labels.get(value, value)


@register.filter
def display(obj, field_name: str) -> str:
    return choice_label(obj, field_name)
