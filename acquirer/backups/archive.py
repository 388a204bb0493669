"""The archive: a tar of ``manifest.json``, ``database.dump`` and ``files/…``, streamed through
:mod:`acquirer.backups.crypto`. The manifest lists the SHA-256 of every part; reading checks them."""

import hashlib
import io
import json
import tarfile
from pathlib import Path, PurePosixPath

from acquirer.backups.crypto import DecryptingReader, EncryptingWriter, Keyring

FORMAT = 1
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


def write(*, out, keyring: Keyring, manifest: dict, dump_file: Path, media_root: Path, files: list[Path]) -> None:
    """Stream the archive into the binary file object ``out``."""
    writer = EncryptingWriter(out, keyring)
    with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        data = json.dumps(manifest, sort_keys=True, indent=1).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
        tar.add(str(dump_file), arcname="database.dump", recursive=False)
        for path in files:
            tar.add(str(path), arcname=f"files/{path.relative_to(media_root).as_posix()}", recursive=False)
    writer.close()


def _safe_member(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise ManifestMismatch(f"unsafe path in archive: {name!r}")
    if not (name in ("manifest.json", "database.dump") or path.parts[0] == "files"):
        raise ManifestMismatch(f"unexpected part in archive: {name!r}")
    return path


def extract(*, source, keyring: Keyring, into: Path) -> dict:
    """Decrypt and unpack into ``into``; check every part against the manifest; return the manifest.

    Raises ``BackupIntegrityError`` (altered bytes) or ``ManifestMismatch`` (parts do not match).
    """
    reader = DecryptingReader(source, keyring)
    digests: dict[str, str] = {}
    manifest = None
    with tarfile.open(fileobj=reader, mode="r|") as tar:
        for member in tar:
            path = _safe_member(member.name)
            if not member.isfile():
                raise ManifestMismatch(f"unexpected entry type in archive: {member.name!r}")
            handle = tar.extractfile(member)
            if member.name == "manifest.json":
                manifest = json.loads(handle.read())
                continue
            target = into / path
            target.parent.mkdir(parents=True, exist_ok=True)
            digest = hashlib.sha256()
            with target.open("wb") as out:
                while chunk := handle.read(_BUFFER):
                    digest.update(chunk)
                    out.write(chunk)
            digests[member.name] = digest.hexdigest()
    reader.read()  # consume to the final chunk: a truncated archive fails here
    if manifest is None:
        raise ManifestMismatch("archive has no manifest")
    expected = {"database.dump": manifest["database"]["sha256"]}
    expected.update({f"files/{f['path']}": f["sha256"] for f in manifest["files"]})
    if expected != digests:
        missing = sorted(set(expected) - set(digests))
        extra = sorted(set(digests) - set(expected))
        changed = sorted(k for k in set(expected) & set(digests) if expected[k] != digests[k])
        raise ManifestMismatch(f"archive parts do not match the manifest (missing {missing[:5]}, "
                               f"unexpected {extra[:5]}, changed {changed[:5]})")
    return manifest
