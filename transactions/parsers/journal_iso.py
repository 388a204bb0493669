"""``journal``: the host journal as ISO 8583 messages, each preceded by its length (2 bytes, big-endian), decoded
with ``pyiso8583`` against :data:`SPEC` (ASCII fields, binary bitmaps). ``docs/transactions.md`` documents the
spec field by field.

What a message means:

* MTI 0100/0110 → ``preauth``; 0200/0210 → by the processing code (field 3, first two digits): ``00`` ``sale``,
  ``02`` ``void``, ``20`` ``refund``; 0220/0230 → ``completion``; 0400/0410/0420/0430 → ``reversal``.
* Field 22 (POS entry mode, first two digits) → channel: ``05`` chip, ``07`` contactless, ``02`` and ``90``
  magstripe, ``03`` UnionPay QR, ``04`` other QR.
* Field 49 (numeric ISO 4217) → the alphabetic code (``156`` → ``CNY``).

Our stored rewrite keeps the layout: field 2 holds the masked PAN and field 48 the card token (``TK`` + 64 hex)."""

import struct

import iso8583
from django.utils.translation import gettext as _

from transactions.parsers.common import Refused, RowError, RowInvalid, journal_row


def _field(max_len: int, len_type: int = 0, desc: str = "", data_enc: str = "ascii") -> dict:
    return {"data_enc": data_enc, "len_enc": "ascii", "len_type": len_type, "max_len": max_len, "desc": desc}


SPEC = {
    "h": _field(0, desc="Message header (none)"),
    "t": _field(4, desc="Message type indicator"),
    "p": _field(8, desc="Primary bitmap", data_enc="b"),
    "1": _field(8, desc="Secondary bitmap", data_enc="b"),
    "2": _field(19, 2, "Primary account number (PAN)"),
    "3": _field(6, desc="Processing code"),
    "4": _field(12, desc="Amount, transaction (minor units)"),
    "7": _field(10, desc="Transmission date and time (MMDDhhmmss, UTC)"),
    "11": _field(6, desc="System trace audit number (STAN)"),
    "12": _field(12, desc="Date and time, local transaction (YYMMDDhhmmss)"),
    "13": _field(4, desc="Date, local transaction (MMDD)"),
    "22": _field(3, desc="POS entry mode"),
    "37": _field(12, desc="Retrieval reference number (RRN)"),
    "38": _field(6, desc="Authorisation code"),
    "39": _field(2, desc="Response code"),
    "41": _field(8, desc="Card acceptor terminal ID (TID)"),
    "42": _field(15, desc="Card acceptor ID code (MID)"),
    "48": _field(999, 3, "Additional data, private (TK + card token in our rewrite)"),
    "49": _field(3, desc="Currency code, transaction (numeric)"),
    "60": _field(999, 3, "Batch number"),
    "62": _field(999, 3, "Reported location (latitude,longitude)"),
}
for _number in range(2, 129):
    SPEC.setdefault(str(_number), _field(999, 3, "Not used"))

MTI_TYPES = {"0100": "preauth", "0110": "preauth", "0220": "completion", "0230": "completion",
             "0400": "reversal", "0410": "reversal", "0420": "reversal", "0430": "reversal"}
FINANCIAL_MTIS = ("0200", "0210")
PROCESSING_TYPES = {"00": "sale", "02": "void", "20": "refund"}
ENTRY_MODES = {"05": "chip", "07": "contactless", "02": "magstripe", "90": "magstripe", "03": "unionpay_qr",
               "04": "other_qr"}
CURRENCIES = {"156": "CNY", "344": "HKD", "446": "MOP", "840": "USD", "978": "EUR", "392": "JPY", "410": "KRW",
              "826": "GBP", "702": "SGD"}
REQUIRED = {"3": "processing_code", "4": "amount", "11": "stan", "12": "local_time", "22": "pos_entry_mode",
            "37": "rrn", "39": "response_code", "41": "terminal_id", "42": "merchant_id", "49": "currency"}
MAX_MESSAGE = 4096


def frames(stream):
    """``(number, offset, message bytes)`` of every length-prefixed message; :class:`Refused` for a truncated or
    garbled framing (checked over the whole file before anything is loaded)."""
    number, offset = 0, 0
    while True:
        prefix = stream.read(2)
        if not prefix:
            return
        number += 1
        if len(prefix) < 2:
            raise Refused(_("Truncated file: message %(n)s has an incomplete length prefix (byte %(offset)s).")
                          % {"n": number, "offset": offset})
        (length,) = struct.unpack(">H", prefix)
        if length < 12 or length > MAX_MESSAGE:
            raise Refused(_("Not an ISO 8583 journal: message %(n)s announces %(length)s bytes (byte %(offset)s).")
                          % {"n": number, "length": length, "offset": offset})
        body = stream.read(length)
        if len(body) < length:
            raise Refused(_("Truncated file: message %(n)s announces %(length)s bytes but only %(found)s remain.")
                          % {"n": number, "length": length, "found": len(body)})
        yield number, offset, body
        offset += 2 + length


