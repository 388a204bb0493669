"""The compliance report for a period: a PDF (title page, summary figures, a chart of findings by severity and
status, status per framework, open findings, evidence index, early-warning figures) and a workbook of the
period's findings, both in the reader's language.

Two ways to get it, one code path (:func:`report_files`):

* "My downloads": the exporter :data:`COMPLIANCE_REPORT` (``formats=("zip",)``) is asked for with a POST to the
  core ``export-create`` with ``period``; the core's Celery job (``acquirer.tasks.write_export``) calls
  :func:`report_files`, stores the PDF and the workbook in one ZIP with the signed ``manifest.json`` and
  ``manifest.sig``, and the person downloads it; asking and downloading are in the audit trail.
* the shell: :func:`compliance_report_write` (``manage.py compliance_report``) writes the same files, the
  manifest and its signature into a folder and records ``compliance.report_exported_shell``.

The PDF uses the CID font STSong-Light built into reportlab, as the complaints regulator report does, so
Chinese renders without a font file. Every workbook cell is text through the formula guard
(``acquirer.exports.safe_cell``): a title ``=HYPERLINK(…)`` stays inert and long numbers stay exact."""

import io
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from acquirer import audit, manifests, signing
from acquirer.access import is_auditor
from acquirer.exceptions import DomainError
from acquirer.exports import safe_cell
from acquirer.registry import Exporter, ExportFile
from compliance import roles
from compliance.models import AssessmentItem, Finding
from compliance.models.common import Severity, in_language
from compliance.selectors.reports import (
    Period,
    PeriodError,
    findings_for_period,
    period_parse,
    report_figures,
)

KIND = "compliance.report"
FONT = "STSong-Light"


def report_allowed(actor) -> bool:
    """Auditors, and staff who manage findings or read the early-warning page (compliance officers, managers)."""
    if is_auditor(actor):
        return True
    return bool(actor.is_authenticated and actor.kind == "staff"
                and (actor.has_perm(roles.MANAGE_FINDING) or actor.has_perm(roles.VIEW_EARLY_WARNING)))


def report_filters(data) -> dict:
    """``{"period": "2026-Q4"}`` from the request; a period that cannot be read is refused with a clear message
    (and no export is created)."""
    try:
        return {"period": period_parse(data.get("period", "")).label}
    except PeriodError as error:
        raise DomainError(str(error)) from None


def _period(filters: dict) -> Period:
    return period_parse(filters.get("period", ""))


def report_queryset(actor, filters: dict):
    """The rows counted as the export's total: the findings of the period (the workbook's rows)."""
    return findings_for_period(actor=actor, period=_period(filters))


# --- the workbook of findings -------------------------------------------------------------------------------------

def _stamp(moment) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}" if moment else ""


def _person(user) -> str:
    if user is None:
        return ""
    from acquirer.audit_text import person_name

    return person_name(user)


def findings_header() -> list[str]:
    return [_("Reference"), _("Title"), _("Source"), _("Severity"), _("Status"), _("Framework"), _("Requirement"),
            _("Owner"), _("Due"), _("Overdue"), pgettext("finding", "Raised"), pgettext("finding", "Rectified"),
            pgettext("finding", "Verified"), pgettext("finding", "Closed"),
            _("Description")]


def finding_row(finding: Finding, today: date) -> list[str]:
    requirement = finding.requirement
    framework = requirement.framework if requirement else None
    overdue = finding.status in Finding.OPEN and finding.due_on < today
    values = [finding.reference, finding.title, finding.get_source_display(), finding.get_severity_display(),
              finding.get_status_display(),
              in_language(framework.name_zh, framework.name_en) if framework else "",
              requirement.reference if requirement else "", _person(finding.owner), f"{finding.due_on:%Y-%m-%d}",
              _("yes") if overdue else _("no"), _stamp(finding.raised_at), _stamp(finding.remediated_at),
              _stamp(finding.verified_at), _stamp(finding.closed_at), finding.description]
    return [safe_cell(value) for value in values]


