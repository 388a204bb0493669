"""Uploaded files of every app (KYC documents, inspection, terminal, work-order and ticket photos): checked
by content, cleaned, stored encrypted outside any served folder, and sent back only through one audited
download (:func:`audited_download`). The core owns this; an app keeps only the rows that name its files.

Checking (``check_upload``):

* The type of a file is decided by its first bytes (magic numbers), never by its name or by the content
  type the browser sends; a file whose name claims another type than its content is refused.
* The file is then parsed as what it claims to be. A PDF must open with ``pypdf``, end at its ``%%EOF``
  and contain no JavaScript (``/JS``, a ``/JavaScript`` name tree or action, also under ``/OpenAction`` or
  ``/AA``), no XFA form, no ``/Launch`` action and no embedded or attached files; every object of the
  file is looked at, referenced or not. An image must open with Pillow as the type its bytes announce,
  stay within ``ACQUIRER_UPLOAD_MAX_PIXELS`` (checked from the header, before any pixel is decoded),
  pass ``verify()`` and decode completely; it is then RE-ENCODED (EXIF orientation applied, all metadata
  dropped) and the re-encoded bytes are what is stored, so nothing appended to or hidden in the upload
  survives. Each refusal is a translated ``ValidationError`` that says what is wrong.

Storing (``store_upload``): under ``MEDIA_ROOT/<folder>/`` with random names (directories 0700, files 0600),
encrypted with AES-256-GCM in chunks under the current field key (``acquirer.secrets.SealedWriter``; the key
id is in the file header so keys rotate with ``manage.py reencrypt``). ``MEDIA_ROOT`` lies outside the static
root and is never served directly: ``open_stored`` decrypts for :func:`audited_download`, the only way a
stored file leaves the server. Files stored before encryption (no header) are read as they are until
``manage.py reencrypt`` seals them.

Downloading (``audited_download``): the caller (a service) has checked that the actor may see the file; the
file is opened and decrypted (a file that fails authentication raises ``acquirer.secrets.SecretError`` before
anything is recorded), the audit event is written inside the request, before a byte is streamed, and the
response is an attachment (``Content-Disposition: attachment``) with the stored content type,
``X-Content-Type-Options: nosniff`` and ``Cache-Control: private, no-store``.

Forms: ``acquirer.forms.MultipleFileField`` takes several files in one input.
"""

import hashlib
import io
import os
import re
import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.db import transaction
from django.http import FileResponse, StreamingHttpResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from acquirer import audit
from acquirer import secrets as sealing
from acquirer.exceptions import DomainError

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000
CHUNK = 64 * 1024
PDF_MAX_OBJECTS = 1_000_000  # nodes walked in one PDF before it is refused as unreadable
JPEG_QUALITY = 90
_MIB = 1024 * 1024
_CHECKED = "_acquirer_checked"  # attribute caching the check's result (and cleaned bytes) on the upload


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
    """What is stored: ``size`` and ``sha256`` are those of the stored (for images: re-encoded) content,
    which is what a download returns; ``uploaded_sha256`` is the digest of the bytes as uploaded."""

    content_type: str
    size: int
    sha256: str
    uploaded_sha256: str = ""

    @property
    def extension(self) -> str:
        return BY_CONTENT_TYPE[self.content_type].extension


