"""Secrets at rest: field encryption with rotating keys, keyed hashes for search, masking for display.

Keys come from the environment:

* ``ACQUIRER_FIELD_KEYS`` — ``id:base64-32-bytes[,old-id:…]``; the first encrypts, all decrypt
  (``manage.py reencrypt`` rewrites every value with the first key).
* ``ACQUIRER_HASH_KEY`` — base64, at least 32 bytes; HMAC key for the searchable hash columns.

A value that cannot be decrypted raises :class:`SecretError`; there is no silent fallback.
Stored files (uploads) are sealed with the same keys: :class:`SealedWriter`, :func:`open_sealed`.
"""

import base64
import hashlib
import hmac
import io
import os
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
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


# --- files at rest --------------------------------------------------------------------------------
# Stored uploads are sealed with AES-256-GCM in chunks (the STREAM construction, as in Tink's streaming
# AEAD): a per-file key is derived with HKDF-SHA256 from the field key named in the header and a random
# salt; chunk ``i`` is sealed with the nonce ``i`` (11 bytes) + a last-chunk flag, and the header is the
# associated data of every chunk, so chunks cannot be reordered, dropped, truncated or moved between
# files, and the key id cannot be swapped. Layout:
#
#     b"ACQENC1\n" | key-id length (1 byte) | key id | chunk size (4 bytes) | salt (16 bytes) | chunks…
#
# each chunk is ``chunk size`` plaintext bytes + a 16-byte tag; the last one may be shorter (or empty).
# A file that does not start with the magic is an old plaintext file (see ``manage.py reencrypt``).

FILE_MAGIC = b"ACQENC1\n"
FILE_CHUNK = 64 * 1024
_TAG = 16
_SALT = 16
_FILE_INFO = b"acquirer stored file v1"


def _file_key(key: bytes, salt: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=_FILE_INFO).derive(key)


def _chunk_nonce(index: int, last: bool) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


class SealedWriter:
    """Encrypts what is written to ``target`` (a binary file) under the current field key.

    ``write()`` as often as needed, then ``finish()`` once: it seals the last chunk (without it the
    file does not decrypt)."""

    def __init__(self, target, *, chunk_size: int = FILE_CHUNK):
        key_id, keys = field_keys()
        salt = os.urandom(_SALT)
        encoded_id = key_id.encode()
        self.header = FILE_MAGIC + bytes([len(encoded_id)]) + encoded_id + chunk_size.to_bytes(4, "big") + salt
        self._aead = AESGCM(_file_key(keys[key_id], salt))
        self._target = target
        self._chunk_size = chunk_size
        self._buffer = bytearray()
        self._index = 0
        self._finished = False
        target.write(self.header)

    def _seal(self, data: bytes, last: bool) -> None:
        self._target.write(self._aead.encrypt(_chunk_nonce(self._index, last), data, self.header))
        self._index += 1

    def write(self, data: bytes) -> int:
        if self._finished:
            raise ValueError("write() after finish()")
        self._buffer += data
        # A full chunk is sealed only once more data follows it: the last chunk carries the flag.
        while len(self._buffer) > self._chunk_size:
            self._seal(bytes(self._buffer[: self._chunk_size]), last=False)
            del self._buffer[: self._chunk_size]
        return len(data)

    def finish(self) -> None:
        if not self._finished:
            self._seal(bytes(self._buffer), last=True)
            self._buffer.clear()
            self._finished = True


def _read_header(handle) -> tuple[str, int, bytes, bytes] | None:
    """(key id, chunk size, salt, header bytes) of a sealed file, or None for a plaintext file.
    The handle is left after the header (sealed) or at the start (plaintext)."""
    handle.seek(0)
    magic = handle.read(len(FILE_MAGIC))
    if magic != FILE_MAGIC:
        handle.seek(0)
        return None
    length = handle.read(1)
    encoded_id = handle.read(length[0]) if length else b""
    rest = handle.read(4 + _SALT)
    if not length or len(encoded_id) != length[0] or len(rest) != 4 + _SALT:
        raise SecretError("stored file has a truncated encryption header")
    chunk_size = int.from_bytes(rest[:4], "big")
    if chunk_size < 1:
        raise SecretError("stored file has an invalid encryption header")
    return encoded_id.decode("ascii", "replace"), chunk_size, rest[4:], magic + length + encoded_id + rest