def findings_xlsx(findings, *, today: date, progress=None) -> tuple[bytes, int]:
    """The workbook (write-only mode, every cell a guarded string: openpyxl writes text) and its row count."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Findings")[:30])
    sheet.append(findings_header())
    rows = 0
    for rows, finding in enumerate(findings.iterator(chunk_size=2000), 1):
        sheet.append(finding_row(finding, today))
        if progress and rows % 2000 == 0:
            progress(rows)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), rows


# --- the PDF --------------------------------------------------------------------------------------------------------

def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _chart(figures: dict, font: str):
    """Findings of the period by severity: still open against the rest (rectified, verified, closed, accepted)."""
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors

    severities = list(Severity)
    matrix = figures["matrix"]
    open_counts = [sum(n for status, n in matrix.get(s.value, {}).items() if status in Finding.OPEN)
                   for s in severities]
    other_counts = [sum(n for status, n in matrix.get(s.value, {}).items() if status not in Finding.OPEN)
                    for s in severities]
    drawing = Drawing(480, 190)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 40, 30, 300, 140
    chart.data = [open_counts, other_counts]
    chart.categoryAxis.categoryNames = [str(s.label) for s in severities]
    chart.categoryAxis.labels.fontName = font
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = max([*open_counts, *other_counts, 1]) + 1
    chart.valueAxis.valueStep = max(1, chart.valueAxis.valueMax // 5)
    chart.bars[0].fillColor = colors.HexColor("#c0392b")
    chart.bars[1].fillColor = colors.HexColor("#7f8c8d")
    legend = Legend()
    legend.x, legend.y, legend.fontName, legend.fontSize = 360, 150, font, 8
    legend.colorNamePairs = [(colors.HexColor("#c0392b"), _("Open")),
                             (colors.HexColor("#7f8c8d"), _("Rectified, verified, closed or accepted"))]
    drawing.add(chart)
    drawing.add(legend)
    return drawing


def report_pdf(figures: dict, *, generated_by: str, generated_at=None) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = _font()
    period: Period = figures["period"]
    generated_at = generated_at or timezone.now()
    body = ParagraphStyle("body", fontName=font, fontSize=8.5, leading=12, wordWrap="CJK")
    cover = ParagraphStyle("cover", parent=body, fontSize=20, leading=28, spaceAfter=12)
    heading = ParagraphStyle("heading", parent=body, fontSize=12, leading=17, spaceBefore=10, spaceAfter=4)
    grid = TableStyle([("FONT", (0, 0), (-1, -1), font, 8), ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                       ("VALIGN", (0, 0), (-1, -1), "TOP"), ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke)])

    def cell(value) -> Paragraph:
        return Paragraph(escape(str(value)), body)

    def table(header: list, rows: list[list], widths) -> Table:
        if not rows:
            rows = [[_("None")] + [""] * (len(header) - 1)]
        return Table([[cell(h) for h in header], *[[cell(v) for v in row] for row in rows]], colWidths=widths,
                     repeatRows=1, style=grid)

    title = _("Compliance report %(period)s") % {"period": period.label}
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=14 * mm, rightMargin=14 * mm,
                                 topMargin=14 * mm, bottomMargin=14 * mm, title=title, author="Acquirer",
                                 subject=title)
    summary = figures["summary"]
    story = [
        Spacer(1, 60 * mm), Paragraph(escape(title), cover),
        Paragraph(escape(_("Period: %(start)s to %(end)s") % {"start": period.start, "end": period.end}), body),
        Paragraph(escape(_("Generated %(when)s by %(who)s") % {
            "when": f"{timezone.localtime(generated_at):%Y-%m-%d %H:%M %Z}", "who": generated_by}), body),
        Paragraph(escape(_("Signed with the export key %(key)s: check the bundle with verify_export.") % {
            "key": signing.key_id()}), body),
        PageBreak(),
        Paragraph(escape(_("Summary")), heading),
        table([_("Figure"), _("Value")], [
            [_("Findings raised in the period"), summary["raised"]],
            [_("Findings closed in the period"), summary["closed"]],
            [_("Findings open today"), summary["open"]],
            [_("Open findings past their due date"), summary["overdue"]],
            [_("Assessments covering the period"), summary["assessments"]],
            [_("of which signed off"), summary["signed_off"]],
            [_("Evidence in force"), summary["evidence"]],
        ], [120 * mm, 40 * mm]),
        Paragraph(escape(_("Findings of the period by severity")), heading),
        _chart(figures, font),
        Paragraph(escape(_("Status per framework")), heading),
        table([_("Framework"), _("Items"), *[label for _value, label in AssessmentItem.Result.choices],
               _("Not answered")],
              [[in_language(f["name_zh"], f["name_en"]) + (f" {f['version']}" if f["version"] else ""),
                f["total"], *[f[value] for value in AssessmentItem.Result.values], f[""]]
               for f in figures["frameworks"]],
              [52 * mm, 16 * mm, 20 * mm, 22 * mm, 22 * mm, 22 * mm, 22 * mm]),
        Paragraph(escape(_("Open findings")), heading),
        table([_("Reference"), _("Title"), _("Severity"), _("Status"), _("Owner"), _("Due")],
              [[f.reference, f.title, f.get_severity_display(), f.get_status_display(), _person(f.owner),
                f"{f.due_on:%Y-%m-%d}" + (f" ({_('overdue')})" if f.due_on < figures["today"] else "")]
               for f in figures["open_findings"]],
              [22 * mm, 60 * mm, 18 * mm, 28 * mm, 26 * mm, 28 * mm]),
        Paragraph(escape(_("Evidence index")), heading),
        table([_("Title"), _("Attached to"), _("Owner"), _("Valid until"), _("SHA-256")],
              [[e.title, _attached_to(e), _person(e.owner), f"{e.expires_on:%Y-%m-%d}" if e.expires_on else "—",
                e.sha256 or e.url] for e in figures["evidence"]],
              [40 * mm, 40 * mm, 24 * mm, 20 * mm, 58 * mm]),
        Paragraph(escape(_("Early-warning figures")), heading),
        table([_("Figure"), _("Count")],
              [[w["title"], w["value"] if w["value"] is not None else _("unavailable")]
               for w in figures["warnings"]],
              [130 * mm, 30 * mm]),
    ]
    document.build(story)
    return buffer.getvalue()


def _attached_to(evidence) -> str:
    if evidence.item_id:
        return f"{evidence.item.assessment.title} · {evidence.item.requirement.reference}"
    if evidence.finding_id:
        return f"{evidence.finding.reference} {evidence.finding.title}"
    if evidence.control_id:
        return str(evidence.control)
    return ""


# --- the files, for the job and the shell ---------------------------------------------------------------------------

def report_file_names(period: Period) -> tuple[str, str]:
    return f"compliance-report-{period.label}.pdf", f"findings-{period.label}.xlsx"


def report_files(actor, filters: dict, progress=None, *, generated_by: str = "") -> list[ExportFile]:
    """The PDF and the workbook of findings for the period in ``filters``, read through ``actor``'s scope, in
    the active language (the job runs under the export's language)."""
    period = _period(filters)
    today = timezone.localdate()
    figures = report_figures(actor=actor, period=period, today=today)
    workbook, rows = findings_xlsx(findings_for_period(actor=actor, period=period), today=today, progress=progress)
    if progress:
        progress(rows)
    pdf = report_pdf(figures, generated_by=generated_by or _person(actor))
    pdf_name, xlsx_name = report_file_names(period)
    return [ExportFile(pdf_name, pdf, 0), ExportFile(xlsx_name, workbook, rows)]


def _report_write(actor, filters, progress):
    return report_files(actor, filters, progress)


COMPLIANCE_REPORT = Exporter(
    kind=KIND, title=gettext_lazy("Compliance report"), filename="compliance-report", allowed=report_allowed,
    queryset=report_queryset, audit_action="compliance.report_requested", filters=report_filters,
    formats=("zip",), write=_report_write)


def compliance_report_write(*, actor, period: str, out, language: str = "zh-hans",
                            shell_user_label: str = "") -> dict:
    """The shell's report (``manage.py compliance_report``): the PDF, the workbook, ``manifest.json`` and
    ``manifest.sig`` written into the folder ``out`` — the same files as the job's — and the audit event
    ``compliance.report_exported_shell``. ``actor`` reads through its scope and is named in the manifest."""
    parsed = period_parse(period)
    filters = {"period": parsed.label}
    directory = Path(out)
    directory.mkdir(parents=True, exist_ok=True)
    requested_at = timezone.now()
    who = actor.get_username() if actor.pk else shell_user_label
    with translation.override(language):
        written = report_files(actor, filters, generated_by=_person(actor) if actor.pk else who)
        entries = [manifests.file_entry(item.name, item.content, item.rows) for item in written]
        manifest = manifests.build_manifest(
            export_id=None, kind=KIND, title=COMPLIANCE_REPORT.title, fmt="zip", language=language, filters=filters,
            requested_by={"id": actor.pk, "username": who, "kind": actor.kind, "via": "shell"},
            requested_at=requested_at, files=entries)
    signature = signing.sign(manifest)
    for item in written:
        (directory / item.name).write_bytes(item.content)
    (directory / manifests.MANIFEST).write_bytes(manifest)
    (directory / manifests.SIGNATURE).write_bytes(signature)
    with transaction.atomic():
        audit.record("compliance.report_exported_shell", actor=actor if actor.pk else None,
                     actor_label="" if actor.pk else who,
                     data={"period": parsed.label, "files": [item.name for item in written],
                           "rows": sum(item.rows for item in written), "language": language,
                           "folder": str(directory)})
    return {"period": parsed.label, "files": [item.name for item in written], "folder": str(directory)}
