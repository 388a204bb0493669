"""The monthly complaint statistics for the regulator: a calendar month's figures as XLSX (openpyxl) and PDF
(reportlab with the built-in CID font STSong-Light, so Chinese category names render without a font file), both
bilingual ("类别 Category"), stored privately and encrypted (``acquirer.files.private_writer``) and kept with their
figures as a :class:`RegulatorReport`.

The scheduled job ``complaints.regulator_monthly`` makes version 1 of last month's report on the 1st (running it
again that month makes nothing); staff make another version on demand. Only counts, durations and names of the
taxonomy go into the files: no complainant's name, phone, e-mail, message or internal note.

Which complaints count (month = the calendar month in Asia/Shanghai):

* received: received in the month; rejected and reopened: those of them rejected as out of scope, reopened;
* resolved: resolved in the month (whenever received); handled on time: those of them whose resolution target was
  not breached; overdue: complaints whose resolution target was breached in the month;
* average handling time: working days (core calendar, business hours) from receipt to resolution of the month's
  resolved complaints;
* outcomes: the month's resolved complaints by remedy, with the amounts (fen, shown in yuan);
* satisfaction: ratings given in the month."""

import io
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from xml.sax.saxutils import escape

from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Max, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acquirer import audit, calendar, files
from acquirer.exceptions import DomainError
from acquirer.policy import require_permission
from acquirer.roles import COMPLIANCE_OFFICER
from complaints import roles
from complaints.models import Complaint, RegulatorReport
from complaints.selectors.reports import Period

