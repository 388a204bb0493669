"""Secrets at rest: field encryption with rotating keys, keyed hashes for search, masking for display.

Keys come from the environment:

* ``ACQUIRER_FIELD_KEYS`` — ``id:base64-32-bytes[,old-id:…]``; the first encrypts, all decrypt
  (``manage.py reencrypt`` rewrites every value with the first key).
* ``ACQUIRER_HASH_KEY`` — base64, at least 32 bytes; HMAC key for the searchable hash columns.

A value that cannot be decrypted raises :class:`SecretError`; there is no silent fallback.
"""

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "enc1"


class SecretError(Exception):
    pass


@lru_cache(maxsize=8)
def _parse_keys(spec: str) -> tuple[str, dict[str, bytes]]:
    keys: dict[str, bytes] = {}
    current = ""
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        key_id, _sep, encoded = item.partition(":")
        key = base64.b64decode(encoded)
        if len(key) != 32 or not key_id or ":" in key_id:
            raise ImproperlyConfigured(f"ACQUIRER_FIELD_KEYS: key {key_id!r} must be 32 bytes in base64")
        keys[key_id] = key
        current = current or key_id
    if not keys:
        raise ImproperlyConfigured("ACQUIRER_FIELD_KEYS is not set: sensitive fields cannot be encrypted")
    return current, keys


def field_keys() -> tuple[str, dict[str, bytes]]:
    return _parse_keys(settings.ACQUIRER_FIELD_KEYS)


def encrypt(plaintext: str) -> str:
    key_id, keys = field_keys()
    nonce = os.urandom(12)
    sealed = AESGCM(keys[key_id]).encrypt(nonce, plaintext.encode(), key_id.encode())
    return f"{PREFIX}:{key_id}:{base64.b64encode(nonce + sealed).decode()}"


def decrypt(token: str) -> str:
    try:
        prefix, key_id, payload = token.split(":", 2)
    except ValueError:
        raise SecretError("stored value is not an encrypted token") from None
    if prefix != PREFIX:
        raise SecretError("stored value is not an encrypted token")
    _current, keys = field_keys()
    key = keys.get(key_id)
    if key is None:
        raise SecretError(f"value was encrypted with key {key_id!r}, which is not configured")
    raw = base64.b64decode(payload)
    try:
        return AESGCM(key).decrypt(raw[:12], raw[12:], key_id.encode()).decode()
    except InvalidTag:
        raise SecretError("encrypted value failed authentication (altered or wrong key)") from None


def key_id_of(token: str) -> str:
    return token.split(":", 2)[1] if token.startswith(PREFIX + ":") else ""


def keyed_hash(value: str) -> str:
    """HMAC-SHA256 of a normalised value: equal values can be found without decrypting anything."""
    key = base64.b64decode(settings.ACQUIRER_HASH_KEY or "")
    if len(key) < 32:
        raise ImproperlyConfigured("ACQUIRER_HASH_KEY must be at least 32 bytes in base64")
    normalised = "".join(value.split()).upper()
    return hmac.new(key, normalised.encode(), hashlib.sha256).hexdigest()


def mask(value: str, head: int = 4, tail: int = 4) -> str:
    """``3604**********0071``: the middle hidden, length kept."""
    if not value:
        return ""
    if len(value) <= head + tail:
        return "*" * len(value)
    return value[:head] + "*" * (len(value) - head - tail) + value[-tail:]
