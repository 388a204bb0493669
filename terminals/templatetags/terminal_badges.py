"""Status badges, service windows and SLA clocks: small pieces every terminal, ticket and work-order row shows.
Tags rather than included templates, because a list renders them fifty times a page (an include costs a template
render each time)."""

from html import escape

from django import template
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from acquirer.templatetags.choices import choice_label
from acquirer.templatetags.stamps import stamp_text

register = template.Library()

TERMINAL_CSS = {"active": "text-bg-success", "suspended": "text-bg-warning", "under_repair": "text-bg-danger",
                "retired": "text-bg-dark", "in_stock": "text-bg-secondary"}
WORK_ORDER_CSS = {"open": "text-bg-secondary", "assigned": "text-bg-info", "in_progress": "text-bg-warning",
                  "done": "text-bg-success"}


def text(value) -> str:
    """``value`` as HTML text, escaped as the template language escapes a variable (``html.escape``, without the
    lazy-string wrapper ``format_html`` pays on every argument: these run fifty times a page)."""
    return escape(str(value))


@register.simple_tag
def terminal_status(terminal):
    return mark_safe(f'<span class="badge {TERMINAL_CSS.get(terminal.status, "text-bg-info")}" '
                     f'data-status="{text(terminal.status)}">{text(choice_label(terminal, "status"))}</span>')


@register.simple_tag
def work_order_status(work_order):
    return mark_safe(f'<span class="badge {WORK_ORDER_CSS.get(work_order.status, "text-bg-light border")}" '
                     f'data-status="{text(work_order.status)}">{text(choice_label(work_order, "status"))}</span>')


@register.simple_tag
def work_order_window(work_order, not_scheduled=None):
    """The visit's window (the end's time alone on the same day); ``not_scheduled``: the words for no window,
    already translated (a list passes them once for all its rows)."""
    if not work_order.window_start:
        return mark_safe(f'<span class="text-muted">{text(not_scheduled or _("not scheduled"))}</span>')
    start = timezone.localtime(work_order.window_start)
    if not work_order.window_end:
        return mark_safe(f'<span class="text-nowrap">{stamp_text(start)}</span>–')
    end = timezone.localtime(work_order.window_end)
    end_text = f"{end:%H:%M}" if start.date() == end.date() else stamp_text(end)
    return mark_safe(f'<span class="text-nowrap">{stamp_text(start)}</span>–'
                     f'<span class="text-nowrap">{end_text}</span>')


@register.simple_tag
def sla_clock(clock, due_word=None):
    """``clock``: a ``terminals.services.sla.Clock``; ``due_word``: "Due" already translated (a list passes it
    once for all its rows)."""
    return mark_safe(f'<span class="badge {clock.css} sla-clock" data-state="{clock.state}" '
                     f'title="{text(due_word or _("Due"))} {stamp_text(clock.due)}">{text(clock.text)}</span>')
