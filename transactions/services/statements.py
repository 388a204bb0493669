"""Merchant statements for a month or a day range: a CSV (the period's transactions written by PostgreSQL's COPY,
then the settlement batches) and a PDF with Chinese text (reportlab's built-in CID font, as the contract PDF).
What a statement shows is in docs/transactions.md; every download is recorded in the audit trail."""

import csv
import io
from collections.abc import Iterator
from datetime import date
from xml.sax.saxutils import escape

from django.core.exceptions import EmptyResultSet
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from acquirer import audit, exports
from transactions.selectors.settlement import Statement, statement_get, statement_transactions, unsettled_total

FONT = "STSong-Light"
BATCH_HEADER = ["payout_reference", "transaction_date", "payout_date", "status", "transactions", "sales", "refunds",
                "fees", "net", "held", "released", "payout", "account", "hold_reason"]


def money(minor: int) -> str:
    """Minor units as yuan with two decimals: -1234 -> ``-12.34`` (no float anywhere)."""
    sign = "-" if minor < 0 else ""
    return f"{sign}{abs(minor) // 100:,}.{abs(minor) % 100:02d}"


def released_total(statement: Statement) -> int:
    """What released risk holds paid back with the period's batches (money kept back earlier)."""
    return sum(batch.released_minor for batch in statement.batches)


def _record(actor, statement: Statement, fmt: str) -> None:
    with transaction.atomic():
        audit.record("settlement.statement_downloaded", actor=actor, merchant_id=statement.merchant.pk,
                     target=statement.merchant,
                     data={"period": f"{statement.first:%Y-%m-%d} – {statement.last:%Y-%m-%d}", "format": fmt})


def statement_filename(statement: Statement, fmt: str) -> str:
    return f"statement-{statement.merchant.mid or statement.merchant.pk}-{statement.first:%Y%m%d}-" \
           f"{statement.last:%Y%m%d}.{fmt}"


def statement_csv(*, actor, merchant, first: date, last: date) -> tuple[Statement, Iterator[bytes]]:
    """The statement and its CSV as blocks of bytes: the transactions of the period (COPY, constant memory),
    a blank line, then the batches and a totals line. The download is audited now."""
    from transactions.exports import columns

    statement = statement_get(actor=actor, merchant=merchant, first=first, last=last)
    rows = statement_transactions(actor=actor, merchant_id=merchant.pk, first=first, last=last)
    names = [name for name, _expression in columns()]
    cells = rows.values(**{f"c{index}": exports.Cell(expression) for index, (_n, expression) in enumerate(columns())})
    try:
        sql, params = cells.query.get_compiler(using=cells.db).as_sql()
        query = exports.CopyQuery(sql, tuple(params), cells.db)
    except EmptyResultSet:
        query = exports.CopyQuery(None, (), cells.db)
    _record(actor, statement, "csv")

    def blocks():
        yield exports.header_line(names)
        for block, _count in exports.copy_blocks(query):
            yield block
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow([])
        writer.writerow(BATCH_HEADER)
        for batch in statement.batches:
            writer.writerow([batch.payout_reference, batch.settlement_date.isoformat(), batch.payout_date.isoformat(),
                             batch.status, batch.transactions, money(batch.sales_minor).replace(",", ""),
                             money(batch.refunds_minor).replace(",", ""), money(batch.fees_minor).replace(",", ""),
                             money(batch.net_minor).replace(",", ""), money(batch.held_minor).replace(",", ""),
                             money(batch.released_minor).replace(",", ""),
                             money(batch.payout_minor).replace(",", ""), batch.account_masked,
                             exports.safe_cell(batch.hold_reason)])
        totals = statement.totals
        writer.writerow(["total", "", "", "", totals["transactions"]]
                        + [money(totals[key]).replace(",", "") for key in ("sales", "refunds", "fees", "net", "held")]
                        + [money(released_total(statement)).replace(",", "")]
                        + [money(totals["paid"] + totals["to_pay"]).replace(",", ""), "", ""])
        yield buffer.getvalue().encode("utf-8")

    return statement, blocks()


def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def statement_pdf(*, actor, merchant, first: date, last: date) -> tuple[Statement, bytes]:
    """The statement as a PDF: the merchant, the period, the totals (gross sales, refunds, fees, held with the
    reasons the merchant may read, net, paid and to be paid) and one line per batch. Audited."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    statement = statement_get(actor=actor, merchant=merchant, first=first, last=last)
    unsettled = unsettled_total(actor=actor, merchant_id=merchant.pk, first=first, last=last)
    font = _font()
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=13, wordWrap="CJK")
    title = ParagraphStyle("title", parent=body, fontSize=14, leading=20)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                                 bottomMargin=15 * mm, title=f"{merchant.legal_name} {first:%Y-%m-%d}",
                                 author="Acquirer", subject="Merchant statement")
    totals = statement.totals
    story = [
        Paragraph(escape(f"商户结算对账单 / Merchant statement — {merchant.legal_name}"), title),
        Paragraph(escape(f"商户编号 MID: {merchant.mid or '—'}    期间 Period: {first:%Y-%m-%d} – {last:%Y-%m-%d}"),
                  body),
        Paragraph(escape(f"生成时间 Generated: {timezone.localtime():%Y-%m-%d %H:%M}"), body),
        Spacer(1, 6),
    ]
    lines = [
        ["交易笔数 Transactions", str(totals["transactions"])],
        ["交易金额 Gross sales", money(totals["sales"])],
        ["退款 Refunds", money(totals["refunds"])],
        ["手续费 Fees", money(totals["fees"])],
        ["暂缓 Held", money(totals["held"])],
        ["解除暂缓付回 Released from holds", money(released_total(statement))],
        ["净额 Net", money(totals["net"])],
        ["已付/付款中 Paid or in payment", money(totals["paid"])],
        ["待付 To be paid", money(totals["to_pay"])],
        ["待抵扣（负净额）Carried (negative net)", money(totals["carried"])],
        ["未结算 Not yet settled", money(unsettled)],
    ]
    table_style = TableStyle([("FONT", (0, 0), (-1, -1), font, 9), ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                              ("GRID", (0, 0), (-1, -1), 0.25, colors.grey)])
    story.append(Table(lines, colWidths=[80 * mm, 50 * mm], style=table_style))
    if statement.hold_reasons:
        story.append(Spacer(1, 6))
        story.append(Paragraph(escape("暂缓原因 Hold reasons: " + "; ".join(statement.hold_reasons)), body))
    story.append(Spacer(1, 8))
    rows = [["付款参考 Reference", "交易日 Date", "付款日 Payout", "净额 Net", "暂缓 Held", "付回 Released",
             "付款 Payout", "状态 Status"]]
    for batch in statement.batches:
        rows.append([batch.payout_reference, f"{batch.settlement_date:%Y-%m-%d}", f"{batch.payout_date:%Y-%m-%d}",
                     money(batch.net_minor), money(batch.held_minor), money(batch.released_minor),
                     money(batch.payout_minor), str(batch.get_status_display())])
    if len(rows) == 1:
        rows.append([_("No settlement in this period."), "", "", "", "", "", "", ""])
    story.append(Table(rows, repeatRows=1, style=TableStyle([
        ("FONT", (0, 0), (-1, -1), font, 7.5), ("ALIGN", (3, 1), (6, -1), "RIGHT"),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey), ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke)])))
    document.build(story)
    _record(actor, statement, "pdf")
    return statement, buffer.getvalue()
