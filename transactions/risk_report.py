"""The suspicious-transaction report of a risk case, as PDF (reportlab with the built-in CID font STSong-Light, as the
statement and the contract: Chinese renders without a font file) and XLSX (openpyxl): the case facts, the linked
transactions with masked cards (BIN, stars, last four; never a token) and amounts in yuan from minor units, and the
evidence index (notes with their text, files with name and SHA-256, linked rows; who and when). Internal: staff
who report and auditors download it (``report_download``); merchants never do."""

import io
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from acquirer import audit, files, policy
from acquirer.exceptions import DomainError, NotPermitted
from transactions.cards import masked
from transactions.case_policy import REPORT_DOWNLOAD, REPORT_READ
from transactions.models import RiskAlert, RiskCase, RiskEvidence

FONT = "STSong-Light"
MAX_ROWS = 2000  # linked transactions listed (alerts keep at most 200 each)
TRANSACTION_HEADER = ["日期 Date", "编号 No.", "时间 Time", "终端 TID", "类型 Type", "卡号 Card", "金额 Amount",
                      "币种 Currency", "状态 Status", "参考号 RRN"]
EVIDENCE_HEADER = ["类型 Kind", "文件/交易 File or row", "SHA-256", "添加人 By", "时间 When", "内容 Note"]


def money(minor: int) -> str:
    """Minor units as yuan with two decimals: -1234 -> ``-12.34`` (no float anywhere)."""
    sign = "-" if minor < 0 else ""
    return f"{sign}{abs(minor) // 100:,}.{abs(minor) % 100:02d}"


@dataclass
class ReportData:
    case: RiskCase
    facts: list = field(default_factory=list)  # [(label, value)]
    transactions: list = field(default_factory=list)  # rows as TRANSACTION_HEADER
    evidence: list = field(default_factory=list)  # rows as EVIDENCE_HEADER
    total_minor: int = 0


def _when(moment) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}" if moment else ""


def _who(user) -> str:
    return user.get_username() if user else _("system")


def _pairs(case: RiskCase) -> list[tuple]:
    pairs = []
    for linked in RiskAlert.objects.filter(case=case).values_list("linked", flat=True):
        pairs += [(str(item[0]), int(item[1])) for item in linked or ()]
    pairs += [(f"{day:%Y-%m-%d}", number) for day, number in case.evidence.filter(
        kind=RiskEvidence.Kind.TRANSACTION).values_list("transaction_date", "transaction_id")]
    return list(dict.fromkeys(pairs))[:MAX_ROWS]


def _transactions(case: RiskCase) -> list[tuple]:
    """The linked ledger rows of the case merchant, by the ledger's key (date, id), oldest first."""
    pairs = _pairs(case)
    if not pairs:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.local_date, t.id, t.local_time, t.tid, t.type, t.bin, t.last4, t.amount_minor, t.currency, "
            "t.status, t.rrn FROM transactions_transaction t "
            "JOIN unnest(%s::date[], %s::bigint[]) AS k(local_date, id) ON t.local_date = k.local_date AND t.id = k.id "
            "WHERE t.merchant_id = %s ORDER BY t.local_time, t.id",
            [[day for day, _n in pairs], [number for _d, number in pairs], case.merchant_id])
        return cursor.fetchall()


def report_data(case: RiskCase) -> ReportData:
    case = RiskCase.objects.select_related("merchant", "rule", "version", "decided_by", "assigned_to").get(pk=case.pk)
    merchant = case.merchant
    data = ReportData(case=case)
    data.facts = [
        ("案件 Case", f"#{case.pk}"),
        ("商户 Merchant", merchant.legal_name),
        ("商户编号 MID", merchant.mid or "—"),
        ("规则 Rule", case.rule.name),
        ("版本 Version", f"v{case.version.number}"),
        ("严重程度 Severity", str(case.get_severity_display())),
        ("结论 Outcome", str(case.get_status_display())),
        ("理由 Reason", case.outcome_reason or "—"),
        ("决定人 Decided by", _who(case.decided_by) if case.decided_at else "—"),
        ("决定时间 Decided at", _when(case.decided_at) or "—"),
        ("重大风险事件 Major risk event", "是 Yes" if case.major else "否 No"),
        ("报送期限 Report due", f"{case.report_due:%Y-%m-%d}" if case.report_due else "—"),
        ("已报送 Reported", _when(case.reported_at) or "—"),
        ("告警 Alerts", str(case.alert_count)),
    ]
    for row in _transactions(case):
        local_date, number, local_time, tid, kind, bin_, last4, amount, currency, status, rrn = row
        data.total_minor += amount
        data.transactions.append([f"{local_date:%Y-%m-%d}", str(number), f"{local_time:%H:%M:%S}", tid or "", kind,
                                  masked(bin_, last4) or "—", money(amount), currency, status, rrn or ""])
    for item in case.evidence.select_related("created_by").order_by("created_at", "id"):
        if item.kind == RiskEvidence.Kind.TRANSACTION:
            what = f"{item.transaction_date:%Y-%m-%d}/{item.transaction_id}"
        else:
            what = item.original_name
        data.evidence.append([str(item.get_kind_display()), what, item.sha256, _who(item.created_by),
                              _when(item.created_at), item.text if item.kind == RiskEvidence.Kind.NOTE else ""])
    return data


