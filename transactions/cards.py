"""Card numbers in and out of the ledger: what of a PAN may be kept (BIN, last four, a keyed token) and nothing
else. A PAN lives only in a local variable of the parser, for one row; it is never logged, stored or reported."""

import base64
import hashlib
import hmac

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def luhn_ok(pan: str) -> bool:
    total = 0
    for position, digit in enumerate(reversed(pan)):
        value = ord(digit) - 48
        if position % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def pan_valid(pan: str) -> bool:
    """13 to 19 digits with a valid check digit."""
    return 13 <= len(pan) <= 19 and pan.isdigit() and luhn_ok(pan)


def _key() -> bytes:
    key = base64.b64decode(settings.ACQUIRER_HASH_KEY or "")
    if len(key) < 32:
        raise ImproperlyConfigured("ACQUIRER_HASH_KEY must be at least 32 bytes in base64")
    return key


def card_token(pan: str, key: bytes | None = None) -> str:
    """HMAC-SHA256 of the PAN under ``ACQUIRER_HASH_KEY``, in hex: the same card gives the same token."""
    return hmac.new(key or _key(), pan.encode(), hashlib.sha256).hexdigest()


def bin_length(pan: str) -> int:
    """8-digit BINs for 16-digit and longer numbers (the industry moved to 8 in 2022), 6 otherwise."""
    return 8 if len(pan) >= 16 else 6


def truncate(pan: str, key: bytes | None = None) -> tuple[str, str, str]:
    """``(bin, last4, token)``: all the ledger keeps of a card number."""
    return pan[:bin_length(pan)], pan[-4:], card_token(pan, key)


def masked(bin_: str, last4: str) -> str:
    """The card as people see it: ``62258812******1234`` (BIN, stars, last four)."""
    if not bin_:
        return ""
    return f"{bin_}{'*' * 6}{last4}"
