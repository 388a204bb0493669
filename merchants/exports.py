"""The merchant register export: CSV (UTF-8 with BOM, so Excel shows Chinese) or XLSX.

Cells that a spreadsheet would run as formulas are neutralised, and long digit strings (USCC, MID,
phone numbers) are written as text so Excel does not turn them into 1.23E+17. Secrets appear masked.
The export itself is recorded in the audit trail.
"""

import csv
import tempfile

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from acquirer import audit, files
from merchants.selectors.merchants import merchant_register

CHUNK = 2000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COLUMNS = [
    ("id", lambda m: m.pk), ("mid", lambda m: m.mid or ""), ("legal_name", lambda m: m.legal_name),
    ("trading_name", lambda m: m.trading_name), ("type", lambda m: m.get_merchant_type_display()),
    ("uscc", lambda m: m.uscc), ("legal_rep", lambda m: m.legal_rep_name),
    ("legal_rep_id", lambda m: m.legal_rep_id_masked), ("mcc", lambda m: m.mcc), ("region", lambda m: m.region_code),
    ("address", lambda m: m.address), ("status", lambda m: m.get_status_display()),
    ("risk", lambda m: m.effective_risk), ("currency", lambda m: m.currency),
    ("expected_monthly_volume", lambda m: m.expected_monthly_volume),
    ("contact_phone", lambda m: str(m.contact_phone or "")),
    ("approved_at", lambda m: timezone.localtime(m.approved_at).strftime("%Y-%m-%d %H:%M") if m.approved_at else ""),
    ("next_inspection_due", lambda m: m.next_inspection_due or ""),
]


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def header() -> list[str]:
    return [name for name, _getter in COLUMNS]


def rows(actor):
    """The register's rows, read from the database 2,000 at a time: nothing holds the whole register."""
    for merchant in merchant_register(actor=actor).iterator(chunk_size=CHUNK):
        yield [safe_cell(getter(merchant)) for _name, getter in COLUMNS]


class _Echo:
    """A file-like object whose ``write`` hands the line back, so ``csv.writer`` produces one line at a time."""

    def write(self, value):
        return value


def _csv_lines(actor, language: str):
    """The CSV, BOM first, one line at a time. The lines are made while the response streams, after the view
    has returned, so the labels are translated into the language of the request explicitly."""
    writer = csv.writer(_Echo())
    with translation.override(language):
        yield "\ufeff" + writer.writerow(header())
        for row in rows(actor):
            yield writer.writerow(row)


def _xlsx_file(actor):
    """The workbook written row by row (openpyxl's write-only mode) to a temporary file, rewound for reading:
    memory stays flat whatever the register's size; the file disappears when the response closes it."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Merchants"))
    sheet.append(header())
    for row in rows(actor):
        sheet.append(row)  # every cell a string: openpyxl writes text, so 18-digit codes stay exact
    out = tempfile.TemporaryFile()
    book.save(out)
    out.seek(0)
    return out


def export_response(*, actor, fmt: str):
    """The whole register, streamed: CSV line by line, XLSX from a temporary file. No row cap."""
    if fmt not in ("csv", "xlsx"):
        fmt = "csv"
    with transaction.atomic():
        audit.record("merchant.register_exported", actor=actor, data={"format": fmt})
    filename = f"merchant-register-{timezone.localtime():%Y%m%d-%H%M}.{fmt}"
    if fmt == "csv":
        return files.attachment(_csv_lines(actor, translation.get_language()), filename=filename,
                                content_type="text/csv; charset=utf-8")
    return files.attachment(_xlsx_file(actor), filename=filename, content_type=XLSX_TYPE)
