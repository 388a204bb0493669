"""Catalog of terminal models and receiving devices into stock: one by one (``terminal_receive``) or a whole
supplier delivery file (``intake_parse`` + ``intake_commit``: CSV or XLSX, every row checked, all rows or none).

A terminal key never enters the system: only its key check value (KCV, 6 hex characters) and the date it was
injected. The file type is decided by its content, never by its name; spreadsheet formulas are never evaluated
(a cell reading "=..." is plain text, and fails the serial-number format).
"""

import csv
import hashlib
import io
import os
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from acquirer import audit, policy
from acquirer.exceptions import DomainError
from acquirer.models import User
from terminals.models import Capability, Communication, FormFactor, IntakeBatch, Terminal, TerminalModel
from terminals.roles import MANAGE_STOCK

SERIAL_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,39}$")
FIRMWARE_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,29}$")
KCV_RE = re.compile(r"^[0-9A-F]{6}$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # control characters: binary, not text
REQUIRED_COLUMNS = ("serial_number", "brand", "model", "firmware_version")
OPTIONAL_COLUMNS = ("key_check_value", "key_injected_on")
MAX_ROWS = 5000
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls (and other OLE documents)
XLSX_EXPANSION = 20  # an XLSX may unpack to at most 20 x the upload limit (zip bombs)
MODEL_FIELDS = ("brand", "name", "form_factor", "communications", "capabilities", "min_firmware", "active")


# --- helpers ----------------------------------------------------------------------------------



def normalise_serial(value) -> str:
    return str(value or "").strip().upper()


def _serial_problem(serial: str) -> str | None:
    if not serial:
        return _("The serial number is missing.")
    if not SERIAL_RE.match(serial):
        return _("“%(value)s” is not a valid serial number (3 to 40 letters, digits or hyphens).") % {
            "value": serial[:60]}
    return None


def _firmware_problem(version: str, *, required: bool = True) -> str | None:
    if not version:
        return _("The firmware version is missing.") if required else None
    if not FIRMWARE_RE.match(version):
        return _("“%(value)s” is not a valid firmware version (letters, digits, dots, hyphens; at most 30).") % {
            "value": version[:60]}
    return None


def _kcv_problem(kcv: str) -> str | None:
    if kcv and not KCV_RE.match(kcv):
        if re.fullmatch(r"[0-9A-F]{16,}", kcv):
            return _("The key check value must be the 6 hexadecimal characters of the check value. It looks like "
                     "a key: never send keys.")
        return _("The key check value must be 6 hexadecimal characters (0-9, A-F).")
    return None


def _key_date_problem(kcv: str, injected_on: date | None) -> str | None:
    if injected_on is not None and injected_on > timezone.localdate():
        return _("The key injection date cannot be in the future.")
    if kcv and injected_on is None:
        return _("Give the key injection date with the key check value.")
    if injected_on is not None and not kcv:
        return _("Give the key check value with the key injection date.")
    return None


def _text(value) -> str:
    """A cell as text, as typed (formulas stay their text: they are never evaluated)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _parse_date(value) -> tuple[date | None, str | None]:
    if value is None or value == "":
        return None, None
    if isinstance(value, datetime):
        return value.date(), None
    if isinstance(value, date):
        return value, None
    text = str(value).strip()
    if not text:
        return None, None
    if DATE_RE.match(text):
        try:
            return date.fromisoformat(text), None
        except ValueError:
            pass
    return None, _("“%(value)s” is not a date in the form YYYY-MM-DD.") % {"value": text[:30]}


# --- catalog ----------------------------------------------------------------------------------

def _model_values(*, brand, name, form_factor, communications, capabilities, min_firmware) -> dict:
    brand, name, min_firmware = (brand or "").strip(), (name or "").strip(), (min_firmware or "").strip()
    if not brand or not name:
        raise DomainError(_("Give the brand and the model name."))
    if len(brand) > 60 or len(name) > 60:
        raise DomainError(_("The brand and the model name have at most 60 characters."))
    if form_factor not in FormFactor.values:
        raise DomainError(_("Unknown form factor “%(value)s”.") % {"value": form_factor})
    comms = list(dict.fromkeys(communications or []))
    caps = list(dict.fromkeys(capabilities or []))
    if not comms:
        raise DomainError(_("Choose at least one communication."))
    if not caps:
        raise DomainError(_("Choose at least one capability."))
    unknown = [c for c in comms if c not in Communication.values] + [c for c in caps if c not in Capability.values]
    if unknown:
        raise DomainError(_("Unknown communication or capability: %(values)s.") % {"values": ", ".join(unknown)})
    problem = _firmware_problem(min_firmware, required=False)
    if problem:
        raise DomainError(problem)
    return {"brand": brand, "name": name, "form_factor": form_factor,
            "communications": [c for c in Communication.values if c in comms],
            "capabilities": [c for c in Capability.values if c in caps], "min_firmware": min_firmware}


def _check_unique_model(brand: str, name: str, exclude_pk: int | None = None) -> None:
    clash = TerminalModel.objects.filter(brand__iexact=brand, name__iexact=name)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise DomainError(_("The catalog already has the model %(brand)s %(name)s.") % {"brand": brand, "name": name})


@transaction.atomic
def terminal_model_create(*, actor: User, brand: str, name: str, form_factor: str, communications: list[str],
                          capabilities: list[str], min_firmware: str = "") -> TerminalModel:
    policy.require_permission(actor, MANAGE_STOCK)
    values = _model_values(brand=brand, name=name, form_factor=form_factor, communications=communications,
                           capabilities=capabilities, min_firmware=min_firmware)
    _check_unique_model(values["brand"], values["name"])
    try:
        with transaction.atomic():
            model = TerminalModel.objects.create(**values)
    except IntegrityError:
        raise DomainError(_("The catalog already has the model %(brand)s %(name)s.")
                          % {"brand": values["brand"], "name": values["name"]}) from None
    audit.record("terminal_model.created", actor=actor, target=model, after=audit.snapshot(model, MODEL_FIELDS))
    return model


@transaction.atomic
def terminal_model_update(*, actor: User, model: TerminalModel, brand: str, name: str, form_factor: str,
                          communications: list[str], capabilities: list[str], min_firmware: str = "",
                          active: bool = True) -> TerminalModel:
    policy.require_permission(actor, MANAGE_STOCK)
    model = TerminalModel.objects.select_for_update().get(pk=model.pk)
    values = _model_values(brand=brand, name=name, form_factor=form_factor, communications=communications,
                           capabilities=capabilities, min_firmware=min_firmware)
    values["active"] = bool(active)
    _check_unique_model(values["brand"], values["name"], exclude_pk=model.pk)
    before = audit.snapshot(model, MODEL_FIELDS)
    for key, value in values.items():
        setattr(model, key, value)
    after = audit.snapshot(model, MODEL_FIELDS)
    if after == before:
        return model
    try:
        with transaction.atomic():
            model.save(update_fields=list(values))
    except IntegrityError:
        raise DomainError(_("The catalog already has the model %(brand)s %(name)s.")
                          % {"brand": values["brand"], "name": values["name"]}) from None
    changed = {k: v for k, v in after.items() if before[k] != v}
    audit.record("terminal_model.updated", actor=actor, target=model,
                 before={k: before[k] for k in changed}, after=changed)
    return model


# --- one terminal -----------------------------------------------------------------------------

@transaction.atomic
def terminal_receive(*, actor: User, model: TerminalModel, serial_number: str, firmware_version: str,
                     key_check_value: str = "", key_injected_on: date | None = None) -> Terminal:
    """Receive one terminal into stock (warehouse)."""
    policy.require_permission(actor, MANAGE_STOCK)
    serial = normalise_serial(serial_number)
    firmware = (firmware_version or "").strip()
    kcv = (key_check_value or "").strip().upper()
    if not isinstance(model, TerminalModel) or not model.active:
        raise DomainError(_("Choose a model of the catalog."))
    for problem in (_serial_problem(serial), _firmware_problem(firmware), _kcv_problem(kcv),
                    _key_date_problem(kcv, key_injected_on)):
        if problem:
            raise DomainError(problem)
    if Terminal.objects.filter(serial_number=serial).exists():
        raise DomainError(_("A terminal with the serial number %(serial)s is already registered.")
                          % {"serial": serial})
    try:
        with transaction.atomic():
            terminal = Terminal.objects.create(
                serial_number=serial, model=model, status=Terminal.Status.IN_STOCK,
                custodian=Terminal.Custodian.WAREHOUSE, firmware_version=firmware, key_check_value=kcv,
                key_injected_on=key_injected_on)
    except IntegrityError:
        raise DomainError(_("A terminal with the serial number %(serial)s is already registered.")
                          % {"serial": serial}) from None
    audit.record("terminal.received", actor=actor, target=terminal,
                 after={"status": terminal.status, "custodian": terminal.custodian},
                 data={"serial_number": serial, "model": str(model), "firmware_version": firmware,
                       "key_check_value": kcv, "key_injected_on": key_injected_on})
    return terminal


# --- bulk intake ------------------------------------------------------------------------------

@dataclass
class IntakeRow:
    line: int
    serial_number: str
    brand: str
    model_name: str
    firmware_version: str
    key_check_value: str = ""
    key_injected_on: date | None = None
    model: TerminalModel | None = None


@dataclass
class RowError:
    line: int
    serial_number: str
    messages: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        return " ".join(self.messages)


@dataclass
class IntakeReport:
    file_name: str
    kind: str  # "csv" or "xlsx"
    sha256: str
    size: int
    rows: list[IntakeRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class IntakeRejected(DomainError):
    """Some rows of the delivery file are bad: nothing was saved. ``report.errors`` lists each bad row."""

    def __init__(self, report: IntakeReport):
        self.report = report
        super().__init__(_("%(bad)s of %(total)s rows have problems: nothing was received. Correct the file and "
                           "upload it again.") % {"bad": len(report.errors), "total": len(report.rows)})


def _limit() -> int:
    return int(getattr(settings, "ACQUIRER_UPLOAD_MAX_BYTES", 10 * 1024 * 1024))


def _read(uploaded_file) -> tuple[str, bytes]:
    name = os.path.basename(getattr(uploaded_file, "name", "") or "")[:200] or "upload"
    size = getattr(uploaded_file, "size", None)
    limit = _limit()
    if size is not None and size > limit:
        raise DomainError(_("The file “%(name)s” is too large (%(size)s); the limit is %(limit)s.")
                          % {"name": name, "size": filesizeformat(size), "limit": filesizeformat(limit)})
    uploaded_file.seek(0)
    content = uploaded_file.read(limit + 1)
    uploaded_file.seek(0)
    if len(content) > limit:
        raise DomainError(_("The file “%(name)s” is too large; the limit is %(limit)s.")
                          % {"name": name, "limit": filesizeformat(limit)})
    if not content:
        raise DomainError(_("The file “%(name)s” is empty.") % {"name": name})
    return name, content


def _decode(name: str, content: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        if CONTROL_RE.search(text):
            break  # binary data that happens to decode
        return text
    raise DomainError(_("The file “%(name)s” is neither a CSV text file (UTF-8 or GB18030) nor an Excel workbook "
                        "(.xlsx).") % {"name": name})


def _csv_records(name: str, content: bytes) -> list[tuple[int, list]]:
    text = _decode(name, content)
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        return [(number, row) for number, row in enumerate(reader, start=1)]
    except csv.Error as error:
        raise DomainError(_("The file “%(name)s” is not a readable CSV file (%(error)s).")
                          % {"name": name, "error": error}) from None


def _xlsx_records(name: str, content: bytes) -> list[tuple[int, list]]:
    from openpyxl import load_workbook

    unreadable = _("The file “%(name)s” is a ZIP archive but not a readable Excel workbook (.xlsx).") % {"name": name}
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise DomainError(unreadable) from None
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        raise DomainError(unreadable)
    if unpacked > XLSX_EXPANSION * _limit():
        raise DomainError(_("The workbook “%(name)s” unpacks to too much data.") % {"name": name})
    try:
        # data_only=False: a formula cell reads as its text ("=..."), never as a computed value
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds of errors on malformed files
        raise DomainError(unreadable) from None
    try:
        sheet = workbook.worksheets[0]
        records = []
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            if any(_text(cell) for cell in row):
                records.append((number, list(row)))
                if len(records) > MAX_ROWS + 1:
                    break
        return records
    except Exception:  # noqa: BLE001
        raise DomainError(unreadable) from None
    finally:
        workbook.close()


def _header(name: str, row: list) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(row):
        key = re.sub(r"[\s-]+", "_", _text(cell).lstrip("\ufeff").strip().lower())
        if not key:
            continue
        if key in columns:
            raise DomainError(_("The column “%(column)s” appears twice in the header of “%(name)s”.")
                              % {"column": key, "name": name})
        columns[key] = index
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise DomainError(_("The file “%(name)s” has no column %(missing)s. The first row must name the columns: "
                            "%(required)s (and optionally %(optional)s).")
                          % {"name": name, "missing": ", ".join(missing), "required": ", ".join(REQUIRED_COLUMNS),
                             "optional": ", ".join(OPTIONAL_COLUMNS)})
    return columns


def intake_parse(uploaded_file) -> IntakeReport:
    """Read a supplier delivery file and check every row. File-level problems (too large, not CSV/XLSX,
    missing columns, no rows) raise ``DomainError``; row problems are listed in ``report.errors``."""
    name, content = _read(uploaded_file)
    suffix = os.path.splitext(name)[1].lower()
    if content.startswith(XLSX_MAGIC):
        kind = "xlsx"
        if suffix in (".csv", ".txt"):
            raise DomainError(_("The file “%(name)s” is named as a CSV file but its content is a ZIP archive. Upload "
                                "a CSV text file or an Excel workbook named .xlsx.") % {"name": name})
        records = _xlsx_records(name, content)
    elif content.startswith(OLE_MAGIC):
        raise DomainError(_("The file “%(name)s” is an old Excel (.xls) file: save it as .xlsx or CSV.")
                          % {"name": name})
    else:
        kind = "csv"
        if suffix == ".xlsx":
            raise DomainError(_("The file “%(name)s” is named as an Excel workbook but its content is not one.")
                              % {"name": name})
        records = _csv_records(name, content)
    report = IntakeReport(file_name=name, kind=kind, sha256=hashlib.sha256(content).hexdigest(), size=len(content))

    records = [(number, row) for number, row in records if any(_text(cell) for cell in row)]
    if not records:
        raise DomainError(_("The file “%(name)s” is empty.") % {"name": name})
    columns = _header(name, records[0][1])
    body = records[1:]
    if not body:
        raise DomainError(_("The file “%(name)s” has a header but no terminal rows.") % {"name": name})
    if len(body) > MAX_ROWS:
        raise DomainError(_("The file “%(name)s” has more than %(max)s rows: split the delivery into smaller files.")
                          % {"name": name, "max": MAX_ROWS})

    def cell(row, column):
        index = columns.get(column)
        return row[index] if index is not None and index < len(row) else None

    problems: list[list] = []
    for number, raw in body:
        injected_on, date_problem = _parse_date(cell(raw, "key_injected_on"))
        row = IntakeRow(line=number, serial_number=normalise_serial(_text(cell(raw, "serial_number"))),
                        brand=_text(cell(raw, "brand")), model_name=_text(cell(raw, "model")),
                        firmware_version=_text(cell(raw, "firmware_version")),
                        key_check_value=_text(cell(raw, "key_check_value")).upper(), key_injected_on=injected_on)
        report.rows.append(row)
        problems.append([p for p in (_serial_problem(row.serial_number), _firmware_problem(row.firmware_version),
                                     _kcv_problem(row.key_check_value), date_problem,
                                     None if date_problem else _key_date_problem(row.key_check_value, injected_on))
                         if p])

    # duplicates within the file, serials already registered, models of the catalog: two queries in all
    first_line: dict[str, int] = {}
    serials = {row.serial_number for row in report.rows if row.serial_number}
    existing = set(Terminal.objects.filter(serial_number__in=serials).values_list("serial_number", flat=True))
    catalog = {(m.brand.casefold(), m.name.casefold()): m for m in TerminalModel.objects.all()}
    for row, row_problems in zip(report.rows, problems, strict=True):
        if row.serial_number and row.serial_number in first_line:
            row_problems.append(_("The serial number %(serial)s appears more than once in the file (first on row "
                                  "%(line)s).") % {"serial": row.serial_number, "line": first_line[row.serial_number]})
        first_line.setdefault(row.serial_number, row.line)
        if row.serial_number in existing:
            row_problems.append(_("A terminal with the serial number %(serial)s is already registered.")
                                % {"serial": row.serial_number})
        if not row.brand or not row.model_name:
            row_problems.append(_("The brand or the model is missing."))
        else:
            model = catalog.get((row.brand.casefold(), row.model_name.casefold()))
            if model is None:
                row_problems.append(_("The model %(brand)s %(model)s is not in the catalog.")
                                    % {"brand": row.brand[:60], "model": row.model_name[:60]})
            elif not model.active:
                row_problems.append(_("The model %(brand)s %(model)s is no longer in the catalog.")
                                    % {"brand": model.brand, "model": model.name})
            else:
                row.model = model
        if row_problems:
            report.errors.append(RowError(line=row.line, serial_number=row.serial_number[:60],
                                          messages=[str(p) for p in row_problems]))
    return report


@transaction.atomic
def intake_commit(*, actor: User, supplier: str, delivery_note: str, uploaded_file) -> IntakeBatch:
    """Receive every terminal of a supplier delivery file into stock, or none: raises ``IntakeRejected``
    (with the report of every bad row) when any row is bad."""
    policy.require_permission(actor, MANAGE_STOCK)
    supplier, delivery_note = (supplier or "").strip(), (delivery_note or "").strip()
    if not supplier:
        raise DomainError(_("Give the supplier's name."))
    if len(supplier) > 100 or len(delivery_note) > 60:
        raise DomainError(_("The supplier has at most 100 characters and the delivery note at most 60."))
    report = intake_parse(uploaded_file)
    if not report.ok:
        raise IntakeRejected(report)
    now = timezone.now()
    batch = IntakeBatch.objects.create(supplier=supplier, delivery_note=delivery_note, file_name=report.file_name,
                                       sha256=report.sha256, rows=len(report.rows), received_by=actor,
                                       received_at=now)
    terminals = [Terminal(serial_number=row.serial_number, model=row.model, status=Terminal.Status.IN_STOCK,
                          status_changed_at=now, custodian=Terminal.Custodian.WAREHOUSE,
                          firmware_version=row.firmware_version, key_check_value=row.key_check_value,
                          key_injected_on=row.key_injected_on, created_at=now, intake_batch=batch)
                 for row in report.rows]
    try:
        with transaction.atomic():
            Terminal.objects.bulk_create(terminals, batch_size=500)
    except IntegrityError:
        raise DomainError(_("Some of these serial numbers were registered meanwhile: nothing was received. Upload "
                            "the file again to see which.")) from None
    models = Counter(str(row.model) for row in report.rows)
    audit.record("terminal.intake", actor=actor, target=batch,
                 after={"rows": batch.rows, "status": Terminal.Status.IN_STOCK},
                 data={"supplier": supplier, "delivery_note": delivery_note, "file_name": report.file_name,
                       "file_sha256": report.sha256, "format": report.kind, "terminals": batch.rows,
                       "models": dict(sorted(models.items()))})
    return batch
