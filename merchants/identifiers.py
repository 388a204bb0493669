"""Checks of Chinese identifiers with python-stdnum: USCC, resident ID, bank account numbers.

Each check returns the normalised value or raises ``django.core.exceptions.ValidationError`` with a
translated message that says exactly what is wrong (length, characters, check character, date).

The resident ID's birthplace code is only a warning: stdnum's region table rejects real IDs issued
after a county was created or renamed, so an unknown code must not turn an applicant away.
"""

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum import luhn
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as StdnumError

USCC_LENGTH = 18
RESIDENT_ID_LENGTH = 18
OLDEST_BIRTH_YEAR = 1880
CARD_LENGTHS = (16, 19)
CORPORATE_LENGTHS = (8, 32)
ACCOUNT_KINDS = ("personal", "corporate")
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015: no I, O, S, V, Z


def _compact(value: str) -> str:
    return "".join((value or "").replace("-", " ").split()).upper()


def validate_uscc(value: str) -> str:
    """The unified social credit code, normalised (18 characters, upper case), or ValidationError."""
    number = _compact(value)
    if len(number) != USCC_LENGTH:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(count)d.") % {"count": len(number)},
            code="uscc_length")
    if not number[:8].isdigit() or not number[:8].isascii():
        raise ValidationError(
            _("The first 8 characters of a unified social credit code are digits (registration authority, "
              "entity type and region code)."), code="uscc_format")
    wrong = sorted({char for char in number[8:] if char not in USCC_ALPHABET})
    if wrong:
        raise ValidationError(
            _("A unified social credit code contains only digits and the capital letters except I, O, S, V and "
              "Z; “%(chars)s” is not allowed.") % {"chars": "".join(wrong)}, code="uscc_characters")
    if number[-1] != uscc.calc_check_digit(number):
        raise ValidationError(
            _("The check character (the last one) of this unified social credit code does not match the others: "
              "please check it for a typing error."), code="uscc_checksum")
    return number


@dataclass
class IdCheck:
    number: str
    birth_date: date
    warnings: list[str] = field(default_factory=list)


def validate_resident_id(value: str) -> IdCheck:
    """Check an 18-character resident ID strictly (format, check digit, birth date); an unknown
    birthplace code is reported in ``warnings``, never refused."""
    number = _compact(value)
    if len(number) == 15 and number.isdigit():
        raise ValidationError(
            _("Old 15-digit resident ID numbers are no longer valid; enter the 18-character number."),
            code="ric_length")
    if len(number) != RESIDENT_ID_LENGTH:
        raise ValidationError(
            _("A resident ID number has 18 characters; this one has %(count)d.") % {"count": len(number)},
            code="ric_length")
    if not (number[:17].isascii() and number[:17].isdigit()) or not (number[17] == "X" or number[17].isdigit()):
        raise ValidationError(_("A resident ID number is 17 digits followed by a digit or the letter X."),
                              code="ric_format")
    if number[-1] != ric.calc_check_digit(number):
        raise ValidationError(
            _("The check digit (the last character) of this resident ID number does not match the others: "
              "please check it for a typing error."), code="ric_checksum")
    shown = f"{number[6:10]}-{number[10:12]}-{number[12:14]}"
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(_("The birth date in this resident ID number (%(date)s) does not exist.")
                              % {"date": shown}, code="ric_birth_date")
    if born.year < OLDEST_BIRTH_YEAR:
        raise ValidationError(_("The birth date in this resident ID number (%(date)s) is not possible.")
                              % {"date": shown}, code="ric_birth_date")
    if born > timezone.localdate():
        raise ValidationError(_("The birth date in this resident ID number (%(date)s) is in the future.")
                              % {"date": shown}, code="ric_birth_date")
    warnings = []
    try:
        ric.get_birth_place(number)
    except (StdnumError, KeyError, ValueError):
        warnings.append(_("The birthplace code %(code)s is not in the list of known region codes (it may be a "
                          "newer county): please compare it with the ID card.") % {"code": number[:6]})
    return IdCheck(number=number, birth_date=born, warnings=warnings)


def validate_bank_account(value: str, *, kind: str) -> str:
    """A settlement account number without spaces. ``personal``: a bank card number (16–19 digits,
    Luhn check digit); ``corporate``: 8–32 digits."""
    if kind not in ACCOUNT_KINDS:
        raise ValueError(f"unknown account kind {kind!r}")
    number = "".join((value or "").split())
    if not number:
        raise ValidationError(_("Enter the account number."), code="account_required")
    if not (number.isascii() and number.isdigit()):
        raise ValidationError(_("An account number contains digits only (spaces are ignored)."),
                              code="account_format")
    if kind == "personal":
        low, high = CARD_LENGTHS
        if not low <= len(number) <= high:
            raise ValidationError(_("A bank card number has 16 to 19 digits; this one has %(count)d.")
                                  % {"count": len(number)}, code="account_length")
        if not luhn.is_valid(number):
            raise ValidationError(
                _("This bank card number fails its check digit (Luhn): please check it for a typing error."),
                code="account_checksum")
    else:
        low, high = CORPORATE_LENGTHS
        if not low <= len(number) <= high:
            raise ValidationError(_("A corporate account number has 8 to 32 digits; this one has %(count)d.")
                                  % {"count": len(number)}, code="account_length")
    return number