FOLDER = "complaints/regulator"
FONT = "STSong-Light"
FORMATS = {
    "xlsx": ("xlsx_name", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pdf": ("pdf_name", "application/pdf"),
}
REMEDY_ZH = {"refund": "退款", "fee_waiver": "减免费用", "repair": "维修", "explanation": "解释说明", "other": "其他",
             "": "未填写"}
REMEDY_EN = {"refund": "Refund", "fee_waiver": "Fee waiver", "repair": "Repair", "explanation": "Explanation",
             "other": "Other", "": "Not given"}
CHANNEL_ZH = {"hotline": "客服热线", "portal": "商户门户", "email": "电子邮件", "in_person": "现场",
              "regulator": "监管转办", "network": "卡组织转办"}
CHANNEL_EN = {"hotline": "Hotline", "portal": "Merchant portal", "email": "E-mail", "in_person": "In person",
              "regulator": "Forwarded by the regulator", "network": "Forwarded by the card network"}
COUNT_HEADER = ["受理 Received", "办结 Resolved", "按时办结 On time", "超时 Overdue"]


def _month_start(month: date) -> date:
    return month.replace(day=1)


def yuan(minor: int) -> str:
    """Fen as yuan with two decimals (integers only)."""
    sign = "-" if minor < 0 else ""
    return f"{sign}{abs(minor) // 100:,}.{abs(minor) % 100:02d}"


def _counts(queryset, group: tuple[str, ...], period: Period) -> list[dict]:
    received = Q(received_at__gte=period.start, received_at__lt=period.end)
    resolved = Q(resolved_at__gte=period.start, resolved_at__lt=period.end)
    overdue = Q(resolution_breached_at__gte=period.start, resolution_breached_at__lt=period.end)
    return list(queryset.filter(received | resolved | overdue).values(*group).annotate(
        received=Count("id", filter=received), resolved=Count("id", filter=resolved),
        on_time=Count("id", filter=resolved & Q(resolution_breached_at__isnull=True)),
        overdue=Count("id", filter=overdue)).order_by(*group))


def _working_days(resolved_pairs) -> str | None:
    """The average working days from receipt to resolution, one decimal (None when nothing was resolved)."""
    opening, closing = calendar.business_hours()
    day = timedelta(hours=closing - opening)
    spans = [calendar.working_hours_between(received, resolved) / day for received, resolved in resolved_pairs]
    if not spans:
        return None
    average = Decimal(str(sum(spans) / len(spans))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return str(average)


def regulator_figures(*, month: date) -> dict:
    """The month's figures (JSON-safe), read from every complaint (the regulator sees the whole book)."""
    period = Period.month(_month_start(month))
    complaints = Complaint.objects.all()
    resolved = complaints.filter(resolved_at__gte=period.start, resolved_at__lt=period.end)
    totals = complaints.aggregate(
        received=Count("id", filter=Q(received_at__gte=period.start, received_at__lt=period.end)),
        resolved=Count("id", filter=Q(resolved_at__gte=period.start, resolved_at__lt=period.end)),
        on_time=Count("id", filter=Q(resolved_at__gte=period.start, resolved_at__lt=period.end,
                                     resolution_breached_at__isnull=True)),
        overdue=Count("id", filter=Q(resolution_breached_at__gte=period.start, resolution_breached_at__lt=period.end)),
        rejected=Count("id", filter=Q(received_at__gte=period.start, received_at__lt=period.end,
                                      status=Complaint.Status.REJECTED)),
        reopened=Count("id", filter=Q(received_at__gte=period.start, received_at__lt=period.end, reopen_count__gt=0)),
        rated=Count("id", filter=Q(rated_at__gte=period.start, rated_at__lt=period.end, rating__isnull=False)),
        rating_average=Avg("rating", filter=Q(rated_at__gte=period.start, rated_at__lt=period.end)),
        **{f"rating_{n}": Count("id", filter=Q(rated_at__gte=period.start, rated_at__lt=period.end, rating=n))
           for n in range(1, 6)},
    )
    by_category = [{"name_zh": row["category__name_zh"], "name_en": row["category__name_en"],
                    **{k: row[k] for k in ("received", "resolved", "on_time", "overdue")}}
                   for row in _counts(complaints, ("category__order", "category_id", "category__name_zh",
                                                   "category__name_en"), period)]
    by_channel = [{"code": row["channel"], "name_zh": CHANNEL_ZH.get(row["channel"], row["channel"]),
                   "name_en": CHANNEL_EN.get(row["channel"], row["channel"]),
                   **{k: row[k] for k in ("received", "resolved", "on_time", "overdue")}}
                  for row in _counts(complaints, ("channel",), period)]
    outcomes = [{"code": row["remedy"], "name_zh": REMEDY_ZH.get(row["remedy"], row["remedy"]),
                 "name_en": REMEDY_EN.get(row["remedy"], row["remedy"]), "count": row["count"],
                 "amount_minor": int(row["amount"] or 0)}
                for row in resolved.values("remedy").annotate(count=Count("id"), amount=Sum("remedy_minor"))
                .order_by("remedy")]
    average = totals.pop("rating_average")
    return {
        "month": f"{period.first:%Y-%m}",
        "totals": totals,
        "average_working_days": _working_days(resolved.values_list("received_at", "resolved_at")),
        "rating_average": str(Decimal(str(average)).quantize(Decimal("0.01"))) if average is not None else None,
        "by_category": by_category,
        "by_channel": by_channel,
        "outcomes": outcomes,
    }


# --- the files ------------------------------------------------------------------------------------------------------

def _summary_rows(figures: dict) -> list[list]:
    totals = figures["totals"]
    return [
        ["月份 Month", figures["month"]],
        ["受理投诉 Complaints received", totals["received"]],
        ["办结 Resolved", totals["resolved"]],
        ["按时办结 Handled on time", totals["on_time"]],
        ["超时 Overdue", totals["overdue"]],
        ["不予受理 Rejected as out of scope", totals["rejected"]],
        ["重新处理 Reopened", totals["reopened"]],
        ["平均处理时长（工作日）Average handling time (working days)", figures["average_working_days"] or "—"],
        ["满意度评价数 Ratings", totals["rated"]],
        ["平均满意度（1–5）Average rating (1–5)", figures["rating_average"] or "—"],
        *[[f"{n} 分 Rated {n}", totals[f"rating_{n}"]] for n in range(1, 6)],
    ]


def _table_rows(rows: list[dict], first_header: str) -> list[list]:
    return [[first_header, *COUNT_HEADER],
            *[[f"{row['name_zh']} {row['name_en']}".strip(), row["received"], row["resolved"], row["on_time"],
               row["overdue"]] for row in rows]]


def _outcome_rows(figures: dict) -> list[list]:
    return [["处理结果 Remedy", "件数 Count", "金额（元）Amount (CNY)"],
            *[[f"{row['name_zh']} {row['name_en']}", row["count"], yuan(row["amount_minor"])]
              for row in figures["outcomes"]]]


def _safe(value):
    """Text never starts a formula in a spreadsheet."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def regulator_xlsx(figures: dict) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheets = [("Summary 汇总", _summary_rows(figures)),
              ("By category 按类别", _table_rows(figures["by_category"], "类别 Category")),
              ("By channel 按渠道", _table_rows(figures["by_channel"], "渠道 Channel")),
              ("Outcomes 处理结果", _outcome_rows(figures))]
    for index, (title, rows) in enumerate(sheets):
        sheet = book.active if index == 0 else book.create_sheet()
        sheet.title = title
        for row in rows:
            sheet.append([_safe(cell) for cell in row])
        sheet.column_dimensions["A"].width = 48
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def regulator_pdf(figures: dict, *, version: int) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = _font()
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=13, wordWrap="CJK")
    title = ParagraphStyle("title", parent=body, fontSize=14, leading=20)
    heading = ParagraphStyle("heading", parent=body, fontSize=10.5, leading=15)
    grid = TableStyle([("FONT", (0, 0), (-1, -1), font, 8.5), ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                       ("ALIGN", (1, 0), (-1, -1), "RIGHT"), ("VALIGN", (0, 0), (-1, -1), "TOP")])
    header_grid = TableStyle([*grid.getCommands(), ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke)])
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                                 bottomMargin=15 * mm, title=f"Complaint statistics {figures['month']}",
                                 author="Acquirer", subject="Monthly complaint statistics")

    def table(rows, widths):
        if len(rows) == 1:
            rows = [*rows, ["— 无 None"] + [""] * (len(rows[0]) - 1)]
        return Table([[str(cell) for cell in row] for row in rows], colWidths=widths, repeatRows=1,
                     style=header_grid)

    story = [
        Paragraph(escape(f"投诉统计月报 / Monthly complaint statistics — {figures['month']}"), title),
        Paragraph(escape(f"版本 Version {version}    生成时间 Generated: {timezone.localtime():%Y-%m-%d %H:%M}"), body),
        Spacer(1, 6),
        Table([[str(a), str(b)] for a, b in _summary_rows(figures)], colWidths=[120 * mm, 45 * mm], style=grid),
        Spacer(1, 8), Paragraph("按类别 By category", heading),
        table(_table_rows(figures["by_category"], "类别 Category"), [75 * mm, 22 * mm, 22 * mm, 25 * mm, 22 * mm]),
        Spacer(1, 8), Paragraph("按渠道 By channel", heading),
        table(_table_rows(figures["by_channel"], "渠道 Channel"), [75 * mm, 22 * mm, 22 * mm, 25 * mm, 22 * mm]),
        Spacer(1, 8), Paragraph("处理结果 Outcomes", heading),
        table(_outcome_rows(figures), [75 * mm, 30 * mm, 45 * mm]),
    ]
    document.build(story)
    return buffer.getvalue()


def _store(content: bytes, extension: str) -> str:
    with files.private_writer(folder=FOLDER, extension=extension) as (stored_name, writer):
        writer.write(content)
    return stored_name


# --- generating -----------------------------------------------------------------------------------------------------

def _generate(*, actor, month: date, version: int) -> RegulatorReport:
    figures = regulator_figures(month=month)
    stored = [_store(regulator_xlsx(figures), ".xlsx"), _store(regulator_pdf(figures, version=version), ".pdf")]
    try:
        with transaction.atomic():
            report = RegulatorReport.objects.create(month=month, version=version, figures=figures,
                                                    xlsx_name=stored[0], pdf_name=stored[1], generated_by=actor)
            audit.record("regulator_report.generated", actor=actor, target=report,
                         data={"month": figures["month"], "version": version,
                               "received": figures["totals"]["received"]})
            _notify(report)
    except BaseException:
        for name in stored:
            files.delete_stored(name)
        raise
    return report


def _notify(report: RegulatorReport) -> None:
    from acquirer.services.notifications import notify_role

    notify_role(role=COMPLIANCE_OFFICER, kind="complaints.regulator_report",
                title=gettext_lazy("Complaint statistics for %(month)s are ready"),
                body=gettext_lazy("Version %(version)s of the monthly complaint statistics for the regulator can be "
                                  "downloaded (XLSX and PDF)."),
                url=reverse("ops:regulator-report-list"),
                params={"month": f"{report.month:%Y-%m}", "version": report.version})


@transaction.atomic
def regulator_report_generate(*, actor=None, month: date) -> RegulatorReport:
    """A new version of ``month``'s statistics (version 1 when there is none yet). ``actor`` None is the
    scheduled job; a person needs the report permission. A month not over yet may be generated (figures so far)
    but never a future one."""
    if actor is not None:
        require_permission(actor, roles.VIEW_REPORT)
    month = _month_start(month)
    if month > timezone.localdate().replace(day=1):
        raise DomainError(_("The month %(month)s has not started yet.") % {"month": f"{month:%Y-%m}"})
    latest = RegulatorReport.objects.select_for_update().filter(month=month).aggregate(latest=Max("version"))["latest"]
    try:
        with transaction.atomic():
            return _generate(actor=actor, month=month, version=(latest or 0) + 1)
    except IntegrityError as error:
        raise DomainError(_("Another version of %(month)s was being generated at the same time; try again.")
                          % {"month": f"{month:%Y-%m}"}) from error


def last_month(today: date | None = None) -> date:
    today = today or timezone.localdate()
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def regulator_monthly(*, today: date | None = None) -> dict:
    """The scheduled job's body: version 1 of last month's statistics, once (nothing when it exists already)."""
    month = last_month(today)
    if RegulatorReport.objects.filter(month=month, version=1).exists():
        return {"generated": 0, "month": f"{month:%Y-%m}"}
    try:
        with transaction.atomic():
            report = _generate(actor=None, month=month, version=1)
    except IntegrityError:
        return {"generated": 0, "month": f"{month:%Y-%m}"}  # a concurrent run made it
    return {"generated": 1, "month": f"{month:%Y-%m}", "received": report.figures["totals"]["received"]}


def regulator_report_download(*, actor, report: RegulatorReport, fmt: str):
    """The stored XLSX or PDF as an audited download (staff with the report permission, auditors)."""
    if actor.kind != "auditor":
        require_permission(actor, roles.VIEW_REPORT)
    if fmt not in FORMATS:
        raise DomainError(_("Choose XLSX or PDF."))
    attribute, content_type = FORMATS[fmt]
    return files.audited_download(
        actor=actor, stored_name=getattr(report, attribute), content_type=content_type,
        filename=f"complaint-statistics-{report.month:%Y-%m}-v{report.version}.{fmt}",
        action="regulator_report.downloaded", target=report,
        data={"month": f"{report.month:%Y-%m}", "version": report.version, "format": fmt})

