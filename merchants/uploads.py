"""Uploaded files (KYC documents, inspection photos): checked by content, stored privately.

The type of a file is decided by its first bytes (magic numbers), never by its name or by the
content type the browser sends; a file whose name claims another type than its content is refused.
Files are stored under ``MEDIA_ROOT/<folder>/`` with random names (directories 0700, files 0600).
``MEDIA_ROOT`` lies outside the static root and is never served directly: downloads go through
authorized, audited views that answer with ``Content-Disposition: attachment``.
"""

import hashlib
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
CHUNK = 64 * 1024


@dataclass(frozen=True)
class FileType:
    key: str
    label: str
    content_type: str
    magic: bytes
    extension: str
    names: tuple[str, ...]  # extensions a file of this type may carry


TYPES = {
    "pdf": FileType("pdf", "PDF", "application/pdf", b"%PDF-", ".pdf", (".pdf",)),
    "jpeg": FileType("jpeg", "JPEG", "image/jpeg", b"\xff\xd8\xff", ".jpg", (".jpg", ".jpeg")),
    "png": FileType("png", "PNG", "image/png", b"\x89PNG\r\n\x1a\n", ".png", (".png",)),
}
BY_CONTENT_TYPE = {t.content_type: t for t in TYPES.values()}
_FOLDER = re.compile(r"^[a-z0-9_-]+(/[a-z0-9_-]+)*$")


@dataclass(frozen=True)
class UploadInfo:
    content_type: str
    size: int
    sha256: str

    @property
    def extension(self) -> str:
        return BY_CONTENT_TYPE[self.content_type].extension


def max_bytes() -> int:
    return int(getattr(settings, "ACQUIRER_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def _head(uploaded_file, length: int = 16) -> bytes:
    uploaded_file.seek(0)
    head = uploaded_file.read(length)
    uploaded_file.seek(0)
    return head


def sniff(head: bytes) -> FileType | None:
    """The file type its first bytes show, or None when it is none of the known types."""
    return next((t for t in TYPES.values() if head.startswith(t.magic)), None)


def _labels(keys) -> str:
    return ", ".join(TYPES[k].label for k in keys)


def check_upload(uploaded_file, *, allowed=("pdf", "jpeg", "png")) -> UploadInfo:
    """Check an uploaded file; raise a translated ``ValidationError`` saying exactly what is wrong."""
    name = os.path.basename(getattr(uploaded_file, "name", "") or "")
    size = uploaded_file.size or 0
    if size <= 0:
        raise ValidationError(_("The file “%(name)s” is empty.") % {"name": name}, code="empty")
    limit = max_bytes()
    if size > limit:
        raise ValidationError(
            _("The file “%(name)s” is too large (%(size)s); the limit is %(limit)s.")
            % {"name": name, "size": filesizeformat(size), "limit": filesizeformat(limit)}, code="too_large")
    detected = sniff(_head(uploaded_file))
    suffix = Path(name).suffix.lower()
    claimed = next((t for t in TYPES.values() if suffix in t.names), None)
    accepted = _labels(allowed)
    if claimed is not None and claimed is not detected:
        raise ValidationError(
            _("The file “%(name)s” is named as a %(claimed)s file, but its content is not %(claimed)s. "
              "Upload the original %(claimed)s file.") % {"name": name, "claimed": claimed.label},
            code="content_mismatch")
    if detected is None or detected.key not in allowed:
        raise ValidationError(
            _("The file “%(name)s” is not an accepted type. Accepted: %(accepted)s.")
            % {"name": name, "accepted": accepted}, code="type")
    if claimed is None:
        raise ValidationError(
            _("The file “%(name)s” contains %(kind)s data but its name does not end in %(extension)s. "
              "Rename it or upload the original file.")
            % {"name": name, "kind": detected.label, "extension": " / ".join(detected.names)}, code="extension")
    digest = hashlib.sha256()
    uploaded_file.seek(0)
    for chunk in uploaded_file.chunks(CHUNK):
        digest.update(chunk)
    uploaded_file.seek(0)
    return UploadInfo(content_type=detected.content_type, size=size, sha256=digest.hexdigest())


def check_uploads(uploaded_files, *, allowed, limit: int, too_many: str) -> list:
    """``[(file, UploadInfo)]`` for a batch of files (empty entries ignored); ``ValidationError`` when there
    are more than ``limit`` (message ``too_many`` with ``%(count)d``) or one of them is refused."""
    files = [uploaded for uploaded in uploaded_files or () if uploaded]
    if len(files) > limit:
        raise ValidationError(too_many % {"count": limit}, code="too_many_files")
    return [(uploaded, check_upload(uploaded, allowed=allowed)) for uploaded in files]


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT).resolve()


def _private_dir(path: Path) -> None:
    """Create ``path`` and its missing parents with mode 0700."""
    missing = []
    current = path
    while not current.exists():
        missing.append(current)
        current = current.parent
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=0o700)
        except FileExistsError:
            continue
        os.chmod(directory, 0o700)


def store_upload(uploaded_file, *, folder: str) -> str:
    """Write a checked upload under ``MEDIA_ROOT/<folder>/`` with a random name; return that name.

    Call :func:`check_upload` first: the extension comes from the content, not from the file name.
    """
    if not _FOLDER.match(folder):
        raise SuspiciousFileOperation(f"invalid upload folder {folder!r}")
    file_type = sniff(_head(uploaded_file))
    if file_type is None:
        raise SuspiciousFileOperation("store_upload() called with an unchecked file")
    directory = _media_root() / folder
    _private_dir(directory)
    stored_name = f"{folder}/{secrets.token_hex(16)}{file_type.extension}"
    path = _media_root() / stored_name
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    descriptor = os.open(path, flags, 0o600)
    try:
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "wb") as target:
            uploaded_file.seek(0)
            for chunk in uploaded_file.chunks(CHUNK):
                target.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    uploaded_file.seek(0)
    return stored_name


def _resolve(stored_name: str) -> Path:
    root = _media_root()
    if not stored_name or os.path.isabs(stored_name) or "\x00" in stored_name:
        raise SuspiciousFileOperation("invalid stored file name")
    path = (root / stored_name).resolve()
    if not path.is_relative_to(root) or path == root:
        raise SuspiciousFileOperation("stored file name leaves the media root")
    return path


def open_stored(stored_name: str):
    """A binary file handle on a stored upload; refuses names that leave ``MEDIA_ROOT``."""
    return open(_resolve(stored_name), "rb")  # noqa: SIM115 - the caller (a FileResponse) closes it


def delete_stored(stored_name: str) -> None:
    """Remove a stored file (used when the transaction that stored it fails)."""
    _resolve(stored_name).unlink(missing_ok=True)
