"""How every export is written: CSV (UTF-8 with a BOM, so Excel shows Chinese) or XLSX (openpyxl's write-only
mode), every cell through one formula guard. Memory stays flat whatever the size and nothing is capped.

Each app declares what it exports (``acquirer.registry.Exporter`` in its ``plugin.py``). An exporter that declares
its ``columns`` as ORM expressions has its CSV written by PostgreSQL: the core turns the scoped queryset into one
``SELECT`` of guarded text cells (:class:`Cell`) and streams ``COPY (<that select>) TO STDOUT (FORMAT csv)``
through psycopg, so Python only passes the bytes on: an export costs the plain copy of the same rows plus the
cells' formatting and guard in SQL (about twice that copy, bench/scale_exports.py), where reading model objects and
quoting CSV row by row in Python cost 16 to 89 times as much. Python writes the BOM and the header line first.
The XLSX reads the same cells from the same queryset. An exporter with ``header()`` and ``row(obj)`` instead (no
SQL form) is written row by row in Python as before.

Two ways out:

* :func:`stream_response` — the small synchronous export (at most :func:`sync_limit` rows, checked with a
  bounded count before anything is written): the file streams back in the request.
* :func:`write_stored` — the job: a Celery task (``acquirer.tasks.write_export``) writes the whole result into
  private, encrypted storage (``acquirer.files.private_writer``), reporting progress about every second; the
  person downloads it from "My downloads" (``acquirer.services.exports``).
"""

import csv
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections, models, transaction
from django.db.models import Case, F, Func, Value, When
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from acquirer import files
from acquirer.files import CHUNK as FILE_CHUNK
from acquirer.files import private_writer
from acquirer.lists import bounded_count
from acquirer.manifests import HashingWriter
from acquirer.registry import Exporter

