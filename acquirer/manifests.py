"""The signed manifest of an export: what was exported, by whom, when, with which filters, how many rows, and
the size and SHA-256 of each file exactly as its owner downloads it — signed with the export key
(``acquirer.signing``, Ed25519) so an auditor can verify outside the system that nothing was altered.

The bundle is a ZIP of the file(s) under the names the manifest lists, ``manifest.json`` (its exact signed
bytes) and ``manifest.sig`` (the raw 64-byte signature). :func:`verify_directory` checks an unpacked bundle:
``python manage.py verify_export DIR`` prints its report; docs/security.md gives the same checks with
``sha256sum`` and ``openssl``."""

import hashlib
import json
import os
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path

from django.utils import timezone

from acquirer import signing

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
VERSION = 1
_PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,150}")


def file_entry(name: str, content: bytes, rows: int = 0) -> dict:
    return {"name": name, "bytes": len(content), "sha256": hashlib.sha256(content).hexdigest(), "rows": rows}


class HashingWriter:
    """A writer that passes everything on to ``target`` and keeps its size and SHA-256 (the plaintext that the
    person downloads, before storage seals it)."""

    def __init__(self, target):
        self._target = target
        self._hash = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self._hash.update(data)
        self.size += len(data)
        self._target.write(data)
        return len(data)

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()


def check_names(names: Iterable[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if not _PLAIN_NAME.fullmatch(name) or name in (MANIFEST, SIGNATURE) or name in seen:
            raise ValueError(f"export file name not allowed in a bundle: {name!r}")
        seen.add(name)


def build(*, export, title: str, files: list[dict], generated_at=None) -> bytes:
    """The canonical bytes of ``export``'s manifest (``files``: :func:`file_entry` values, in bundle order)."""
    owner = export.owner
    return build_manifest(export_id=export.pk, kind=export.kind, title=title, fmt=export.format,
                          language=export.language, filters=export.filters,
                          requested_by={"id": owner.pk, "username": owner.get_username(), "kind": owner.kind},
                          requested_at=export.created_at, files=files, generated_at=generated_at)


def build_manifest(*, export_id, kind: str, title: str, fmt: str, language: str, filters: dict,
                   requested_by: dict, requested_at, files: list[dict], generated_at=None) -> bytes:
    """The canonical bytes of a manifest; ``export_id`` is None for a file written from the shell (no row on
    "My downloads")."""
    check_names(entry["name"] for entry in files)
    generated_at = generated_at or timezone.now()
    data = {
        "manifest_version": VERSION,
        "export": {"id": export_id, "kind": kind, "title": str(title), "format": fmt, "language": language,
                   "filters": filters},
        "requested_by": requested_by,
        "requested_at": _utc(requested_at),
        "generated_at": _utc(generated_at),
        "rows": sum(entry["rows"] for entry in files),
        "files": files,
        "signature": {"algorithm": signing.ALGORITHM, "key_id": signing.key_id(),
                      "public_key_sha256": signing.fingerprint(),
                      "signed": MANIFEST, "signature_file": SIGNATURE, "encoding": "raw"},
    }
    # through the JSON encoder of the export's filters (dates, decimals) and back: plain JSON values only
    return signing.canonical(json.loads(json.dumps(data, default=str)))


def _utc(moment) -> str:
    return moment.astimezone(UTC).isoformat()


def parse(manifest_text: str) -> dict:
    return json.loads(manifest_text)


def write_zip(target, entries: Iterable[tuple[str, object]]) -> None:
    """A ZIP into the binary file ``target``: each entry ``(name, bytes or a readable binary file)``."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries:
            info = zipfile.ZipInfo(name, date_time=timezone.now().astimezone(UTC).timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            if isinstance(content, bytes | bytearray):
                archive.writestr(info, content)
            else:
                with archive.open(info, "w") as out:
                    while block := content.read(64 * 1024):
                        out.write(block)


# --- verifying an unpacked bundle ---------------------------------------------------------------------------------

@dataclass
class FileCheck:
    name: str
    status: str  # "OK", "ALTERED", "MISSING"
    message: str = ""


@dataclass
class Verification:
    signature_ok: bool
    problem: str = ""  # a reason that stops everything (no manifest, unreadable signature, wrong key)
    files: list[FileCheck] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.signature_ok and not self.problem and all(check.status == "OK" for check in self.files)


def _sha256_of(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while block := handle.read(1024 * 1024):
            digest.update(block)
            size += len(block)
    return size, digest.hexdigest()


def verify_directory(directory, public_key=None) -> Verification:
    """Check an unpacked bundle in ``directory``: the signature of ``manifest.json`` under ``public_key`` (the
    configured key by default), then each listed file's size and SHA-256. A manifest that fails its signature
    is not trusted for anything else: the files are not checked against it."""
    directory = Path(directory)
    manifest_path, signature_path = directory / MANIFEST, directory / SIGNATURE
    for path in (manifest_path, signature_path):
        if not path.is_file():
            return Verification(False, problem=f"{path.name} is missing from {directory}")
    manifest_bytes = manifest_path.read_bytes()
    signature = signature_path.read_bytes()
    if len(signature) != 64:
        return Verification(False, problem=f"{SIGNATURE} is not a raw 64-byte Ed25519 signature "
                                           f"({len(signature)} bytes)")
    if not signing.verify(manifest_bytes, signature, public_key):
        return Verification(False, problem="manifest signature does not match: the manifest was altered or "
                                           "signed by another key")
    try:
        manifest = json.loads(manifest_bytes.decode("utf-8"))
        listed = [(entry["name"], int(entry["bytes"]), entry["sha256"]) for entry in manifest["files"]]
    except (ValueError, KeyError, TypeError) as error:
        return Verification(True, problem=f"the manifest cannot be read: {error}")
    result = Verification(True)
    for name, size, sha256 in listed:
        path = directory / name
        if os.sep in name or name in ("", ".", "..") or not path.is_file():
            result.files.append(FileCheck(name, "MISSING", f"file {name}: missing"))
            continue
        actual_size, actual_sha = _sha256_of(path)
        if actual_sha != sha256:
            result.files.append(FileCheck(name, "ALTERED", f"file {name}: SHA-256 differs: the file was altered"))
        elif actual_size != size:
            result.files.append(FileCheck(name, "ALTERED", f"file {name}: size differs: the file was altered"))
        else:
            result.files.append(FileCheck(name, "OK"))
    return result
