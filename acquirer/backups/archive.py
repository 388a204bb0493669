"""The archive: a tar of ``database.dump``, ``files/…`` and ``manifest.json``, streamed through
:mod:`acquirer.backups.crypto`. The manifest lists the SHA-256 of every part; reading checks them.

Format 2 (written now) puts ``manifest.json`` last: the parts are hashed while they stream into the
archive, so nothing is read twice and no plaintext copy is made. Format 1 archives (manifest first)
are still read. Reading never writes a part to disk itself: the caller gets each part as a stream
(pipe the dump into ``pg_restore``, hash or write the files where the operator asked).
"""

import hashlib
import io
import json
import os
import tarfile
import time
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from acquirer.backups.crypto import DecryptingReader, EncryptingWriter, Keyring

FORMAT = 2
DATABASE = "database.dump"
MANIFEST = "manifest.json"
_BUFFER = 1024 * 1024


class ManifestMismatch(Exception):
    pass


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_BUFFER):
            digest.update(chunk)
    return digest.hexdigest()


def media_files(root: Path) -> list[Path]:
    if not root.exists():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


class _Hashing:
    """A read-only stream that hashes what passes through it."""

    def __init__(self, raw):
        self._raw = raw
        self.digest = hashlib.sha256()
        self.bytes = 0

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self.digest.update(data)
        self.bytes += len(data)
        return data

    def drain(self) -> None:
        while self.read(_BUFFER):
            pass


class ArchiveWriter:
    """Streams a format-2 archive into the binary file object ``out``; every byte is encrypted first."""

    def __init__(self, out, keyring: Keyring):
        self._writer = EncryptingWriter(out, keyring)
        self._tar = tarfile.open(fileobj=self._writer, mode="w|", format=tarfile.PAX_FORMAT)
        self._tar.copybufsize = _BUFFER

    def _add(self, name: str, size: int, stream, mtime: float) -> _Hashing:
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = size, 0o600, int(mtime)
        hashing = _Hashing(stream)
        self._tar.addfile(info, hashing)  # reads exactly ``size`` bytes; fails if the stream ends early
        return hashing

    def add_database(self, stream, *, size: int) -> str:
        """The dump, ``size`` bytes read from ``stream``; returns their SHA-256."""
        return self._add(DATABASE, size, stream, time.time()).digest.hexdigest()

    def add_file(self, path: Path, *, name: str) -> dict:
        """An uploaded file under ``files/<name>``, read once: size and SHA-256 of what went in."""
        with path.open("rb") as handle:
            stat = os.fstat(handle.fileno())
            hashing = self._add(f"files/{name}", stat.st_size, handle, stat.st_mtime)
        return {"path": name, "sha256": hashing.digest.hexdigest(), "bytes": hashing.bytes}

    def finish(self, manifest: dict) -> None:
        data = json.dumps(manifest, sort_keys=True, indent=1).encode()
        self._add(MANIFEST, len(data), io.BytesIO(data), time.time())
        self._tar.close()
        self._writer.close()


def _safe_member(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise ManifestMismatch(f"unsafe path in archive: {name!r}")
    if not (name in (MANIFEST, DATABASE) or (path.parts[0] == "files" and len(path.parts) > 1)):
        raise ManifestMismatch(f"unexpected part in archive: {name!r}")
    return path


def read(*, source, keyring: Keyring, on_database: Callable | None = None,
         on_file: Callable | None = None) -> dict:
    """Decrypt and walk the archive; check every part against the manifest; return the manifest.

    ``on_database(stream)`` gets the dump as a stream, ``on_file(relative_path, stream)`` each file;
    whatever they leave unread is read here, so every byte is hashed and authenticated. Nothing is
    written to disk here. Raises ``BackupIntegrityError`` (altered bytes) or ``ManifestMismatch``.
    """
    reader = DecryptingReader(source, keyring)
    digests: dict[str, str] = {}
    manifest = None
    with tarfile.open(fileobj=reader, mode="r|") as tar:
        for member in tar:
            path = _safe_member(member.name)
            if not member.isfile():
                raise ManifestMismatch(f"unexpected entry type in archive: {member.name!r}")
            if member.name in digests or (member.name == MANIFEST and manifest is not None):
                raise ManifestMismatch(f"part {member.name!r} appears twice in the archive")
            handle = tar.extractfile(member)
            if member.name == MANIFEST:
                manifest = json.loads(handle.read())
                continue
            stream = _Hashing(handle)
            if member.name == DATABASE and on_database is not None:
                on_database(stream)
            elif member.name != DATABASE and on_file is not None:
                on_file(PurePosixPath(*path.parts[1:]), stream)
            stream.drain()
            digests[member.name] = stream.digest.hexdigest()
    reader.read()  # consume to the final chunk: a truncated archive fails here
    if manifest is None:
        raise ManifestMismatch("archive has no manifest")
    expected = {DATABASE: manifest["database"]["sha256"]}
    expected.update({f"files/{f['path']}": f["sha256"] for f in manifest["files"]})
    if expected != digests:
        missing = sorted(set(expected) - set(digests))
        extra = sorted(set(digests) - set(expected))
        changed = sorted(k for k in set(expected) & set(digests) if expected[k] != digests[k])
        raise ManifestMismatch(f"archive parts do not match the manifest (missing {missing[:5]}, "
                               f"unexpected {extra[:5]}, changed {changed[:5]})")
    return manifest
