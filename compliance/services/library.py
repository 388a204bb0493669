"""Writing the regulatory library: frameworks, requirements, controls and their mapping, and the import of a
requirement tree from a CSV or XLSX file (all or nothing, with a row-by-row report). Whoever keeps the library
(``compliance.manage_library``) does all of it; every change is audited with what it was before."""

import csv
import io
import os
import re
import zipfile
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from acquirer import audit, policy
from acquirer.exceptions import DomainError
from acquirer.models import User
from compliance import roles
from compliance.models import Control, Framework, Requirement

FRAMEWORK_FIELDS = ("code", "name_zh", "name_en", "kind", "issuer", "version", "effective_on", "description",
                    "active")
REQUIREMENT_FIELDS = ("reference", "parent", "title_zh", "title_en", "text_zh", "text_en", "applicability",
                      "applicability_note", "order")
CONTROL_FIELDS = ("code", "name_zh", "name_en", "kind", "description", "evidence_kind", "source", "owner", "active")


def _snapshot(obj, fields) -> dict:
    result = {}
    for name in fields:
        value = getattr(obj, name)
        result[name] = str(value) if hasattr(value, "pk") else value
    return result


def _require(actor) -> None:
    policy.require_permission(actor, roles.MANAGE_LIBRARY)


# --- frameworks -----------------------------------------------------------------------------------------------------

@transaction.atomic
def framework_create(*, actor: User, **values) -> Framework:
    _require(actor)
    if Framework.objects.filter(code=values["code"]).exists():
        error = DomainError(_("A framework with the code %(code)s exists already.") % {"code": values["code"]})
        error.field = "code"
        raise error
    framework = Framework.objects.create(**values)
    audit.record("framework.created", actor=actor, target=framework, after=_snapshot(framework, FRAMEWORK_FIELDS))
    return framework


@transaction.atomic
def framework_update(*, actor: User, framework: Framework, **values) -> Framework:
    _require(actor)
    framework = Framework.objects.select_for_update().get(pk=framework.pk)
    before = _snapshot(framework, FRAMEWORK_FIELDS)
    values.pop("code", None)  # the code names the framework in imports and exports: it does not change
    for name, value in values.items():
        setattr(framework, name, value)
    framework.save()
    after = _snapshot(framework, FRAMEWORK_FIELDS)
    changed = {k for k in after if after[k] != before[k]}
    audit.record("framework.updated", actor=actor, target=framework, before={k: before[k] for k in changed},
                 after={k: after[k] for k in changed})
    return framework


# --- requirements ---------------------------------------------------------------------------------------------------

def _check_parent(framework: Framework, parent: Requirement | None, requirement: Requirement | None = None) -> None:
    if parent is None:
        return
    if parent.framework_id != framework.pk:
        raise DomainError(_("The parent requirement belongs to another framework."))
    node = parent
    while node is not None:
        if requirement is not None and node.pk == requirement.pk:
            raise DomainError(_("A requirement cannot be part of itself or of one of its own parts."))
        node = node.parent


@transaction.atomic
def requirement_create(*, actor: User, framework: Framework, **values) -> Requirement:
    _require(actor)
    _check_parent(framework, values.get("parent"))
    if Requirement.objects.filter(framework=framework, reference=values["reference"]).exists():
        error = DomainError(_("The reference %(reference)s is already used in this framework.")
                            % {"reference": values["reference"]})
        error.field = "reference"
        raise error
    requirement = Requirement.objects.create(framework=framework, **values)
    audit.record("requirement.created", actor=actor, target=requirement,
                 after=_snapshot(requirement, REQUIREMENT_FIELDS), data={"framework": str(framework)})
    return requirement


@transaction.atomic
def requirement_update(*, actor: User, requirement: Requirement, **values) -> Requirement:
    _require(actor)
    requirement = Requirement.objects.select_for_update().select_related("framework").get(pk=requirement.pk)
    _check_parent(requirement.framework, values.get("parent"), requirement)
    reference = values.get("reference", requirement.reference)
    if Requirement.objects.filter(framework=requirement.framework_id, reference=reference).exclude(
            pk=requirement.pk).exists():
        error = DomainError(_("The reference %(reference)s is already used in this framework.")
                            % {"reference": reference})
        error.field = "reference"
        raise error
    before = _snapshot(requirement, REQUIREMENT_FIELDS)
    for name, value in values.items():
        setattr(requirement, name, value)
    requirement.save()
    after = _snapshot(requirement, REQUIREMENT_FIELDS)
    changed = {k for k in after if after[k] != before[k]}
    audit.record("requirement.updated", actor=actor, target=requirement, before={k: before[k] for k in changed},
                 after={k: after[k] for k in changed})
    return requirement