def sealed_key_id(handle) -> str | None:
    """The key id a stored file is sealed with, or None when it is plaintext."""
    header = _read_header(handle)
    return None if header is None else header[0]


class SealedReader(io.RawIOBase):
    """Read-only, seekable view of the plaintext of a sealed file (decrypts one chunk at a time)."""

    def __init__(self, handle):
        super().__init__()
        header = _read_header(handle)
        if header is None:
            raise SecretError("stored file is not encrypted")
        key_id, self._chunk_size, salt, self._header = header
        _current, keys = field_keys()
        key = keys.get(key_id)
        if key is None:
            raise SecretError(f"file was encrypted with key {key_id!r}, which is not configured")
        self._aead = AESGCM(_file_key(key, salt))
        self._handle = handle
        self._start = len(self._header)
        handle.seek(0, io.SEEK_END)
        body = handle.tell() - self._start
        sealed_chunk = self._chunk_size + _TAG
        self._chunks = max(1, -(-body // sealed_chunk))
        last_length = body - (self._chunks - 1) * sealed_chunk
        if last_length < _TAG:
            raise SecretError("stored file is truncated")
        self.size = body - self._chunks * _TAG
        self._position = 0
        self._cached: tuple[int, bytes] | None = None
        self._chunk(self._chunks - 1)  # authenticates the last chunk now: truncation shows before any byte is sent

    def _chunk(self, index: int) -> bytes:
        if self._cached is not None and self._cached[0] == index:
            return self._cached[1]
        sealed_chunk = self._chunk_size + _TAG
        self._handle.seek(self._start + index * sealed_chunk)
        sealed = self._handle.read(sealed_chunk)
        try:
            plain = self._aead.decrypt(_chunk_nonce(index, index == self._chunks - 1), sealed, self._header)
        except InvalidTag:
            raise SecretError("stored file failed authentication (altered, truncated or wrong key)") from None
        self._cached = (index, plain)
        return plain

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self.size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._position = base + offset
        return self._position

    def readinto(self, buffer) -> int:
        if self._position >= self.size:
            return 0
        index, offset = divmod(self._position, self._chunk_size)
        piece = self._chunk(index)[offset: offset + len(buffer)]
        buffer[: len(piece)] = piece
        self._position += len(piece)
        return len(piece)

    def close(self) -> None:
        if not self.closed:
            self._handle.close()
        super().close()


def open_sealed(handle):
    """A binary file object with the plaintext of ``handle`` (an open stored file): decrypted when the
    file is sealed, the file itself when it is an old plaintext one. Closing it closes ``handle``."""
    if _read_header(handle) is None:
        return handle
    try:
        return io.BufferedReader(SealedReader(handle), buffer_size=FILE_CHUNK)
    except BaseException:
        handle.close()
        raise


def file_needs_resealing(path) -> bool:
    """True when a stored file is plaintext or sealed with another key than the current one."""
    current, _keys = field_keys()
    with open(path, "rb") as handle:
        return sealed_key_id(handle) != current


def reseal_file(path) -> bool:
    """Rewrite a stored file sealed under the current key (plaintext files get sealed); False when it
    already was. The new file is written beside it (0600) and renamed over it, so a crash leaves the old
    file whole; a file that fails authentication raises :class:`SecretError` and is left as it is."""
    path = Path(path)
    if not file_needs_resealing(path):
        return False
    temporary = path.with_name(f".{path.name}.{os.urandom(8).hex()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    descriptor = os.open(temporary, flags, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as target, open_sealed(open(path, "rb")) as source:  # noqa: SIM115
            writer = SealedWriter(target)
            while chunk := source.read(FILE_CHUNK):
                writer.write(chunk)
            writer.finish()
            target.flush()
            os.fsync(target.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return True