def check(stream) -> int:
    """Walk the framing of the whole file (cheap: no decoding); the number of messages. :class:`Refused` when the
    file is truncated or is not length-prefixed messages."""
    count = sum(1 for _frame in frames(stream))
    if not count:
        raise Refused(_("The file is empty."))
    return count


def _type(mti: str, processing: str) -> str:
    if mti in MTI_TYPES:
        return MTI_TYPES[mti]
    if mti in FINANCIAL_MTIS and processing[:2] in PROCESSING_TYPES:
        return PROCESSING_TYPES[processing[:2]]
    raise RowInvalid("mti", _("unsupported message type or processing code"))


def _values(decoded: dict) -> dict:
    for number, name in REQUIRED.items():
        if not decoded.get(number, "").strip():
            raise RowInvalid(name, _("field %(n)s missing") % {"n": number})
    mti, local = decoded["t"], decoded["12"]
    if not (local.isdigit() and len(local) == 12):
        raise RowInvalid("local_time", _("field 12 must be YYMMDDhhmmss"))
    local_time = f"20{local[0:2]}-{local[2:4]}-{local[4:6]}T{local[6:8]}:{local[8:10]}:{local[10:12]}"
    if not decoded["4"].isdigit():
        raise RowInvalid("amount", _("field 4 must be 12 digits (minor units)"))
    channel = ENTRY_MODES.get(decoded["22"][:2])
    if channel is None:
        raise RowInvalid("pos_entry_mode", _("unknown POS entry mode"))
    currency = CURRENCIES.get(decoded["49"])
    if currency is None:
        raise RowInvalid("currency", _("unknown numeric currency code"))
    latitude = longitude = None
    if decoded.get("62"):
        try:
            lat_text, lon_text = decoded["62"].split(",")
            latitude, longitude = round(float(lat_text), 6), round(float(lon_text), 6)
        except ValueError:
            raise RowInvalid("location", _("field 62 must be latitude,longitude")) from None
        if abs(latitude) > 90 or abs(longitude) > 180:
            raise RowInvalid("location", _("coordinates out of range"))
        latitude, longitude = f"{latitude:.6f}", f"{longitude:.6f}"
    token = decoded.get("48", "")
    return {
        "terminal_id": decoded["41"], "merchant_id": decoded["42"], "local_time": local_time,
        "type": _type(mti, decoded["3"]), "channel": channel, "pan": decoded.get("2", ""),
        "card_token": token[2:] if token.startswith("TK") else "", "amount": int(decoded["4"]),
        "currency": currency, "stan": decoded["11"], "rrn": decoded["37"], "auth_code": decoded.get("38", ""),
        "response_code": decoded["39"], "batch": decoded.get("60", ""), "latitude": latitude, "longitude": longitude,
    }


def parse(stream, *, key: bytes | None = None, rewrite=None):
    """Yield one dict per valid message and a :class:`RowError` per invalid one (``line`` is the message's
    number, counted from 1). ``rewrite`` receives each message re-encoded with the PAN masked and the token in
    field 48 (length prefix included). The framing is checked by :func:`check` first: call it on the file."""
    for number, _offset, body in frames(stream):
        try:
            decoded, _encoded = iso8583.decode(body, SPEC)
        except iso8583.DecodeError as error:
            yield RowError(number, "message", _("cannot be decoded: %(error)s") % {"error": _describe(error)})
            continue
        try:
            row = journal_row(_values(decoded), line=number, key=key)
        except RowInvalid as error:
            yield RowError(number, error.field, error.reason)
            if rewrite is not None:
                decoded.pop("2", None)
                rewrite(_encode(decoded))
            continue
        except ValueError:
            yield RowError(number, "local_time", _("not a valid date and time"))
            continue
        if rewrite is not None:
            if row["bin"]:
                decoded["2"] = row["masked_pan"]
                decoded["48"] = "TK" + row["card_token"]
            rewrite(_encode(decoded))
        yield row


def _describe(error: iso8583.DecodeError) -> str:
    """The library's message without the data it quotes (it may quote a PAN)."""
    field = getattr(error, "field", "")
    return _("field %(field)s") % {"field": field} if field else _("bad message")


def _encode(decoded: dict) -> bytes:
    decoded = {k: v for k, v in decoded.items() if k not in ("p", "1")}
    raw, _encoded = iso8583.encode(decoded, SPEC)
    return struct.pack(">H", len(raw)) + bytes(raw)


def encode_message(fields: dict) -> bytes:
    """One length-prefixed message from ``{"t": mti, "2": pan, ...}`` (used by the demo writers and tests)."""
    return _encode(dict(fields))