CHUNK = 2000  # rows read at a time by the Python paths (XLSX, exporters without columns)
BLOCK = 64 * 1024  # bytes of CSV handed on at a time (a response chunk, a write into sealed storage)
PROGRESS_SECONDS = 1.0  # how often the job reports the rows written so far
TOTAL_LIMIT = 10_000_000  # the job counts its rows up to this; beyond it the total is shown as unknown
XLSX_SHEET_ROWS = 1_048_575  # Excel's rows per sheet, less the header: a bigger export continues on a new sheet
FOLDER = "exports"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX_TYPE, "zip": "application/zip"}
BOM = "\ufeff"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """A cell that a spreadsheet will not run as a formula. Every cell is text, so 18-digit codes (USCC, MID)
    stay exact instead of turning into 1.23E+17. :class:`Cell` is the same rule in SQL."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


# --- cells in SQL ---------------------------------------------------------------------------------------------

_NUMBERS = (models.IntegerField, models.DecimalField, models.FloatField)  # with the big, small and auto variants
_STARTS = ", ".join(str(ord(start)) for start in _FORMULA_STARTS)


def _guard_text(text: str) -> str:
    """SQL of :func:`safe_cell` for the text ``text`` (an SQL expression): its first character read with
    ``ascii()`` (the code point, 0 for an empty text), far cheaper than comparing ``left(x, 1)`` with six
    strings; an empty text becomes NULL."""
    return f"CASE WHEN ascii({text}) IN ({_STARTS}) THEN '''' || {text} ELSE NULLIF({text}, '') END"


class Cell(Func):
    """One exported cell computed by PostgreSQL, exactly as :func:`safe_cell` would write it: the value as text,
    with an apostrophe in front when it starts with ``= + - @``, a tab or a carriage return; an empty text is
    NULL, so COPY writes an empty field (as Python's CSV writer did) rather than ``""``.

    A number can only start with ``-``: it is compared with zero and turned into text once. An expression whose
    ``formula_safe`` is set either cannot start with any of those characters (a formatted time) or guards its
    cells itself (:func:`choice_label`, :func:`json_text`): it is passed as it is, since guarding it again would
    only evaluate it twice."""

    output_field = models.TextField()

    def __init__(self, expression):
        super().__init__(expression)

    def as_sql(self, compiler, connection, **extra_context):
        (expression,) = self.get_source_expressions()
        sql, params = compiler.compile(expression)
        if getattr(expression, "formula_safe", False):
            return sql, params
        if isinstance(expression.output_field, _NUMBERS):
            return f"CASE WHEN ({sql}) < 0 THEN '''' || ({sql})::text ELSE ({sql})::text END", (*params,) * 3
        return _guard_text(f"({sql})::text"), (*params,) * 3


class _Safe(Func):
    """An expression whose text needs no guard (see :class:`Cell`)."""

    output_field = models.TextField()
    formula_safe = True


def own_text(field) -> Func:
    """A text column whose values the application itself writes, never a person: codes (an audit action such as
    ``rent.charged``, a model label, an origin such as ``task:…``) and hex hashes. They start with a
    letter or a digit, so there is nothing to guard; an empty text is still NULL (an empty field). ``field``: a
    column's name or an expression."""
    return _Safe(F(field) if isinstance(field, str) else field, template="NULLIF(%(expressions)s, '')")


def choice_label(field: str, choices) -> Func:
    """The label of a choice field's value in the active language (``get_<field>_display``), as SQL: a CASE over
    the labels evaluated now, so call it when the export is written (``Exporter.columns`` is). The labels are
    guarded here, in Python; a value that is not among the choices is written as it is (guarded), as Django's
    display does."""
    labels = Case(*[When(**{field: value}, then=Value(safe_cell(label))) for value, label in choices],
                  default=Cell(F(field)), output_field=models.TextField())
    return _Safe(labels, template="%(expressions)s")


def local_time(field: str) -> Func:
    """An instant as the reader's local time, ``YYYY-MM-DD HH:MM`` (``timezone.localtime(...).strftime("%Y-%m-%d
    %H:%M")``): ``AT TIME ZONE`` the current time zone (``settings.TIME_ZONE`` unless one was activated). Starts
    with the year's digits: nothing to guard."""
    return _Safe(F(field), Value(timezone.get_current_timezone_name()),
                 template="to_char(%(expressions)s, 'YYYY-MM-DD HH24:MI')", arg_joiner=" AT TIME ZONE ")


def iso_utc(field: str) -> Func:
    """An instant as ``datetime.isoformat()`` writes an aware UTC time: ``2026-11-30T08:05:03.123456+00:00``, the
    microseconds left out when they are zero."""
    return _Safe(F(field), template="replace(to_char(%(expressions)s AT TIME ZONE 'UTC', "
                                    "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"'), '.000000+', '+')")


def iso_date(field: str) -> Func:
    """A date as ``YYYY-MM-DD`` (``str(date)``), whatever the server's ``DateStyle``."""
    return _Safe(F(field), template="to_char(%(expressions)s, 'YYYY-MM-DD')")


def ip_text(field: str) -> Func:
    """An IP address as Django reads it (``host()``: no ``/32`` mask); a digit, a hex letter or ``:`` first."""
    return _Safe(F(field), function="host")


class _JsonText(_Safe):
    def as_sql(self, compiler, connection, **extra_context):
        (expression,) = self.get_source_expressions()
        value, params = compiler.compile(expression)
        scalar = f"(({value}) #>> '{{}}')"
        return (f"CASE jsonb_typeof({value}) WHEN 'object' THEN NULLIF(({value})::text, '{{}}') "
                f"WHEN 'array' THEN NULLIF(({value})::text, '[]') "
                f"ELSE CASE WHEN ({value}) IN ('\"\"', '0', 'false', 'null') THEN NULL "
                f"ELSE {_guard_text(scalar)} END END"), (*params,) * 7


def json_text(field: str) -> Func:
    """A JSON column as its JSON text (a lone string as itself); empty for what Python holds false ({}, [], "",
    0, false, null), as ``value or ""`` did. An object or an array starts with ``{`` or ``[``: it is rendered once,
    unguarded; only a lone scalar goes through the guard."""
    return _JsonText(F(field))


@dataclass(frozen=True)
class CopyQuery:
    """The export as one SQL statement of text cells (``sql`` with ``%s`` placeholders and its ``params``), run on
    the database ``using``; ``sql`` is None when the scope can match nothing."""

    sql: str | None
    params: tuple
    using: str


def header(exporter: Exporter) -> list[str]:
    """The column names, in order (called under the export's language)."""
    if exporter.columns is not None:
        return [name for name, _expression in exporter.columns()]
    return list(exporter.header())


def cells(exporter: Exporter, actor, filters: dict):
    """The scoped queryset (``exporter.queryset``: the selectors, through ``acquirer.access``) narrowed to the
    export's cells, one guarded text value per column, named ``c0``, ``c1``, … in order."""
    return exporter.queryset(actor, filters).values(
        **{f"c{index}": Cell(expression) for index, (_name, expression) in enumerate(exporter.columns())})


def copy_query(exporter: Exporter, actor, filters: dict) -> CopyQuery:
    """The export compiled to SQL (Django quotes nothing itself: the values stay parameters)."""
    queryset = cells(exporter, actor, filters)
    try:
        sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    except EmptyResultSet:
        return CopyQuery(None, (), queryset.db)
    return CopyQuery(sql, tuple(params), queryset.db)


def copy_blocks(query: CopyQuery) -> Iterator[tuple[bytes, int]]:
    """``(block, rows)``: the CSV of ``COPY (<query>) TO STDOUT (FORMAT csv)``, handed on in blocks of about
    :data:`BLOCK` bytes with the number of rows in each (psycopg returns one row per read). Nothing holds more
    than a block.

    COPY takes no bound parameters: psycopg merges ``params`` into the statement on the client, each quoted as a
    literal by its type's adapter (``psycopg.sql.Literal``), as Django's client-side cursor does for any query —
    no value is formatted into the SQL by hand. While this runs, the connection is busy: nothing else may use it
    until the generator ends (or is closed, which cancels the copy on the server).

    The copy runs without parallel workers (``SET LOCAL``, in a transaction of its own): with the cells' CASEs
    the planner picks a parallel scan whose rows must all be merged back, in order, by the one process that sends
    them, which doubled the time on the measured machine — and an export should not take the database's other
    cores from the people at work."""
    if query.sql is None:
        return
    statement = f"COPY ({query.sql}) TO STDOUT (FORMAT csv)"
    if not query.params:
        statement = statement.replace("%%", "%")  # psycopg unescapes "%%" only when it merges parameters
    with transaction.atomic(using=query.using), connections[query.using].cursor() as cursor:
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        with cursor.copy(statement, query.params or None) as copy:
            pending: list = []
            size = 0
            for row in copy:
                pending.append(row)
                size += len(row)
                if size >= BLOCK:
                    yield b"".join(pending), len(pending)
                    pending.clear()
                    size = 0
            if pending:
                yield b"".join(pending), len(pending)


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
    """The export's rows as lists of guarded text, read :data:`CHUNK` at a time: nothing holds the whole result.
    The XLSX path (and the CSV of an exporter without columns)."""
    if exporter.columns is not None:
        for values in cells(exporter, actor, filters).iterator(chunk_size=CHUNK):
            yield ["" if value is None else value for value in values.values()]
        return
    for obj in exporter.queryset(actor, filters).iterator(chunk_size=CHUNK):
        yield [safe_cell(value) for value in exporter.row(obj)]


def filename(exporter: Exporter, fmt: str, when=None) -> str:
    return f"{exporter.filename}-{timezone.localtime(when):%Y%m%d-%H%M%S}.{fmt}"


class _Echo:
    """A file-like object whose ``write`` hands the line back, so ``csv.writer`` produces one line at a time."""

    def write(self, value):
        return value


def header_line(names: list[str], *, lineterminator: str = "\n") -> bytes:
    """The BOM and the header line, as the file's first bytes (COPY ends its lines with ``\\n``)."""
    return (BOM + csv.writer(_Echo(), lineterminator=lineterminator).writerow(names)).encode("utf-8")


def csv_blocks(exporter: Exporter, actor, filters: dict) -> Iterator[tuple[bytes, int]]:
    """``(block, rows)``: the whole CSV, BOM and header first. Built now (the queryset, its scope and the labels
    in the active language); the rows are read only as the blocks are taken."""
    names = header(exporter)
    if exporter.columns is not None:
        query = copy_query(exporter, actor, filters)

        def blocks():
            yield header_line(names), 0
            yield from copy_blocks(query)

        return blocks()
    return _python_csv_blocks(names, rows(exporter, actor, filters))


def _python_csv_blocks(names: list[str], lines: Iterator[list[str]]) -> Iterator[tuple[bytes, int]]:
    """The CSV of an exporter without columns, written by Python's CSV writer (``\\r\\n`` line ends, as always)."""
    writer = csv.writer(_Echo())
    yield header_line(names, lineterminator="\r\n"), 0
    batch: list[str] = []
    for row in lines:
        batch.append(writer.writerow(row))
        if len(batch) >= CHUNK:
            yield "".join(batch).encode("utf-8"), len(batch)
            batch.clear()
    if batch:
        yield "".join(batch).encode("utf-8"), len(batch)


def xlsx_file(exporter: Exporter, lines: Iterator[list[str]]):
    """The workbook written row by row (write-only mode) to a temporary file, rewound for reading. A result
    longer than a sheet continues on the next one, header repeated: no row is dropped."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    title = str(exporter.sheet_title or exporter.title)[:25]
    names = header(exporter)
    sheet, on_sheet, number = None, XLSX_SHEET_ROWS, 0
    for row in lines:
        if on_sheet == XLSX_SHEET_ROWS:
            number += 1
            sheet = book.create_sheet(title if number == 1 else f"{title} ({number})")
            sheet.append(names)
            on_sheet = 0
        sheet.append(row)  # every cell a string: openpyxl writes text
        on_sheet += 1
    if sheet is None:
        book.create_sheet(title).append(names)
    out = tempfile.TemporaryFile()
    book.save(out)
    out.seek(0)
    return out


def stream_response(*, exporter: Exporter, actor, filters: dict, fmt: str):
    """The small export, in the request: CSV block by block as PostgreSQL copies it out, XLSX from a temporary
    file. The query (scope, filters, labels in the request's language) is built here; the rows are read while the
    response streams, after the view has returned."""
    name = filename(exporter, fmt)
    if fmt == "csv":
        blocks = csv_blocks(exporter, actor, filters)
        language = translation.get_language()

        def body():
            with translation.override(language):  # an exporter's ``row`` may translate, after the view returned
                for block, _rows in blocks:
                    yield block

        return files.attachment(body(), filename=name, content_type=CONTENT_TYPES["csv"])
    return files.attachment(xlsx_file(exporter, rows(exporter, actor, filters)), filename=name,
                            content_type=XLSX_TYPE)


def write_stored(*, exporter: Exporter, actor, filters: dict, fmt: str,
                 progress: Callable[[int], None], digest: dict | None = None) -> tuple[str, int]:
    """Write the whole export into private, encrypted storage; return its stored name and the number of rows.
    ``progress(rows)`` is called as the rows are written (about every :data:`PROGRESS_SECONDS` for a CSV, every
    :data:`CHUNK` rows for a workbook) — when the CSV comes from COPY the database connection is busy copying
    then, so ``progress`` must use a connection of its own. When anything fails, the partial file is removed
    (``private_writer``). ``digest``, when given, receives the file's ``bytes`` and ``sha256`` (of the plaintext:
    what its owner downloads), for the signed manifest."""
    written = 0

    def counted(lines: Iterator[list[str]]) -> Iterator[list[str]]:
        nonlocal written
        for written, row in enumerate(lines, 1):
            yield row
            if written % CHUNK == 0:
                progress(written)

    with private_writer(folder=FOLDER, extension=f".{fmt}") as (stored_name, sealed):
        writer = HashingWriter(sealed)
        if fmt == "csv":
            reported = time.monotonic()
            for block, count in csv_blocks(exporter, actor, filters):
                writer.write(block)
                written += count
                if count and time.monotonic() - reported >= PROGRESS_SECONDS:
                    progress(written)
                    reported = time.monotonic()
        else:
            with xlsx_file(exporter, counted(rows(exporter, actor, filters))) as workbook:
                shutil.copyfileobj(workbook, writer, FILE_CHUNK)
    if digest is not None:
        digest.update(bytes=writer.size, sha256=writer.sha256)
    return stored_name, written


def total_rows(exporter: Exporter, actor, filters: dict) -> int | None:
    """How many rows the export will have, counted up to :data:`TOTAL_LIMIT` (None beyond: unknown)."""
    counted = bounded_count(exporter.queryset(actor, filters), TOTAL_LIMIT)
    return counted.value if counted.exact else None
