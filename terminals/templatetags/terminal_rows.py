"""The rows of the ticket queue and the work-order board, written by a tag.

A list page is the base layout plus twenty-five rows; written by the template language, each row of these
lists cost ~240 µs (two dozen variables, each looked up, localised and escaped on its own), as much as the rest of
the page together. Here a row is one ``format_html`` (every value still escaped) and the words are translated
once per page, not once per row. The markup is the one the templates had; the page tests read it."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from acquirer.templatetags.choices import choice_label
from acquirer.templatetags.stamps import stamp_text
from terminals.templatetags.terminal_badges import sla_clock, work_order_status, work_order_window

register = template.Library()


@register.simple_tag
def ticket_rows(tickets, area: str):
    """The ticket table's rows; staff (``area`` other than ``portal``) also see the merchant and the assignee."""
    staff = area != "portal"
    escalated, reopened = _("escalated"), _("Reopened")
    rows = []
    for ticket in tickets:
        badges = format_html(' <span class="badge text-bg-danger">{}</span>', escalated) if ticket.escalated_at else ""
        if ticket.reopen_count:
            badges += format_html(' <span class="badge text-bg-secondary" title="{}">↺{}</span>', reopened,
                                  ticket.reopen_count)
        terminal = ticket.terminal
        tid = format_html('<div class="small text-muted">TID {}</div>', terminal.tid) if terminal.tid else ""
        rows.append(format_html(
            '<tr data-ticket="{}" data-status="{}"{}>\n<td class="text-nowrap"><a href="{}">{}</a>{}</td>\n{}'
            '<td class="mono">{}{}</td>\n<td>{}</td><td>{}</td><td>{}</td>\n<td class="text-nowrap">{}</td>\n'
            '<td>{}</td>\n<td>{}</td>\n{}</tr>',
            ticket.pk, ticket.status, mark_safe(' class="table-warning"') if ticket.escalated_at else "",
            ticket.detail_url, ticket.number, badges,
            format_html("<td>{}</td>\n", ticket.merchant.legal_name) if staff else "",
            terminal.serial_number, tid,
            choice_label(ticket, "category"), choice_label(ticket, "severity"), choice_label(ticket, "status"),
            stamp_text(ticket.raised_at), sla_clock(ticket.response_clock), sla_clock(ticket.resolution_clock),
            format_html("<td>{}</td>", ticket.assignee.get_username() if ticket.assignee else "—") if staff else ""))
    if not rows:
        return format_html('<tr><td colspan="10" class="text-muted">{}</td></tr>', _("No tickets."))
    return mark_safe("\n".join(rows))


@register.simple_tag
def work_order_rows(work_orders):
    """The work-order board's rows."""
    not_assigned = format_html('<span class="text-muted">{}</span>', _("not assigned"))
    rows = []
    for order in work_orders:
        merchant, terminal = order.merchant, order.terminal
        mid = format_html('<br><span class="mono small text-muted">{}</span>', merchant.mid) if merchant.mid else ""
        if terminal is None:
            device = "—"
        elif terminal.tid:
            device = format_html("{} · {}", terminal.serial_number, terminal.tid)
        else:
            device = terminal.serial_number
        rows.append(format_html(
            '<tr data-work-order="{}">\n  <td class="mono text-nowrap"><a href="{}">{}</a></td>\n  <td>{}</td>\n'
            '  <td>{}</td>\n  <td>{}{}</td>\n  <td class="mono small">{}</td>\n  <td class="small">{}</td>\n'
            '  <td class="small">{}</td>\n  <td>{}</td>\n  <td class="mono small">{}</td>\n</tr>',
            order.pk, order.detail_url, order.number, choice_label(order, "kind"), work_order_status(order),
            merchant, mid, device, order.address or "—", work_order_window(order),
            order.engineer.get_username() if order.engineer else not_assigned,
            order.ticket.number if order.ticket else ""))
    if not rows:
        return format_html('<tr><td colspan="9" class="text-muted">{}</td></tr>', _("No work orders match."))
    return mark_safe("\n".join(rows))

