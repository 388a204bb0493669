"""Streaming authenticated encryption for backup archives (AES-256-GCM in 1 MiB chunks).

Layout: ``MAGIC | key-id length (1 byte) | key id | nonce prefix (8 bytes)`` then chunks of
``length (4 bytes) | ciphertext+tag``. Chunk *i* uses nonce ``prefix || i`` and authenticates the
header, its index and whether it is the last chunk, so a flipped byte, a reordered, dropped or
truncated chunk, or a different key all fail with :class:`BackupIntegrityError`.

Keys come from ``ACQUIRER_BACKUP_KEYS`` (``id:base64key,id2:base64key``): the first encrypts, all
decrypt, so keys can be rotated without losing old backups.

:class:`EncryptedSpool` is the only way a backup part is parked on disk: encrypted under a key that
exists only in the memory of the process writing it, so a killed run leaves nothing readable behind.
"""

import base64
import hashlib
import os
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"ACQBK01\n"
CHUNK = 1024 * 1024
_LEN = struct.Struct(">I")


class BackupIntegrityError(Exception):
    """The archive was altered, truncated, or cannot be decrypted with any configured key."""


class BackupKeyError(Exception):
    """No usable backup key is configured."""


@dataclass(frozen=True)
class Keyring:
    keys: dict[str, bytes]
    current: str

    @classmethod
    def parse(cls, spec: str) -> "Keyring":
        keys: dict[str, bytes] = {}
        current = ""
        for item in (part.strip() for part in spec.split(",")):
            if not item:
                continue
            key_id, _sep, encoded = item.partition(":")
            try:
                key = base64.b64decode(encoded, validate=True)
            except ValueError as error:
                raise BackupKeyError(f"backup key {key_id!r} is not valid base64") from error
            if len(key) != 32 or not key_id or len(key_id) > 64:
                raise BackupKeyError(f"backup key {key_id!r} must be 32 bytes (base64) with an id")
            keys[key_id] = key
            current = current or key_id
        if not keys:
            raise BackupKeyError("no backup key configured (ACQUIRER_BACKUP_KEYS)")
        return cls(keys, current)

    @staticmethod
    def generate_spec(key_id: str) -> str:
        return f"{key_id}:{base64.b64encode(os.urandom(32)).decode()}"

    @staticmethod
    def derive_spec(key_id: str, secret: str) -> str:
        """A key derived from a secret (the demo's: no key file lies next to the backups)."""
        key = hashlib.sha256(b"acquirer-backup-key\x00" + secret.encode()).digest()
        return f"{key_id}:{base64.b64encode(key).decode()}"


def _aad(header: bytes, index: int, final: bool) -> bytes:
    return header + struct.pack(">QB", index, 1 if final else 0)


class EncryptingWriter:
    """A write-only file object: plaintext in, encrypted archive out to ``sink``."""

    def __init__(self, sink, keyring: Keyring):
        key_id = keyring.current.encode()
        self._aes = AESGCM(keyring.keys[keyring.current])
        self._prefix = os.urandom(8)
        self.header = MAGIC + bytes([len(key_id)]) + key_id + self._prefix
        self._sink = sink
        self._sink.write(self.header)
        self._buffer = bytearray()
        self._index = 0
        self.closed = False

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._buffer += data
        while len(self._buffer) > CHUNK:  # keep at least one byte back: the last chunk is marked final
            self._emit(bytes(self._buffer[:CHUNK]), final=False)
            del self._buffer[:CHUNK]
        return len(data)

    def _emit(self, plaintext: bytes, final: bool) -> None:
        nonce = self._prefix + struct.pack(">I", self._index)
        sealed = self._aes.encrypt(nonce, plaintext, _aad(self.header, self._index, final))
        self._sink.write(_LEN.pack(len(sealed)) + sealed)
        self._index += 1

    def flush(self) -> None:
        pass

    def close(self) -> None:
        if not self.closed:
            self._emit(bytes(self._buffer), final=True)
            self._buffer.clear()
            self.closed = True


