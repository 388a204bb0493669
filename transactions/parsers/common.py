"""What every parser shares: the refusal of a whole file, the row error, and the checks of a journal row (the
same fields arrive as CSV columns or ISO 8583 fields)."""

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from transactions.cards import masked, pan_valid, truncate

SHANGHAI = ZoneInfo("Asia/Shanghai")
TYPES = ("sale", "void", "refund", "preauth", "completion", "reversal")
NEGATIVE_TYPES = ("void", "refund", "reversal")
CHANNELS = ("chip", "contactless", "magstripe", "unionpay_qr", "other_qr")
QR_CHANNELS = ("unionpay_qr", "other_qr")
MAX_MINOR = 10 ** 12  # 10 000 000 000.00 yuan: anything above is a garbled amount
_TID = re.compile(r"^[0-9A-Za-z]{8}$")
_MID = re.compile(r"^[0-9A-Za-z]{1,15}$")
_STAN = re.compile(r"^[0-9]{6}$")
_RRN = re.compile(r"^[0-9A-Za-z]{12}$")
_AUTH = re.compile(r"^[0-9A-Za-z ]{0,6}$")
_RESPONSE = re.compile(r"^[0-9A-Za-z]{2}$")
_BATCH = re.compile(r"^[0-9]{0,6}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_MASKED = re.compile(r"^([0-9]{6,8})\*{2,}([0-9]{4})$")
_TOKEN = re.compile(r"^[0-9a-f]{64}$")


class Refused(Exception):
    """The file as a whole cannot be taken; ``str()`` is the one-line reason shown to people."""


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    reason: str


class RowInvalid(Exception):
    def __init__(self, field: str, reason: str):
        super().__init__(reason)
        self.field, self.reason = field, reason


def minor_from_yuan(text: str, field: str = "amount") -> int:
    """``"12.30"`` -> 1230. At most two decimals; never a float."""
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, ValueError):
        raise RowInvalid(field, _("not an amount (yuan with two decimals)")) from None
    if not value.is_finite() or value != value.quantize(Decimal("0.01")):
        raise RowInvalid(field, _("not an amount (yuan with two decimals)"))
    minor = int(value * 100)
    if abs(minor) >= MAX_MINOR:
        raise RowInvalid(field, _("amount out of range"))
    return minor


def local_naive(text: str) -> datetime:
    """ISO 8601 local time; an offset is converted to Asia/Shanghai wall time."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise RowInvalid("local_time", _("not an ISO 8601 date and time")) from None
    if value.tzinfo is not None:
        value = value.astimezone(SHANGHAI).replace(tzinfo=None)
    return value.replace(microsecond=0)


def card_fields(pan: str, token: str, channel: str, key: bytes | None) -> tuple[str, str, str, str]:
    """``(bin, last4, token, masked)`` of a row's card. ``pan`` is a full card number (checked, then forgotten) or,
    in our own stored rewrite, a masked number with its ``token``. A QR payment may come without a card."""
    pan = pan.strip()
    if not pan:
        if channel in QR_CHANNELS:
            return "", "", "", ""
        raise RowInvalid("pan", _("missing card number"))
    found = _MASKED.match(pan)
    if found and _TOKEN.match(token or ""):
        return found.group(1), found.group(2), token, masked(found.group(1), found.group(2))
    if not pan_valid(pan):
        raise RowInvalid("pan", _("not a valid card number"))
    bin_, last4, card_token = truncate(pan, key)
    return bin_, last4, card_token, masked(bin_, last4)


def journal_row(values: dict, *, line: int, key: bytes | None) -> dict:
    """Check one journal row (strings per field) and return the ledger's view of it: signed minor amount, local
    time, BIN/last four/token and the masked card (for the rewrite). Raises :class:`RowInvalid`."""
    tid = values["terminal_id"].strip()
    if not _TID.match(tid):
        raise RowInvalid("terminal_id", _("must be 8 letters or digits"))
    mid = values["merchant_id"].strip()
    if not _MID.match(mid):
        raise RowInvalid("merchant_id", _("must be 1 to 15 letters or digits"))
    local_time = values["local_time"] if isinstance(values["local_time"], datetime) \
        else local_naive(values["local_time"])
    type_ = values["type"].strip().lower()
    if type_ not in TYPES:
        raise RowInvalid("type", _("unknown type (sale, void, refund, preauth, completion, reversal)"))
    channel = values["channel"].strip().lower()
    if channel not in CHANNELS:
        raise RowInvalid("channel", _("unknown channel (chip, contactless, magstripe, unionpay_qr, other_qr)"))
    amount = values["amount"] if isinstance(values["amount"], int) else minor_from_yuan(values["amount"])
    if amount < 0 and type_ not in NEGATIVE_TYPES:
        raise RowInvalid("amount", _("negative amount for a %(type)s") % {"type": type_})
    amount = -abs(amount) if type_ in NEGATIVE_TYPES else amount
    currency = values["currency"].strip().upper()
    if not _CURRENCY.match(currency):
        raise RowInvalid("currency", _("not an ISO 4217 currency code"))
    stan = values["stan"].strip()
    if not _STAN.match(stan):
        raise RowInvalid("stan", _("must be 6 digits"))
    rrn = values["rrn"].strip()
    if not _RRN.match(rrn):
        raise RowInvalid("rrn", _("must be 12 letters or digits"))
    auth_code = values["auth_code"].strip()
    if not _AUTH.match(auth_code):
        raise RowInvalid("auth_code", _("at most 6 letters or digits"))
    response_code = values["response_code"].strip()
    if not _RESPONSE.match(response_code):
        raise RowInvalid("response_code", _("must be 2 letters or digits"))
    batch = values["batch"].strip()
    if not _BATCH.match(batch):
        raise RowInvalid("batch", _("at most 6 digits"))
    bin_, last4, token, card = card_fields(values["pan"], values.get("card_token", ""), channel, key)
    return {
        "line": line, "tid": tid, "mid": mid, "local_time": local_time, "type": type_, "channel": channel,
        "bin": bin_, "last4": last4, "card_token": token, "masked_pan": card, "amount_minor": amount,
        "currency": currency, "stan": stan, "rrn": rrn, "auth_code": auth_code, "response_code": response_code,
        "batch": batch, "latitude": values.get("latitude"), "longitude": values.get("longitude"),
    }
