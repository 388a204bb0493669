"""How every export is written: CSV (UTF-8 with a BOM, so Excel shows Chinese) or XLSX (openpyxl's write-only
mode), rows read 2,000 at a time from a server-side cursor, every cell through one formula guard. Memory stays
flat whatever the size and nothing is capped.

Each app declares what it exports (``acquirer.registry.Exporter`` in its ``plugin.py``). Two ways out:

* :func:`stream_response` — the small synchronous export (at most :func:`sync_limit` rows, checked with a
  bounded count before anything is written): the file streams back in the request, as before.
* :func:`write_stored` — the job: a Celery task (``acquirer.tasks.write_export``) writes the whole result into
  private, encrypted storage (``acquirer.files.private_writer``), reporting progress after every chunk; the
  person downloads it from "My downloads" (``acquirer.services.exports``).
"""

import csv
import shutil
import tempfile
from collections.abc import Callable, Iterator

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from acquirer import files
from acquirer.files import CHUNK as FILE_CHUNK
from acquirer.files import private_writer
from acquirer.lists import bounded_count
from acquirer.registry import Exporter

CHUNK = 2000
TOTAL_LIMIT = 10_000_000  # the job counts its rows up to this; beyond it the total is shown as unknown
XLSX_SHEET_ROWS = 1_048_575  # Excel's rows per sheet, less the header: a bigger export continues on a new sheet
FOLDER = "exports"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX_TYPE}
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """A cell that a spreadsheet will not run as a formula. Every cell is text, so 18-digit codes (USCC, MID)
    stay exact instead of turning into 1.23E+17."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def sync_limit() -> int:
    return settings.ACQUIRER_EXPORT_SYNC_ROWS


def too_large_message() -> str:
    """What a synchronous export says when the result is too large for it (never a silently shorter file)."""
    return _("More than %(count)s rows match: use “Prepare file”, which writes every row in the background and "
             "puts the file in My downloads.") % {"count": f"{sync_limit():,}"}


def small_enough(exporter: Exporter, actor, filters: dict) -> bool:
    """Whether the result fits the synchronous export (a bounded count: never the whole table)."""
    return bounded_count(exporter.queryset(actor, filters), sync_limit()).exact


def rows(exporter: Exporter, actor, filters: dict) -> Iterator[list[str]]:
    """The export's rows, guarded, read :data:`CHUNK` at a time: nothing holds the whole result."""
    for obj in exporter.queryset(actor, filters).iterator(chunk_size=CHUNK):
        yield [safe_cell(value) for value in exporter.row(obj)]


def filename(exporter: Exporter, fmt: str, when=None) -> str:
    return f"{exporter.filename}-{timezone.localtime(when):%Y%m%d-%H%M%S}.{fmt}"


class _Echo:
    """A file-like object whose ``write`` hands the line back, so ``csv.writer`` produces one line at a time."""

    def write(self, value):
        return value


def csv_lines(exporter: Exporter, lines: Iterator[list[str]]) -> Iterator[str]:
    """The CSV, BOM first, one line at a time."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(exporter.header())
    for row in lines:
        yield writer.writerow(row)


def xlsx_file(exporter: Exporter, lines: Iterator[list[str]]):
    """The workbook written row by row (write-only mode) to a temporary file, rewound for reading. A result
    longer than a sheet continues on the next one, header repeated: no row is dropped."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    title = str(exporter.sheet_title or exporter.title)[:25]
    sheet, on_sheet, number = None, XLSX_SHEET_ROWS, 0
    for row in lines:
        if on_sheet == XLSX_SHEET_ROWS:
            number += 1
            sheet = book.create_sheet(title if number == 1 else f"{title} ({number})")
            sheet.append(exporter.header())
            on_sheet = 0
        sheet.append(row)  # every cell a string: openpyxl writes text
        on_sheet += 1
    if sheet is None:
        book.create_sheet(title).append(exporter.header())
    out = tempfile.TemporaryFile()
    book.save(out)
    out.seek(0)
    return out


def stream_response(*, exporter: Exporter, actor, filters: dict, fmt: str):
    """The small export, in the request: CSV line by line, XLSX from a temporary file. The CSV lines are made
    while the response streams, after the view has returned, so they are written in the request's language
    explicitly."""
    language = translation.get_language()

    def lines():
        with translation.override(language):
            yield from csv_lines(exporter, rows(exporter, actor, filters))

    name = filename(exporter, fmt)
    if fmt == "csv":
        return files.attachment(lines(), filename=name, content_type=CONTENT_TYPES["csv"])
    return files.attachment(xlsx_file(exporter, rows(exporter, actor, filters)), filename=name,
                            content_type=XLSX_TYPE)


def _counted(lines: Iterator[list[str]], progress: Callable[[int], None]) -> Iterator[list[str]]:
    """``lines`` passed through, ``progress(n)`` called after every :data:`CHUNK` rows and at the end."""
    written = 0
    for row in lines:
        yield row
        written += 1
        if written % CHUNK == 0:
            progress(written)
    progress(written)


def write_stored(*, exporter: Exporter, actor, filters: dict, fmt: str,
                 progress: Callable[[int], None]) -> str:
    """Write the whole export into private, encrypted storage; return its stored name. ``progress(rows)`` is
    called after every chunk. When anything fails, the partial file is removed (``private_writer``)."""
    lines = _counted(rows(exporter, actor, filters), progress)
    with private_writer(folder=FOLDER, extension=f".{fmt}") as (stored_name, writer):
        if fmt == "csv":
            batch: list[str] = []
            for line in csv_lines(exporter, lines):
                batch.append(line)
                if len(batch) >= CHUNK:
                    writer.write("".join(batch).encode("utf-8"))
                    batch.clear()
            writer.write("".join(batch).encode("utf-8"))
        else:
            with xlsx_file(exporter, lines) as workbook:
                shutil.copyfileobj(workbook, writer, FILE_CHUNK)
    return stored_name


def total_rows(exporter: Exporter, actor, filters: dict) -> int | None:
    """How many rows the export will have, counted up to :data:`TOTAL_LIMIT` (None beyond: unknown)."""
    counted = bounded_count(exporter.queryset(actor, filters), TOTAL_LIMIT)
    return counted.value if counted.exact else None
