"""``bank-statement``: the settlement bank's end-of-day statement, SWIFT MT940, read with the ``mt-940`` library.

Quirks handled: a missing trailing CRLF, CR/LF/CRLF line ends, an empty ``:86:``, binary (control) characters
(removed before parsing), ``:86:`` details wrapped over several lines (joined back as one text), a SWIFT envelope
(``{1:…}{2:…}{4: … -}``) and several statements in one file. An MT942 interim report (``:34F:``/``:13D:`` or an
``942`` application header) is refused with that reason: only end-of-day statements are booked.

Each entry (``:61:``) gives a line: value and entry date, amount in minor units (credits positive, debits
negative), currency, the payout reference (``P`` + 15 digits, from the ``:61:`` customer or bank reference, else
from the ``:86:`` details) and the details text."""

import re

import mt940 as swift
from django.utils.translation import gettext as _

from transactions.parsers.common import Refused

REFERENCE = re.compile(r"P\d{15}")
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")
_ENVELOPE = re.compile(r"\{[1-3]:[^}]*\}|\{4:|-\}|\{5:[^}]*(\{[^}]*\})*\}")
_STATEMENT_START = re.compile(r"(?m)^(?=:20:)")


def _text(data: bytes) -> str:
    text = data.decode("utf-8", errors="replace") if not _latin(data) else data.decode("latin-1")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufffd", "")
    return _CONTROL.sub("", text)


def _latin(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return not data.decode("utf-8", errors="ignore")
    return False


def account_number(identification: str) -> str:
    """The account of ``:25:`` without the bank code (``CMBCCNBS/6222…`` → ``6222…``) and without spaces."""
    return "".join(identification.rsplit("/", 1)[-1].split())


def _reference(*candidates: str | None) -> str:
    for candidate in candidates:
        found = REFERENCE.search(candidate or "")
        if found:
            return found.group(0)
    return ""


def _minor(amount) -> int:
    return int((amount.amount * 100).to_integral_value())


def statements(data: bytes) -> list[dict]:
    """The statements of the file: ``{"account": number, "reference": :20:, "currency", "lines": [...]}``.
    :class:`Refused` with a one-line reason when the file is not an MT940 end-of-day statement."""
    if not data.strip():
        raise Refused(_("The file is empty."))
    text = _text(data)
    if ":34F:" in text or ":13D:" in text or re.search(r"\{2:[IO]942", text):
        raise Refused(_("This is an MT942 interim report: only MT940 end-of-day statements are booked."))
    text = _ENVELOPE.sub("", text)
    if ":20:" not in text or ":25:" not in text or ":61:" not in text and ":60F:" not in text:
        raise Refused(_("Not an MT940 statement: the :20:, :25: and :60F: fields are missing."))
    parts = [part for part in _STATEMENT_START.split(text) if part.strip().startswith(":20:")]
    found = []
    for part in parts:
        found.append(_statement(part.strip() + "\n"))
    return found


def _statement(text: str) -> dict:
    parsed = swift.models.Transactions()
    try:
        parsed.parse(text)
    except Exception as error:  # noqa: BLE001 - the library raises many kinds; the file is refused either way
        raise Refused(_("The MT940 statement cannot be read: %(error)s.")
                      % {"error": type(error).__name__}) from None
    data = parsed.data
    identification = data.get("account_identification") or ""
    if not identification.strip():
        raise Refused(_("The statement has no account (:25:)."))
    reference = (data.get("transaction_reference") or "").strip()[:35]
    opening = data.get("final_opening_balance") or data.get("intermediate_opening_balance")
    currency = getattr(getattr(opening, "amount", None), "currency", "") or "CNY"
    lines = []
    for sequence, entry in enumerate(parsed, start=1):
        item = entry.data
        if item.get("amount") is None or item.get("date") is None:
            raise Refused(_("Entry %(n)s of statement %(ref)s cannot be read.") % {"n": sequence, "ref": reference})
        # wrapped :86: lines are cut at 65 characters wherever the cut falls: joined back without a separator
        details = " ".join((item.get("transaction_details") or "").replace("\n", "").split())
        lines.append({
            "sequence": sequence, "value_date": item["date"], "entry_date": item.get("entry_date"),
            "amount_minor": _minor(item["amount"]), "currency": item.get("currency") or currency,
            "reference": _reference(item.get("customer_reference"), item.get("bank_reference"), details),
            "details": details[:2000],
        })
    return {"account": account_number(identification), "reference": reference, "currency": currency,
            "lines": lines}