# --- controls -------------------------------------------------------------------------------------------------------

def _mapping(control: Control) -> list[str]:
    return sorted(f"{r.framework.code} {r.reference}" for r in control.requirements.select_related("framework"))


@transaction.atomic
def control_create(*, actor: User, requirements=(), **values) -> Control:
    _require(actor)
    if Control.objects.filter(code=values["code"]).exists():
        error = DomainError(_("A control with the code %(code)s exists already.") % {"code": values["code"]})
        error.field = "code"
        raise error
    control = Control.objects.create(**values)
    control.requirements.set(requirements)
    audit.record("control.created", actor=actor, target=control,
                 after={**_snapshot(control, CONTROL_FIELDS), "requirements": _mapping(control)})
    return control


@transaction.atomic
def control_update(*, actor: User, control: Control, requirements=None, **values) -> Control:
    _require(actor)
    control = Control.objects.select_for_update().get(pk=control.pk)
    before = {**_snapshot(control, CONTROL_FIELDS), "requirements": _mapping(control)}
    values.pop("code", None)
    for name, value in values.items():
        setattr(control, name, value)
    control.save()
    if requirements is not None:
        control.requirements.set(requirements)
    after = {**_snapshot(control, CONTROL_FIELDS), "requirements": _mapping(control)}
    changed = {k for k in after if after[k] != before[k]}
    audit.record("control.updated", actor=actor, target=control, before={k: before[k] for k in changed},
                 after={k: after[k] for k in changed})
    return control


# --- import ---------------------------------------------------------------------------------------------------------

IMPORT_COLUMNS = ("reference", "parent_reference", "title_zh", "title_en", "text_zh", "text_en", "applicability")
REQUIRED_COLUMNS = ("reference", "title_zh", "title_en")
MAX_ROWS = 2000
MAX_BYTES = 5 * 1024 * 1024
XLSX_MAGIC = b"PK\x03\x04"
_LIMITS = {"reference": 60, "parent_reference": 60, "title_zh": 300, "title_en": 300, "text_zh": 5000,
           "text_en": 5000}


@dataclass
class ImportReport:
    """What an import found: the rows it read, and each row's problems (nothing is saved when there is one)."""

    file_name: str
    rows: int = 0
    created: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _records(name: str, content: bytes) -> list[tuple[int, list]]:
    if content.startswith(XLSX_MAGIC):
        from openpyxl import load_workbook

        unreadable = _("The file “%(name)s” is not a readable Excel workbook (.xlsx).") % {"name": name}
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                if sum(info.file_size for info in archive.infolist()) > 20 * MAX_BYTES:
                    raise DomainError(_("The workbook “%(name)s” unpacks to too much data.") % {"name": name})
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
        except DomainError:
            raise
        except Exception:  # noqa: BLE001 - openpyxl raises many kinds of errors on malformed files
            raise DomainError(unreadable) from None
        try:
            rows = []
            for number, row in enumerate(workbook.worksheets[0].iter_rows(values_only=True), start=1):
                rows.append((number, list(row)))
                if number > MAX_ROWS + 1:
                    break
            return rows
        finally:
            workbook.close()
    if os.path.splitext(name)[1].lower() == ".xlsx":
        raise DomainError(_("The file “%(name)s” is named as an Excel workbook but is not one.") % {"name": name})
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise DomainError(_("The file “%(name)s” is neither a CSV text file (UTF-8) nor an Excel workbook (.xlsx).")
                          % {"name": name})
    if "\x00" in text:
        raise DomainError(_("The file “%(name)s” is neither a CSV text file (UTF-8) nor an Excel workbook (.xlsx).")
                          % {"name": name})
    try:
        return list(enumerate(csv.reader(io.StringIO(text, newline="")), start=1))
    except csv.Error as error:
        raise DomainError(_("The file “%(name)s” is not a readable CSV file (%(error)s).")
                          % {"name": name, "error": error}) from None


def _header(name: str, row: list) -> dict[str, int]:
    columns = {}
    for index, cell in enumerate(row):
        key = re.sub(r"[\s\-]+", "_", _text(cell).lstrip("\ufeff").lower())
        if key:
            columns.setdefault(key, index)
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    if missing:
        raise DomainError(_("The first row of “%(name)s” must name the columns: %(columns)s (missing: "
                            "%(missing)s).") % {"name": name, "columns": ", ".join(IMPORT_COLUMNS),
                                                "missing": ", ".join(missing)})
    return columns