def max_bytes() -> int:
    return int(getattr(settings, "ACQUIRER_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def max_pixels() -> int:
    return int(getattr(settings, "ACQUIRER_UPLOAD_MAX_PIXELS", DEFAULT_MAX_PIXELS))


def _head(uploaded_file, length: int = 16) -> bytes:
    uploaded_file.seek(0)
    head = uploaded_file.read(length)
    uploaded_file.seek(0)
    return head


def _content(uploaded_file) -> bytes:
    uploaded_file.seek(0)
    data = b"".join(uploaded_file.chunks(CHUNK))
    uploaded_file.seek(0)
    return data


def sniff(head: bytes) -> FileType | None:
    """The file type its first bytes show, or None when it is none of the known types."""
    return next((t for t in TYPES.values() if head.startswith(t.magic)), None)


def _labels(keys) -> str:
    return ", ".join(TYPES[k].label for k in keys)


def _human(size: int) -> str:
    if size % _MIB == 0:
        return _("%(count)s MB") % {"count": f"{size // _MIB:,}"}
    return filesizeformat(size)


# --- PDF -----------------------------------------------------------------------------------------

_PDF_UNREADABLE = "unreadable"
_PDF_JAVASCRIPT = "javascript"
_PDF_LAUNCH = "launch"
_PDF_EMBEDDED = "embedded"
_PDF_XFA = "xfa"

# dictionary keys / values that make a PDF active or a carrier of other files
# (a /JS entry is an action's script; /JavaScript a name tree of scripts; /EF a file specification's embedded file)
_PDF_KEYS = {"/JS": _PDF_JAVASCRIPT, "/JavaScript": _PDF_JAVASCRIPT, "/XFA": _PDF_XFA,
             "/EmbeddedFiles": _PDF_EMBEDDED, "/EF": _PDF_EMBEDDED}
_PDF_VALUES = {("/S", "/JavaScript"): _PDF_JAVASCRIPT, ("/S", "/Launch"): _PDF_LAUNCH,
               ("/S", "/GoToE"): _PDF_EMBEDDED, ("/Subtype", "/FileAttachment"): _PDF_EMBEDDED,
               ("/Type", "/EmbeddedFile"): _PDF_EMBEDDED}


def _pdf_problem(data: bytes) -> str | None:
    """Why a PDF is refused (one of the ``_PDF_*`` codes), or None when it is a plain document."""
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    end = data.rfind(b"%%EOF")
    if end < 0 or data[end + 5:].strip(b" \t\r\n\f\x00"):
        return _PDF_UNREADABLE  # no end marker (truncated, or not a PDF) or something appended after it
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            return "encrypted"
        if len(reader.pages) < 1:
            return _PDF_UNREADABLE
        pending: list = [reader.trailer]
        pending += [IndirectObject(num, gen, reader) for gen, entries in reader.xref.items() for num in entries]
        pending += [IndirectObject(num, 0, reader) for num in reader.xref_objStm]
        seen: set[tuple[int, int]] = set()
        walked = 0
        while pending:
            walked += 1
            if walked > PDF_MAX_OBJECTS:
                return _PDF_UNREADABLE
            node = pending.pop()
            if isinstance(node, IndirectObject):
                if (node.idnum, node.generation) in seen:
                    continue
                seen.add((node.idnum, node.generation))
                node = node.get_object()
            if isinstance(node, DictionaryObject):
                for key, value in dict.items(node):
                    problem = _PDF_KEYS.get(str(key)) or _PDF_VALUES.get((str(key), str(value)))
                    if problem:
                        return problem
                    pending.append(value)
            elif isinstance(node, ArrayObject):
                pending.extend(list.__iter__(node))
    except RecursionError:
        return _PDF_UNREADABLE
    except Exception:  # noqa: BLE001 - any parser failure means the file is not a readable PDF
        return _PDF_UNREADABLE
    return None


def _check_pdf(name: str, data: bytes) -> bytes:
    problem = _pdf_problem(data)
    if problem is None:
        return data
    messages = {
        _PDF_UNREADABLE: _("The file “%(name)s” cannot be read as a PDF: it is damaged, not a real PDF, or has "
                           "other data appended. Upload the original PDF file."),
        "encrypted": _("The file “%(name)s” is a password-protected PDF. Upload a copy without a password."),
        _PDF_JAVASCRIPT: _("The file “%(name)s” contains JavaScript, which is not accepted in documents. "
                           "Upload a plain PDF (for example, print the document to PDF)."),
        _PDF_XFA: _("The file “%(name)s” contains an XFA form, which can run scripts and is not accepted. "
                    "Upload a plain PDF (for example, print the document to PDF)."),
        _PDF_LAUNCH: _("The file “%(name)s” contains an action that starts a program (/Launch), which is not "
                       "accepted. Upload a plain PDF (for example, print the document to PDF)."),
        _PDF_EMBEDDED: _("The file “%(name)s” contains attached or embedded files, which are not accepted. "
                         "Upload each document as a separate file."),
    }
    raise ValidationError(messages[problem] % {"name": name}, code=f"pdf_{problem}")


# --- images --------------------------------------------------------------------------------------

def _open_image(file_type: FileType, data: bytes):
    """The Pillow image of ``data`` as ``file_type`` (header only: no pixel is decoded yet). The plugin
    is used directly so that the pixel limit is ours, checked before decoding."""
    from PIL import JpegImagePlugin, PngImagePlugin

    plugin = {"jpeg": JpegImagePlugin.JpegImageFile, "png": PngImagePlugin.PngImageFile}[file_type.key]
    return plugin(io.BytesIO(data))


def _clean_image(name: str, file_type: FileType, data: bytes) -> bytes:
    """Check an image and return it re-encoded without metadata."""
    from PIL import ImageOps

    unreadable = ValidationError(
        _("The file “%(name)s” cannot be read as a %(kind)s image: it is damaged or not a real image. "
          "Upload the original photo or scan.") % {"name": name, "kind": file_type.label}, code="image_unreadable")
    try:
        image = _open_image(file_type, data)
        width, height = image.size
    except Exception as error:  # noqa: BLE001 - any decoder failure means the image is unreadable
        raise unreadable from error
    limit = max_pixels()
    if width * height > limit:
        raise ValidationError(
            _("The image “%(name)s” is too large: %(width)s × %(height)s pixels; the limit is %(limit)s "
              "megapixels. Upload a smaller image.")
            % {"name": name, "width": f"{width:,}", "height": f"{height:,}", "limit": f"{limit / 1_000_000:g}"},
            code="too_many_pixels")
    try:
        image.verify()  # checksums (PNG chunk CRCs); the object is unusable afterwards
        image = _open_image(file_type, data)
        image.load()  # decodes every pixel: truncated or corrupt data fails here
        try:
            clean = ImageOps.exif_transpose(image)  # upright, as the camera meant it
        except Exception:  # noqa: BLE001 - a broken EXIF block is dropped below anyway; keep the pixels as stored
            clean = image.copy()
        keep = {"transparency": image.info["transparency"]} if "transparency" in image.info else {}
        clean.info = keep  # EXIF (location, device), ICC, comments, text chunks: all dropped
        output = io.BytesIO()
        if file_type.key == "jpeg":
            clean.save(output, format="JPEG", quality=JPEG_QUALITY)
        else:
            clean.save(output, format="PNG", **keep)
    except ValidationError:
        raise
    except Exception as error:  # noqa: BLE001
        raise unreadable from error
    return output.getvalue()


# --- checking ------------------------------------------------------------------------------------

def check_upload(uploaded_file, *, allowed=("pdf", "jpeg", "png")) -> UploadInfo:
    """Check an uploaded file; raise a translated ``ValidationError`` saying exactly what is wrong.

    The cleaned content (the PDF as uploaded, an image re-encoded) is kept on ``uploaded_file`` for
    :func:`store_upload`."""
    name = os.path.basename(getattr(uploaded_file, "name", "") or "")
    size = uploaded_file.size or 0
    if size <= 0:
        raise ValidationError(_("The file “%(name)s” is empty.") % {"name": name}, code="empty")
    limit = max_bytes()
    if size > limit:
        raise ValidationError(
            _("The file “%(name)s” is too large: %(size)s bytes; the limit is %(limit)s bytes (%(limit_human)s).")
            % {"name": name, "size": f"{size:,}", "limit": f"{limit:,}", "limit_human": _human(limit)},
            code="too_large")
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
    data = _content(uploaded_file)
    uploaded_sha256 = hashlib.sha256(data).hexdigest()
    cached = getattr(uploaded_file, _CHECKED, None)
    if cached is not None and cached[0] == uploaded_sha256 and cached[1].content_type == detected.content_type:
        return cached[1]
    clean = _check_pdf(name, data) if detected.key == "pdf" else _clean_image(name, detected, data)
    info = UploadInfo(content_type=detected.content_type, size=len(clean), sha256=hashlib.sha256(clean).hexdigest(),
                      uploaded_sha256=uploaded_sha256)
    setattr(uploaded_file, _CHECKED, (uploaded_sha256, info, clean))
    return info


def check_uploads(uploaded_files, *, allowed, limit: int, too_many: str) -> list:
    """``[(file, UploadInfo)]`` for a batch of files (empty entries ignored); ``ValidationError`` when there
    are more than ``limit`` (message ``too_many`` with ``%(count)d``) or one of them is refused."""
    files = [uploaded for uploaded in uploaded_files or () if uploaded]
    if len(files) > limit:
        raise ValidationError(too_many % {"count": limit}, code="too_many_files")
    return [(uploaded, check_upload(uploaded, allowed=allowed)) for uploaded in files]


def _checked(uploaded_file) -> tuple[UploadInfo, bytes]:
    """The check's result and cleaned content for ``uploaded_file`` (checked now if it was not, or if it
    changed since)."""
    cached = getattr(uploaded_file, _CHECKED, None)
    if cached is None or cached[0] != hashlib.sha256(_content(uploaded_file)).hexdigest():
        check_upload(uploaded_file)
        cached = getattr(uploaded_file, _CHECKED)
    return cached[1], cached[2]


# --- storing -------------------------------------------------------------------------------------

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
    """Write the checked, cleaned content of an upload, encrypted, under ``MEDIA_ROOT/<folder>/`` with a
    random name; return that name. The extension comes from the content, not from the file name; a file
    that was not checked with :func:`check_upload` is checked now (``ValidationError`` when refused)."""
    info, clean = _checked(uploaded_file)
    with private_writer(folder=folder, extension=info.extension) as (stored_name, writer):
        for start in range(0, len(clean), CHUNK):
            writer.write(clean[start:start + CHUNK])
    return stored_name


@contextmanager
def private_writer(*, folder: str, extension: str):
    """``(stored_name, writer)`` for a new file under ``MEDIA_ROOT/<folder>/`` with a random name (0600 in a 0700
    folder): whatever is written to ``writer`` is sealed with AES-256-GCM under the current field key, chunk by
    chunk, so a file of any size is stored in constant memory. The file is complete when the block ends; when the
    block raises, the partial file is removed. Uploads and exports are stored this way, read back by
    :func:`open_stored`."""
    if not _FOLDER.match(folder) or not re.fullmatch(r"\.[a-z0-9]{1,5}", extension):
        raise SuspiciousFileOperation(f"invalid storage folder {folder!r} or extension {extension!r}")
    directory = _media_root() / folder
    _private_dir(directory)
    stored_name = f"{folder}/{secrets.token_hex(16)}{extension}"
    path = _media_root() / stored_name
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    descriptor = os.open(path, flags, 0o600)
    try:
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "wb") as target:
            writer = sealing.SealedWriter(target)
            yield stored_name, writer
            writer.finish()
            target.flush()
            os.fsync(target.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def _resolve(stored_name: str) -> Path:
    root = _media_root()
    if not stored_name or os.path.isabs(stored_name) or "\x00" in stored_name:
        raise SuspiciousFileOperation("invalid stored file name")
    path = (root / stored_name).resolve()
    if not path.is_relative_to(root) or path == root:
        raise SuspiciousFileOperation("stored file name leaves the media root")
    return path


def open_stored(stored_name: str):
    """A binary, seekable file object with the plaintext of a stored upload (decrypted as it is read; an
    old plaintext file as it is). Refuses names that leave ``MEDIA_ROOT``; raises
    ``acquirer.secrets.SecretError`` when the file fails authentication or its key is not configured."""
    handle = open(_resolve(stored_name), "rb")  # noqa: SIM115 - the caller (a FileResponse) closes it
    return sealing.open_sealed(handle)


def delete_stored(stored_name: str) -> None:
    """Remove a stored file (used when the transaction that stored it fails)."""
    _resolve(stored_name).unlink(missing_ok=True)


# --- downloading ---------------------------------------------------------------------------------

class StoredFileMissing(DomainError):
    """The row names a file that is not in storage (a download answers 404)."""


def audited_download(*, actor, stored_name: str, filename: str, content_type: str, action: str, target,
                     data: dict | None = None) -> FileResponse:
    """The stored file as a download, the download audited as ``action`` on ``target`` (with ``data``).

    The caller has checked that ``actor`` may see the file. The file is opened (decrypted) first: a missing
    file raises :class:`StoredFileMissing`, a file that fails authentication ``acquirer.secrets.SecretError``,
    and then nothing is recorded. The audit event is written now, inside the request, before anything is
    streamed. The response is never shown inline, not sniffed by the browser and not cached."""
    try:
        handle = open_stored(stored_name)
    except FileNotFoundError as error:
        raise StoredFileMissing(_("The file is missing from storage.")) from error
    try:
        with transaction.atomic():
            audit.record(action, actor=actor, target=target, data=data)
        response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    except BaseException:
        handle.close()
        raise
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def attachment(content, *, filename: str, content_type: str):
    """A generated file (an export) as a download: ``content`` is an open file (streamed from disk) or an iterable
    of lines (streamed as produced). Never shown inline, not sniffed, not cached — like :func:`audited_download`."""
    if hasattr(content, "read"):
        response = FileResponse(content, as_attachment=True, filename=filename, content_type=content_type)
    else:
        response = StreamingHttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
