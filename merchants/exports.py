"""The merchant register export: CSV (UTF-8 with BOM, so Excel shows Chinese) or XLSX.

Cells that a spreadsheet would run as formulas are neutralised, and long digit strings (USCC, MID,
phone numbers) are written as text so Excel does not turn them into 1.23E+17. Secrets appear masked.
The export itself is recorded in the audit trail.
"""

import csv
import io

from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from acquirer import audit
from merchants.selectors.merchants import merchant_register

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


def rows(actor):
    for merchant in merchant_register(actor=actor).iterator(chunk_size=1000):
        yield [safe_cell(getter(merchant)) for _name, getter in COLUMNS]


def export_response(*, actor, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        fmt = "csv"
    header = [name for name, _getter in COLUMNS]
    with transaction.atomic():
        audit.record("merchant.register_exported", actor=actor, data={"format": fmt})
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer)
        writer.writerow(header)
        for row in rows(actor):
            writer.writerow(row)
        response = HttpResponse(buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    else:
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet(_("Merchants"))
        sheet.append(header)
        for row in rows(actor):
            sheet.append(row)  # every cell a string: openpyxl writes text, so 18-digit codes stay exact
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(out.getvalue(),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="merchant-register-{stamp}.{fmt}"'
    return response
