"""``{% load audit_text %}`` — ``events|described``: audit events as sentences (``acquirer.audit_text``)."""

from django import template
from django.template.defaultfilters import truncatechars
from django.utils.html import format_html, format_html_join

from acquirer.audit_text import describe_all

register = template.Library()


@register.filter
def described(events):
    return describe_all(events or [])


@register.filter
def humane(value):
    """A value as a person reads it (local times, labels, lists and mappings without brackets)."""
    from acquirer.audit_text import show

    return show(value)


@register.filter
def seconds_text(value):
    """A duration (timedelta or seconds) as "0.3 s" / "0.3 秒"; minutes past 90 s."""
    from django.utils.translation import gettext as _

    if value in (None, ""):
        return ""
    seconds = value.total_seconds() if hasattr(value, "total_seconds") else float(value)
    if seconds >= 90:
        return _("%(minutes).1f min") % {"minutes": seconds / 60}
    return _("%(seconds).1f s") % {"seconds": seconds}


@register.filter
def job_title(name):
    """A scheduled job's title in the reader's language."""
    from acquirer.schedule import job_title as title

    return title(name)


@register.filter
def role_name(code):
    """A role (group) name as people read it: "operations_manager" -> "Operations manager" / "运营经理"."""
    from acquirer.audit_text import role_name as name

    return name(str(code))


@register.simple_tag(takes_context=True)
def event_changes(context, event, recorded_label=""):
    """One described event's changed fields and details, and for an auditor the data as recorded (under
    ``recorded_label``). A tag, not an included template: the audit trail shows it on every row."""
    parts = []
    if event.changes:
        parts.append(format_html('<ul class="list-unstyled mb-0">{}</ul>', format_html_join(
            "", '<li><span class="text-muted">{}:</span> {} → {}</li>', event.changes)))
    if event.details:
        parts.append(format_html('<ul class="list-unstyled mb-0 text-break">{}</ul>', format_html_join(
            "", '<li><span class="text-muted">{}:</span> {}</li>',
            ((label, truncatechars(value, 120)) for label, value in event.details))))
    user = getattr(context.get("request"), "user", None)
    if event.raw and getattr(user, "kind", None) == "auditor":
        parts.append(format_html('<details class="mt-1"><summary class="small">{}</summary>'
                                 '<pre class="small mb-0 text-break">{}</pre></details>', recorded_label, event.raw))
    return format_html_join("\n", "{}", ((part,) for part in parts))
