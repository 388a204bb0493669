"""``clearing``: the card network's clearing file, CSV (UTF-8, comma separated, no quoting — no field contains a
comma), one header line, exactly :data:`HEADER`:

``clearing_date,local_date,mid,tid,rrn,stan,type,amount,currency,interchange_fee,masked_pan``

A clearing file is large (a million lines a day) and carries no full card number, so it is not parsed line by line
in Python: :func:`blocks` cuts it into blocks of whole lines (a few megabytes each) that go straight to PostgreSQL
``COPY``. A *plain* block (no control byte, no blank line, ten commas a line on average) is split by ``COPY …
(FORMAT csv)`` itself into eleven text columns; any other block goes as one text column per line and is split in
SQL. The fields are checked and typed in SQL (``transactions.services.ingest``), which reports each bad line with
its field and reason like the other kinds. Blank lines are skipped and keep their line number."""

import re

from django.utils.translation import gettext as _

from transactions.parsers.common import Refused

HEADER = ["clearing_date", "local_date", "mid", "tid", "rrn", "stan", "type", "amount", "currency",
          "interchange_fee", "masked_pan"]
BLOCK_BYTES = 8 * 1024 * 1024
BLANK = b"\x7f"  # stands for a blank line in a block (a row the SQL skips), so line numbers stay true
# NUL and the COPY's own delimiter and quote bytes cannot reach COPY: they become DEL, which the SQL check
# rejects as a control character.
_SANITISE = bytes.maketrans(b"\x00\x01\x02\r", b"\x7f\x7f\x7f\n")
_CONTROL = re.compile(rb"[\x00-\x09\x0b-\x1f\x7f]")
FIELDS = len(HEADER)


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


def blocks(stream, block_bytes: int = BLOCK_BYTES):
    """``(lines, data, plain)`` blocks of whole lines after the header. A ``plain`` block has no control byte (so
    none of the COPY's own), no blank line and as many commas as eleven fields a line: it is ready for ``COPY …
    (FORMAT csv, QUOTE E'\\x01')`` into eleven columns, one row per line (COPY itself refuses a line with another
    number of fields). Any other block — and a plain one COPY refuses — is ready for ``COPY … (FORMAT csv,
    DELIMITER E'\\x01', QUOTE E'\\x02')`` into one text column, one row per line (blank lines as :data:`BLANK`).
    :class:`Refused` when a block is not UTF-8 text."""
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
    lines = data.count(b"\n")
    if (_CONTROL.search(data) is None and b"\n\n" not in data and not data.startswith(b"\n")
            and data.count(b",") == (FIELDS - 1) * lines):
        return lines, data, True
    data = data.translate(_SANITISE)
    if b"\n\n" in data or data.startswith(b"\n"):
        data = _fill_blanks(data)
    return data.count(b"\n"), data, False


def _fill_blanks(data: bytes) -> bytes:
    lines = data.split(b"\n")
    return b"\n".join(line or BLANK for line in lines[:-1]) + b"\n"
