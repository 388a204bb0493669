"""Status badges, service windows and SLA clocks: small pieces every terminal, ticket and work-order row shows.
Tags rather than included templates, because a list renders them fifty times a page (an include costs a template
render each time)."""

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils.html import format_html
from django.utils.translation import gettext as _

from acquirer.templatetags.choices import choice_label

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
    same_day = date_filter(start, "Ymd") == date_filter(end, "Ymd")
    return format_html('<span class="text-nowrap">{}</span>–<span class="text-nowrap">{}</span>',
                       date_filter(start, "Y-m-d H:i"), date_filter(end, "H:i" if same_day else "Y-m-d H:i"))


@register.simple_tag
def sla_clock(clock):
    """``clock``: a ``terminals.services.sla.Clock``."""
    return format_html('<span class="badge {} sla-clock" data-state="{}" title="{} {}">{}</span>', clock.css,
                       clock.state, _("Due"), date_filter(clock.due, "Y-m-d H:i"), clock.text)