class DecryptingReader:
    """A read-only file object over an encrypted archive; every byte it returns was authenticated."""

    def __init__(self, source, keyring: Keyring):
        self._source = source
        magic = source.read(len(MAGIC))
        if magic != MAGIC:
            raise BackupIntegrityError("not an Acquirer backup archive (bad header)")
        size = source.read(1)
        key_id = source.read(size[0]) if size else b""
        prefix = source.read(8)
        if len(prefix) != 8:
            raise BackupIntegrityError("archive header is truncated")
        key = keyring.keys.get(key_id.decode(errors="replace"))
        if key is None:
            raise BackupIntegrityError(f"archive was encrypted with key {key_id.decode(errors='replace')!r}, "
                                       "which is not configured")
        self.key_id = key_id.decode()
        self.header = MAGIC + size + key_id + prefix
        self._aes = AESGCM(key)
        self._prefix = prefix
        self._index = 0
        self._plain = bytearray()
        self._done = False
        self._pending = self._read_sealed()

    def _read_sealed(self) -> bytes | None:
        raw = self._source.read(_LEN.size)
        if not raw:
            return None
        if len(raw) != _LEN.size:
            raise BackupIntegrityError("archive is truncated")
        (length,) = _LEN.unpack(raw)
        if length > CHUNK + 16:
            raise BackupIntegrityError("archive chunk has an impossible length")
        sealed = self._source.read(length)
        if len(sealed) != length:
            raise BackupIntegrityError("archive is truncated")
        return sealed

    def _next_chunk(self) -> None:
        if self._pending is None:
            raise BackupIntegrityError("archive is truncated (no final chunk)")
        sealed = self._pending
        self._pending = self._read_sealed()
        final = self._pending is None
        nonce = self._prefix + struct.pack(">I", self._index)
        try:
            self._plain += self._aes.decrypt(nonce, sealed, _aad(self.header, self._index, final))
        except InvalidTag as error:
            raise BackupIntegrityError(f"archive chunk {self._index} failed authentication "
                                       "(altered, truncated or wrong key)") from error
        self._index += 1
        self._done = final

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while not self._done and (size < 0 or len(self._plain) < size):
            self._next_chunk()
        if size < 0:
            size = len(self._plain)
        data = bytes(self._plain[:size])
        del self._plain[:size]
        return data

    def close(self) -> None:
        pass


class EncryptedSpool:
    """A temporary file that holds a stream (e.g. pg_dump's output) only encrypted, under an ephemeral key.

    The key is made here and kept only in this object: the file on disk is unreadable to anyone, even
    if the process is killed before :meth:`discard`. :meth:`write` plaintext, :meth:`seal`, then
    :meth:`reader` returns an authenticated plaintext stream of exactly :attr:`size` bytes whose
    SHA-256 is :attr:`sha256` (both computed on the way in).
    """

    def __init__(self, folder: Path, *, prefix: str):
        self._ring = Keyring({"ephemeral": os.urandom(32)}, "ephemeral")
        descriptor, name = tempfile.mkstemp(prefix=prefix, suffix=".partial", dir=folder)  # mode 0600
        self.path = Path(name)
        self._file = os.fdopen(descriptor, "w+b")
        self._writer = EncryptingWriter(self._file, self._ring)
        self._digest = hashlib.sha256()
        self.size = 0
        self.sha256 = ""

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._digest.update(data)
        self.size += len(data)
        return self._writer.write(data)

    def seal(self) -> None:
        self._writer.close()
        self._file.flush()
        self.sha256 = self._digest.hexdigest()

    def reader(self) -> "DecryptingReader":
        if not self.sha256:
            raise ValueError("seal the spool before reading it")
        self._file.seek(0)
        return DecryptingReader(self._file, self._ring)

    def discard(self) -> None:
        self._file.close()
        self.path.unlink(missing_ok=True)

    def __enter__(self) -> "EncryptedSpool":
        return self

    def __exit__(self, *exc) -> None:
        self.discard()
