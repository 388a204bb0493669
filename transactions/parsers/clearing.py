"""``clearing``: the card network's clearing file, CSV (UTF-8, comma separated, no quoting — no field contains a
comma), one header line, exactly :data:`HEADER`:

``clearing_date,local_date,mid,tid,rrn,stan,type,amount,currency,interchange_fee,masked_pan``

A clearing file is large (a million lines a day) and carries no full card number, so it is not parsed line by line
in Python: :func:`blocks` cuts it into blocks of whole lines (a megabyte each) that go straight to PostgreSQL
``COPY``. A *plain* block (no control byte, no blank line, ten commas a line on average) is split by ``COPY …
(FORMAT csv)`` itself into eleven text columns; any other block goes as one text column per line and is split in
SQL. The fields are checked and typed in SQL (``transactions.services.ingest``), which reports each bad line with
its field and reason like the other kinds. Blank lines are skipped and keep their line number."""

import re
from datetime import date

from django.utils.translation import gettext as _

from transactions.parsers.common import Refused

HEADER = ["clearing_date", "local_date", "mid", "tid", "rrn", "stan", "type", "amount", "currency",
          "interchange_fee", "masked_pan"]
BLOCK_BYTES = 1024 * 1024
BLANK = b"\x7f"  # stands for a blank line in a block (a row the SQL skips), so line numbers stay true
# NUL and the COPY's own delimiter and quote bytes cannot reach COPY: they become DEL, which the SQL check
# rejects as a control character.
_SANITISE = bytes.maketrans(b"\x00\x01\x02\r", b"\x7f\x7f\x7f\n")
TYPES = ("sale", "void", "refund", "preauth", "completion", "reversal")
# The shape of a line: every digit as 9, capital letter as A, small letter as a; the separators kept; any other byte
# (a control character, a quote, a space, a non-ASCII letter) as ?. A line whose shape matches _LINE_SHAPE passes
# every check of its fields but two, done on the block's distinct values: the dates exist and the type is known.
_SHAPE = bytes(
    ord("9") if chr(b).isdigit() and b < 128 else ord("A") if 65 <= b <= 90 else ord("a") if 97 <= b <= 122
    else b if b in b",-.*\n" else ord("?") for b in range(256))
_LINE_SHAPE = re.compile(rb"9999-99-99,9999-99-99,[9Aa]{1,15},[9Aa]{8},[9Aa]{12},9{6},a{4,10},-?9{1,10}[.]99,AAA,"
                         rb"-?9{1,10}[.]99,(?:9{6,8}[*]{2,}9{4})?")


def read_header(stream) -> None:
    """Read and check the header line; :class:`Refused` when it is not exactly :data:`HEADER`."""
    first = stream.readline(4096)
    if not first:
        raise Refused(_("The file is empty."))
    try:
        names = [name.strip().lower() for name in first.decode("utf-8-sig").strip().split(",")]
    except UnicodeDecodeError:
        raise Refused(_("The file is not UTF-8 CSV text.")) from None
    if names != HEADER:
        raise Refused(_("Wrong header: expected exactly %(header)s.") % {"header": ",".join(HEADER)})


def blocks(stream, block_bytes: int | None = None):
    """``(lines, data, plain)`` blocks of whole lines after the header. In a ``plain`` block every line has the
    shape of a good line (:func:`plain`): it is ready for ``COPY … (FORMAT csv, QUOTE E'\\x01')`` into eleven
    columns, one row per line, and only its dates and types are left to check. Any other block — and a plain one
    COPY refuses — is ready for ``COPY … (FORMAT csv, DELIMITER E'\\x01', QUOTE E'\\x02')`` into one text column,
    one row per line (blank lines as :data:`BLANK`).
    :class:`Refused` when a block is not UTF-8 text."""
    block_bytes = block_bytes or BLOCK_BYTES
    carry = b""
    first_line = 2
    while True:
        chunk = stream.read(block_bytes)
        if not chunk:
            break
        data = carry + chunk
        cut = data.rfind(b"\n")
        if cut < 0:
            carry = data
            continue
        data, carry = data[:cut + 1], data[cut + 1:]
        yield _prepared(data, first_line)
        first_line += data.count(b"\n")
    if carry:
        yield _prepared(carry + b"\n", first_line)


def _prepared(data: bytes, first_line: int) -> tuple[int, bytes, bool]:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = first_line + data.count(b"\n", 0, error.start)
        raise Refused(_("The file is not UTF-8 text (line %(line)s).") % {"line": line}) from None
    data = data.replace(b"\r\n", b"\n")
    if plain(data):
        return data.count(b"\n"), data, True
    data = data.translate(_SANITISE)
    if b"\n\n" in data or data.startswith(b"\n"):
        data = _fill_blanks(data)
    return data.count(b"\n"), data, False


def plain(data: bytes) -> bool:
    """Every line of ``data`` (whole lines, LF) has the shape of a good line: eleven fields of the right
    characters and lengths (dates as ``9999-99-99``, amounts with two decimals, the masked PAN as BIN, stars, last
    four or empty); checked once per distinct shape, a few hundred in a file."""
    if not data.endswith(b"\n") or data.startswith(b"\n") or b"\n\n" in data:
        return False
    shapes = set(data[:-1].translate(_SHAPE).split(b"\n"))
    return all(_LINE_SHAPE.fullmatch(shape) for shape in shapes)


def values_ok(dates, types) -> bool:
    """The distinct dates (``YYYY-MM-DD`` by their shape) of a plain block exist and its types are known."""
    try:
        for value in dates:
            date.fromisoformat(value)
    except ValueError:
        return False
    return set(types) <= set(TYPES)


def _fill_blanks(data: bytes) -> bytes:
    lines = data.split(b"\n")
    return b"\n".join(line or BLANK for line in lines[:-1]) + b"\n"
