"""Status badges, service windows and SLA clocks: small pieces every terminal, ticket and work-order row shows.
Tags rather than included templates, because a list renders them fifty times a page (an include costs a template
render each time)."""

from django import template
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from acquirer.templatetags.choices import choice_label
from acquirer.templatetags.stamps import stamp_text

register = template.Library()

TERMINAL_CSS = {"active": "text-bg-success", "suspended": "text-bg-warning", "under_repair": "text-bg-danger",
                "retired": "text-bg-dark", "in_stock": "text-bg-secondary"}
WORK_ORDER_CSS = {"open": "text-bg-secondary", "assigned": "text-bg-info", "in_progress": "text-bg-warning",
                  "done": "text-bg-success"}


@register.simple_tag
def terminal_status(terminal):
    return format_html('<span class="badge {}" data-status="{}">{}</span>',
                       TERMINAL_CSS.get(terminal.status, "text-bg-info"), terminal.status,
                       choice_label(terminal, "status"))


@register.simple_tag
def work_order_status(work_order):
    return format_html('<span class="badge {}" data-status="{}">{}</span>',
                       WORK_ORDER_CSS.get(work_order.status, "text-bg-light border"), work_order.status,
                       choice_label(work_order, "status"))


@register.simple_tag
def work_order_window(work_order):
    start, end = work_order.window_start, work_order.window_end
    if not start:
        return format_html('<span class="text-muted">{}</span>', _("not scheduled"))
    start = timezone.localtime(start)
    end = timezone.localtime(end) if end else None
    if end is None:
        return format_html('<span class="text-nowrap">{}</span>–', stamp_text(start))
    return format_html('<span class="text-nowrap">{}</span>–<span class="text-nowrap">{}</span>',
                       stamp_text(start), f"{end:%H:%M}" if start.date() == end.date() else stamp_text(end))


@register.simple_tag
def sla_clock(clock, due_word=None):
    """``clock``: a ``terminals.services.sla.Clock``; ``due_word``: "Due" already translated (a list passes it
    once for all its rows)."""
    return mark_safe(f'<span class="badge {clock.css} sla-clock" data-state="{clock.state}" '
                     f'title="{escape(due_word or _("Due"))} {stamp_text(clock.due)}">{escape(clock.text)}</span>')