def _applicability_code(value: str) -> str | None:
    if not value:
        return Requirement.Applicability.APPLIES
    lowered = value.lower().replace(" ", "_")
    for code, label in Requirement.Applicability.choices:
        if lowered in (code, str(label).lower().replace(" ", "_")):
            return code
    return None


def requirements_import(*, actor: User, framework: Framework, upload) -> ImportReport:
    """Add the requirement tree of a CSV or XLSX file to ``framework``: every row checked, the report lists each
    row's problems and nothing is saved unless every row is good. File-level problems raise ``DomainError``."""
    _require(actor)
    name = os.path.basename(getattr(upload, "name", "") or "requirements")[:200]
    upload.seek(0)
    content = upload.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        raise DomainError(_("The file “%(name)s” is too large; the limit is 5 MB.") % {"name": name})
    if not content:
        raise DomainError(_("The file “%(name)s” is empty.") % {"name": name})
    records = [(number, row) for number, row in _records(name, content) if any(_text(cell) for cell in row)]
    if not records:
        raise DomainError(_("The file “%(name)s” is empty.") % {"name": name})
    columns = _header(name, records[0][1])
    body = records[1:]
    if not body:
        raise DomainError(_("The file “%(name)s” has a header but no requirement rows.") % {"name": name})
    if len(body) > MAX_ROWS:
        raise DomainError(_("The file “%(name)s” has more than %(max)s rows.") % {"name": name, "max": MAX_ROWS})
    report = ImportReport(file_name=name, rows=len(body))
    existing = set(Requirement.objects.filter(framework=framework).values_list("reference", flat=True))
    in_file = {_text(row[columns["reference"]]) for _n, row in body if columns["reference"] < len(row)}
    seen: set[str] = set()
    parsed = []
    for number, row in body:
        values = {column: _text(row[columns[column]]) if column in columns and columns[column] < len(row) else ""
                  for column in IMPORT_COLUMNS}
        problems = []
        reference = values["reference"]
        if not reference:
            problems.append(_("the reference is missing"))
        elif reference in seen:
            problems.append(_("the reference %(reference)s appears twice in the file") % {"reference": reference})
        elif reference in existing:
            problems.append(_("the reference %(reference)s is already in this framework") % {"reference": reference})
        seen.add(reference)
        parent = values["parent_reference"]
        if parent and parent not in existing and parent not in in_file:
            problems.append(_("the parent reference %(parent)s is neither in the framework nor in the file")
                            % {"parent": parent})
        if parent and parent == reference:
            problems.append(_("a requirement cannot be its own parent"))
        if not values["title_zh"] and not values["title_en"]:
            problems.append(_("give a title in Chinese or in English"))
        applicability = _applicability_code(values["applicability"])
        if applicability is None:
            problems.append(_("the applicability “%(value)s” is not one of: %(choices)s")
                            % {"value": values["applicability"],
                               "choices": ", ".join(code for code, _label in Requirement.Applicability.choices)})
        for column, limit in _LIMITS.items():
            if len(values[column]) > limit:
                problems.append(_("%(column)s is too long (%(length)s characters; at most %(limit)s)")
                                % {"column": column, "length": len(values[column]), "limit": limit})
        for problem in problems:
            report.errors.append((number, problem))
        parsed.append((number, values, applicability))
    parent_of = {values["reference"]: values["parent_reference"] for _n, values, _a in parsed if values["reference"]}
    for number, values, _appl in parsed:
        node, hops = values["parent_reference"], 0
        while node and hops <= len(parsed):
            if node == values["reference"]:
                report.errors.append((number, _("the parent references go round in a circle")))
                break
            node, hops = parent_of.get(node), hops + 1
    if report.errors:
        return report
    with transaction.atomic():
        start = (Requirement.objects.filter(framework=framework).order_by("-order").values_list(
            "order", flat=True).first() or 0)
        created = {}
        for offset, (_number, values, applicability) in enumerate(parsed, start=1):
            created[values["reference"]] = Requirement.objects.create(
                framework=framework, reference=values["reference"], title_zh=values["title_zh"],
                title_en=values["title_en"], text_zh=values["text_zh"], text_en=values["text_en"],
                applicability=applicability, order=start + offset * 10)
        parents = {r.reference: r for r in Requirement.objects.filter(framework=framework)}
        for _number, values, _appl in parsed:
            if values["parent_reference"]:
                requirement = created[values["reference"]]
                requirement.parent = parents[values["parent_reference"]]
                requirement.save(update_fields=["parent"])
        report.created = len(created)
        audit.record("requirements.imported", actor=actor, target=framework,
                     data={"file": name, "rows": report.created})
    return report
