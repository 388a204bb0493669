"""The rows of the ticket queue, the work-order board and the merchant's terminal list, written by a tag.

A list page is the base layout plus twenty-five rows; written by the template language, each row of these
lists cost ~240 µs (two dozen variables, each looked up, localised and escaped on its own), as much as the rest of
the page together. Here a row is one f-string in which every value is escaped (``text``) and the words are
translated once per page, not once per row. The markup is the one the templates had; the page tests read it."""

from django import template
from django.utils.formats import localize
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from acquirer.templatetags.choices import choice_label
from acquirer.templatetags.stamps import stamp_text
from terminals.templatetags.terminal_badges import (
    sla_clock,
    terminal_status,
    text,
    work_order_status,
    work_order_window,
)

register = template.Library()
WARNING = ' class="table-warning"'


def _body(rows: list[str], columns: int, empty: str):
    """The rows of a table body, or one row across its ``columns`` saying ``empty`` when there are none."""
    if not rows:
        return mark_safe(f'<tr><td colspan="{columns}" class="text-muted">{text(empty)}</td></tr>')
    return mark_safe("\n".join(rows))


@register.simple_tag
def ticket_rows(tickets, area: str):
    """The ticket table's rows; staff (``area`` other than ``portal``) also see the merchant and the assignee."""
    staff = area != "portal"
    escalated = f' <span class="badge text-bg-danger">{text(_("escalated"))}</span>'
    reopened, due = text(_("Reopened")), _("Due")
    rows = []
    for ticket in tickets:
        terminal = ticket.terminal
        badges = escalated if ticket.escalated_at else ""
        if ticket.reopen_count:
            badges += f' <span class="badge text-bg-secondary" title="{reopened}">↺{ticket.reopen_count}</span>'
        tid = f'<div class="small text-muted">TID {text(terminal.tid)}</div>' if terminal.tid else ""
        merchant = f"<td>{text(ticket.merchant.legal_name)}</td>\n" if staff else ""
        assignee = f"<td>{text(ticket.assignee.get_username() if ticket.assignee else '—')}</td>" if staff else ""
        rows.append(
            f'<tr data-ticket="{ticket.pk}" data-status="{text(ticket.status)}"'
            f'{WARNING if ticket.escalated_at else ""}>\n'
            f'<td class="text-nowrap"><a href="{text(ticket.detail_url)}">{text(ticket.number)}</a>{badges}</td>\n'
            f'{merchant}<td class="mono">{text(terminal.serial_number)}{tid}</td>\n'
            f'<td>{text(choice_label(ticket, "category"))}</td><td>{text(choice_label(ticket, "severity"))}</td>'
            f'<td>{text(choice_label(ticket, "status"))}</td>\n'
            f'<td class="text-nowrap">{stamp_text(ticket.raised_at)}</td>\n'
            f"<td>{sla_clock(ticket.response_clock, due)}</td>\n<td>{sla_clock(ticket.resolution_clock, due)}</td>\n"
            f"{assignee}</tr>")
    return _body(rows, 10, _("No tickets."))


@register.simple_tag
def work_order_rows(work_orders):
    """The work-order board's rows."""
    not_assigned = f'<span class="text-muted">{text(_("not assigned"))}</span>'
    not_scheduled = _("not scheduled")
    rows = []
    for order in work_orders:
        merchant, terminal = order.merchant, order.terminal
        mid = f'<br><span class="mono small text-muted">{text(merchant.mid)}</span>' if merchant.mid else ""
        if terminal is None:
            device = "—"
        else:
            device = text(terminal.serial_number) + (f" · {text(terminal.tid)}" if terminal.tid else "")
        engineer = text(order.engineer.get_username()) if order.engineer else not_assigned
        rows.append(
            f'<tr data-work-order="{order.pk}">\n'
            f'  <td class="mono text-nowrap"><a href="{text(order.detail_url)}">{text(order.number)}</a></td>\n'
            f"  <td>{text(choice_label(order, 'kind'))}</td>\n  <td>{work_order_status(order)}</td>\n"
            f"  <td>{text(merchant)}{mid}</td>\n  <td class=\"mono small\">{device}</td>\n"
            f"  <td class=\"small\">{text(order.address or '—')}</td>\n"
            f"  <td class=\"small\">{work_order_window(order, not_scheduled)}</td>\n  <td>{engineer}</td>\n"
            f"  <td class=\"mono small\">{text(order.ticket.number if order.ticket else '')}</td>\n</tr>")
    return _body(rows, 9, _("No work orders match."))


RENT_CSS = {"due": "text-bg-warning", "paid": "text-bg-success"}


@register.simple_tag
def portal_terminal_rows(terminals, rent: dict, searching: bool = False):
    """The merchant's terminal table: status, address, deposit, the contract's rent (``rent``: what
    ``merchant_rent_terms`` gives), the last charge, what is still due and the open tickets
    (``portal_terminal_money`` put the money on each terminal)."""
    rent_text = (f"{text(localize(rent['monthly_rent']))} {text(rent['currency'])}" if rent.get("contract")
                 else "—")
    rent_words = {"due": text(_("Due")), "paid": text(_("Paid"))}
    waived = text(_("Waived"))
    rows = []
    for terminal in terminals:
        last = "—"
        if terminal.last_rent_month:
            status = terminal.last_rent_status
            css = RENT_CSS.get(status, "text-bg-secondary")
            last = (f"{terminal.last_rent_month:%Y-%m}: {text(localize(terminal.last_rent_amount))} "
                    f'{text(terminal.last_rent_currency)} <span class="badge {css}" data-rent-status="{text(status)}">'
                    f"{rent_words.get(status, waived)}</span>")
        due = "—"
        if terminal.rent_due_count:
            words = ngettext("%(total)s (%(n)s month)", "%(total)s (%(n)s months)", terminal.rent_due_count) % {
                "total": localize(terminal.rent_due_total), "n": terminal.rent_due_count}
            due = f'<span class="text-danger" data-rent-due="{terminal.rent_due_count}">{text(words)}</span>'
        rows.append(
            f'<tr data-terminal="{terminal.pk}"><td class="mono"><a href="{text(terminal.detail_url)}">'
            f"{text(terminal.serial_number)}</a></td><td>{text(terminal.model)}</td>"
            f'<td class="mono">{text(terminal.tid or "—")}</td>\n<td>{terminal_status(terminal)}</td>'
            f"<td>{text(terminal.install_address or '—')}</td>"
            f"<td>{text(choice_label(terminal, 'deposit_state'))}</td>\n"
            f"<td>{rent_text}</td>\n<td>{last}</td>\n<td>{due}</td>\n"
            f'<td data-open-tickets="{terminal.open_ticket_count}">{terminal.open_ticket_count}</td></tr>')
    return _body(rows, 10, _("No terminals.") if searching else _("You have no terminals yet."))
