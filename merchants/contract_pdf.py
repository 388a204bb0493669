"""The contract as PDF (reportlab). Chinese renders with the built-in CID font STSong-Light (Adobe's
Asian font pack names it; PDF readers supply the glyphs), so no font file is shipped or needed."""

import io
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from merchants.models import Contract

FONT = "STSong-Light"


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _styles(font: str) -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=15, wordWrap="CJK")
    return {
        "body": body,
        "title": ParagraphStyle("title", parent=body, fontSize=14, leading=20, alignment=TA_CENTER),
        "small": ParagraphStyle("small", parent=body, fontSize=8, leading=11),
    }


def _line(text: str) -> str:
    """One text line as paragraph markup: escaped, leading spaces kept."""
    stripped = text.lstrip(" ")
    return "&nbsp;" * (len(text) - len(stripped)) + escape(stripped)


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S %Z") if value else "—"


def contract_pdf(contract: Contract) -> bytes:
    """The exact contract text and, once accepted, the acceptance record (user, time, IP, SHA-256)."""
    font = _font()
    styles = _styles(font)
    buffer = io.BytesIO()
    merchant = contract.merchant
    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm, bottomMargin=18 * mm,
        title=f"{merchant.legal_name} v{contract.version}", author="Acquirer", subject="Merchant agreement",
    )
    story = []
    lines = (contract.text or "").splitlines()
    if lines:
        story.append(Paragraph(_line(lines[0]), styles["title"]))
        lines = lines[1:]
    else:
        story.append(Paragraph(escape(f"{merchant.legal_name} v{contract.version}"), styles["title"]))
        story.append(Paragraph("（草稿，尚未生成协议文本）/ Draft: the contract text is not fixed yet.",
                               styles["body"]))
    for line in lines:
        story.append(Paragraph(_line(line), styles["body"]) if line.strip() else Spacer(1, 6))

    rows = [["协议文本 SHA-256 / Text SHA-256", contract.text_sha256 or "—"],
            ["状态 / Status", str(contract.get_status_display())]]
    if contract.accepted_at:
        rows += [
            ["商户确认人 / Accepted by", contract.accepted_by.get_username() if contract.accepted_by else "—"],
            ["确认时间 / Accepted at", _when(contract.accepted_at)],
            ["确认 IP / Accepted from IP", contract.accepted_ip or "—"],
            ["确认文本 SHA-256 / SHA-256 accepted", contract.accepted_sha256 or "—"],
        ]
    if contract.countersigned_at:
        rows += [
            ["收单机构签署人 / Countersigned by",
             contract.countersigned_by.get_username() if contract.countersigned_by else "—"],
            ["签署时间 / Countersigned at", _when(contract.countersigned_at)],
        ]
    if contract.terminated_at:
        rows += [["终止时间 / Terminated at", _when(contract.terminated_at)],
                 ["终止原因 / Termination reason", contract.termination_reason]]
    table = Table([[Paragraph(escape(k), styles["small"]), Paragraph(escape(str(v)), styles["small"])]
                   for k, v in rows], colWidths=[60 * mm, None])
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, "#888888"), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    heading = "电子签署记录 / Electronic acceptance record" if contract.accepted_at else "文本记录 / Text record"
    story += [Spacer(1, 12), KeepTogether([Paragraph(heading, styles["body"]), Spacer(1, 4), table])]
    document.build(story)
    return buffer.getvalue()