def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def report_pdf(case: RiskCase) -> bytes:
    """The report as PDF."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    data = report_data(case)
    font = _font()
    body = ParagraphStyle("body", fontName=font, fontSize=8.5, leading=12, wordWrap="CJK")
    title = ParagraphStyle("title", parent=body, fontSize=14, leading=20)
    heading = ParagraphStyle("heading", parent=body, fontSize=10.5, leading=15)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm,
                                 topMargin=12 * mm, bottomMargin=12 * mm, title=f"Risk case {data.case.pk}",
                                 author="Acquirer", subject="Suspicious-transaction report")
    grid = [("FONT", (0, 0), (-1, -1), font, 7.5), ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("VALIGN", (0, 0), (-1, -1), "TOP")]

    def cell(text) -> Paragraph:
        return Paragraph(escape(str(text)), body)

    story = [
        Paragraph(escape(f"可疑交易报告 / Suspicious-transaction report — #{data.case.pk}"), title),
        Paragraph(escape(f"生成时间 Generated: {timezone.localtime():%Y-%m-%d %H:%M}"), body),
        Spacer(1, 6),
        Table([[label, cell(value)] for label, value in data.facts], colWidths=[60 * mm, 200 * mm],
              style=TableStyle(grid)),
        Spacer(1, 8),
        Paragraph(escape(f"关联交易 Linked transactions: {len(data.transactions)}, "
                         f"合计 total {money(data.total_minor)}"), heading),
    ]
    rows = [TRANSACTION_HEADER, *data.transactions] if data.transactions else [TRANSACTION_HEADER, ["—"] * 10]
    story.append(Table(rows, repeatRows=1, style=TableStyle([*grid, ("ALIGN", (6, 1), (6, -1), "RIGHT"),
                                                             ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke)])))
    story += [Spacer(1, 8), Paragraph(escape(f"证据索引 Evidence index: {len(data.evidence)}"), heading)]
    evidence = [EVIDENCE_HEADER, *[[row[0], cell(row[1]), cell(row[2]), row[3], row[4], cell(row[5])]
                                   for row in data.evidence]] if data.evidence else [EVIDENCE_HEADER, ["—"] * 6]
    story.append(Table(evidence, repeatRows=1, colWidths=[22 * mm, 45 * mm, 60 * mm, 25 * mm, 28 * mm, 90 * mm],
                       style=TableStyle([*grid, ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke)])))
    document.build(story)
    return buffer.getvalue()


def report_xlsx(case: RiskCase) -> bytes:
    """The report as XLSX: sheets "Case", "Transactions" and "Evidence"."""
    from openpyxl import Workbook

    data = report_data(case)
    book = Workbook()
    facts = book.active
    facts.title = "Case"
    for label, value in data.facts:
        facts.append([label, value])
    rows = book.create_sheet("Transactions")
    rows.append(TRANSACTION_HEADER)
    for row in data.transactions:
        rows.append(row)
    rows.append(["合计 Total", "", "", "", "", "", money(data.total_minor)])
    evidence = book.create_sheet("Evidence")
    evidence.append(EVIDENCE_HEADER)
    for row in data.evidence:
        evidence.append(row)
    for sheet in book.worksheets:  # text as text: never a formula
        for line in sheet.iter_rows():
            for item in line:
                if isinstance(item.value, str) and item.value[:1] in ("=", "+", "-", "@") and item.column != 7:
                    item.value = "'" + item.value
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


FORMATS = {
    "pdf": (report_pdf, "application/pdf"),
    "xlsx": (report_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def report_download(*, actor, case: RiskCase, fmt: str):
    """The report as an audited attachment: those who report risk cases, and auditors (who change nothing). Only a
    decided case (confirmed, escalated, false positive or closed) has a report."""
    if not (policy.permitted(actor, REPORT_DOWNLOAD) or policy.permitted(actor, REPORT_READ)):
        raise NotPermitted(_("Your role does not allow this action."))
    if fmt not in FORMATS:
        raise DomainError(_("Choose PDF or XLSX."))
    if case.decided_at is None:
        raise DomainError(_("The case is not decided yet: there is nothing to report."))
    build, content_type = FORMATS[fmt]
    content = build(case)
    with transaction.atomic():
        audit.record("risk_case.report_downloaded", actor=actor, target=case, merchant_id=case.merchant_id,
                     data={"format": fmt})
    return files.attachment(io.BytesIO(content), filename=f"risk-case-{case.pk}.{fmt}", content_type=content_type)
