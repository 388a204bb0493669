"""``journal-csv``: the host journal as CSV (UTF-8, comma separated, one header line).

The header must be exactly :data:`HEADER`, in this order. Our own stored rewrite of such a file carries one more
column, ``card_token``, and the PAN masked (``62258800******0001``); the parser takes it back unchanged."""

import csv
import io

from django.utils.translation import gettext as _

from transactions.parsers.common import Refused, RowError, RowInvalid, journal_row

HEADER = ["terminal_id", "merchant_id", "local_time", "type", "channel", "pan", "amount", "currency", "stan", "rrn",
          "auth_code", "response_code", "batch"]
REWRITE_HEADER = [*HEADER, "card_token"]
PAN_COLUMN = HEADER.index("pan")


class _Line:
    def __init__(self):
        self.text = ""

    def write(self, value):
        self.text = value


def parse(stream, *, key: bytes | None = None, rewrite=None):
    """Yield one dict per valid row (see ``common.journal_row``) and a :class:`RowError` per invalid one.

    ``stream`` is a binary file object. ``rewrite`` (a callable taking ``bytes``), when given, receives the file
    with every PAN masked and its token in an extra ``card_token`` column: the only form of the file that is ever
    stored. Raises :class:`Refused` for a file that is not this kind of CSV."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    try:
        header = next(reader, None)
    except (UnicodeDecodeError, csv.Error):
        raise Refused(_("The file is not UTF-8 CSV text.")) from None
    if header is None:
        raise Refused(_("The file is empty."))
    header = [name.strip().lower() for name in header]
    if header not in (HEADER, REWRITE_HEADER):
        raise Refused(_("Wrong header: expected exactly %(header)s.") % {"header": ",".join(HEADER)})
    width = len(header)
    buffer = _Line()
    writer = csv.writer(buffer, lineterminator="\n")
    if rewrite is not None:
        writer.writerow(REWRITE_HEADER)
        rewrite(buffer.text.encode())
    try:
        for values in reader:
            line = reader.line_num
            if not values or values == [""]:
                continue
            if len(values) != width:
                yield RowError(line, "", _("%(found)s columns instead of %(expected)s")
                               % {"found": len(values), "expected": width})
                if rewrite is not None and len(values) > PAN_COLUMN:
                    values[PAN_COLUMN] = "(removed)"
                    writer.writerow(values)
                    rewrite(buffer.text.encode())
                continue
            fields = dict(zip(header, values, strict=True))
            try:
                row = journal_row(fields, line=line, key=key)
            except RowInvalid as error:
                yield RowError(line, error.field, error.reason)
                if rewrite is not None:
                    values[PAN_COLUMN] = "(removed)" if error.field == "pan" else _mask_quietly(values[PAN_COLUMN])
                    writer.writerow(values[:len(HEADER)] + [""])
                    rewrite(buffer.text.encode())
                continue
            if rewrite is not None:
                values[PAN_COLUMN] = row["masked_pan"]
                writer.writerow(values[:len(HEADER)] + [row["card_token"]])
                rewrite(buffer.text.encode())
            yield row
    except UnicodeDecodeError:
        raise Refused(_("The file is not UTF-8 text (after line %(line)s).") % {"line": reader.line_num}) from None
    except csv.Error as error:
        raise Refused(_("The CSV cannot be read at line %(line)s: %(error)s.")
                      % {"line": reader.line_num, "error": error}) from None


def _mask_quietly(pan: str) -> str:
    """What the rewrite keeps of the PAN of a row rejected for another field: never the full number."""
    digits = pan.strip()
    if len(digits) >= 13 and digits.isdigit():
        return f"{digits[:6]}******{digits[-4:]}"
    return "(removed)" if digits and "*" not in digits else digits
