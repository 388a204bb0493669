"""``{% filter_field field %}``: one field of a list's filter form — label, control, help text and errors — with
Bootstrap's classes (``small=True`` for the compact ``-sm`` controls).

Every list page shows its filter form above the rows. Rendered through widget templates (or crispy-forms), each
field costs a template render, and a form of seven fields cost a list more than its twenty-five rows; here a field
is one ``format_html``. Selects for choice fields, ``type="date"``/``"number"`` and the widget's own attributes
(``maxlength``, ``min``, ``placeholder``) otherwise; values are escaped as everywhere."""

from django import forms, template
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()


def _options(field, current: str):
    return format_html_join("", '<option value="{}"{}>{}</option>', (
        (value, mark_safe(" selected") if str(value) == current else "", label)
        for value, label in field.field.choices))


def _current(field) -> str:
    value = field.value()
    if value is None:
        return ""
    return str(field.field.widget.format_value(value) or "") if not isinstance(value, str) else value


@register.simple_tag
def filter_field(field, small: bool = False):
    """``field``: a bound field of a filter form."""
    widget, errors = field.field.widget, field.errors
    invalid = " is-invalid" if errors else ""
    size = "-sm" if small else ""
    current = _current(field)
    described = {"aria-describedby": f"{field.auto_id}_helptext"} if field.help_text else {}
    if errors:
        described["aria-invalid"] = "true"
    if isinstance(field.field, forms.ChoiceField):
        control = format_html('<select name="{}" id="{}" class="form-select form-select{}{}"{}>{}</select>',
                              field.html_name, field.auto_id, size, invalid, flatatt(described),
                              _options(field, current))
    else:
        attrs = {key: value for key, value in widget.attrs.items() if key not in ("class", "type")} | described
        kind = widget.attrs.get("type") or getattr(widget, "input_type", "text")
        control = format_html('<input type="{}" name="{}" id="{}" class="form-control form-control{}{}" value="{}"{}>',
                              kind, field.html_name, field.auto_id, size, invalid, current, flatatt(attrs))
    help_text = (format_html('<div id="{}_helptext" class="form-text">{}</div>', field.auto_id, field.help_text)
                 if field.help_text else "")
    error_text = format_html_join("", '<div class="invalid-feedback d-block">{}</div>', ((error,) for error in errors))
    label_class = "form-label small mb-0" if small else "form-label"
    return format_html('<label class="{}" for="{}">{}</label>{}{}{}', label_class, field.auto_id, field.label,
                       control, help_text, error_text)
