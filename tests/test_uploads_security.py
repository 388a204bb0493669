"""Uploads are parsed, not only sniffed (polyglots, active PDFs, image bombs are refused; images are
re-encoded), the size message is exact, and every stored upload is encrypted at rest (AES-256-GCM in
chunks, key id in the header), decrypted only by the audited downloads, re-keyed by ``manage.py reencrypt``
which also seals files stored before encryption."""

import hashlib
import io
import struct
import zlib
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image, PngImagePlugin
from pypdf import PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from acquirer import files, roles, secrets
from acquirer.models import AuditEvent
from merchants.models import Merchant, MerchantDocument
from merchants.services.documents import document_download, document_upload
from merchants.services.inspections import CHECKLIST, inspection_photo_download, inspection_record
from terminals.models import TerminalPhoto
from terminals.services import lifecycle as terminal_svc
from terminals.services import photos as terminal_photos
from tests.merchants.kyc_data import image_bytes, pdf_bytes
from tests.terminals.factories import make_live_merchant, make_terminal

MARKER = "PLAINTEXT-MARKER-7f3a"
PDF = pdf_bytes(MARKER)
PNG = image_bytes("PNG")
JPEG = image_bytes("JPEG")
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>\n"
KEY_F1 = "f1:" + "D" * 43 + "="
KEY_F2 = "f2:" + "C" * 43 + "="


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def body(response) -> bytes:
    """The streamed content of a download response; closes the file (``response.close()`` would also send
    ``request_finished``, which closes the test's database connection)."""
    try:
        return b"".join(response.streaming_content)
    finally:
        response.file_to_stream.close()


def refusal(name: str, content: bytes, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        files.check_upload(upload(name, content), **kwargs)
    return caught.value


def raw_pdf(*extra: bytes, catalog: bytes = b"", page: bytes = b"") -> bytes:
    """A hand-written PDF (catalog 1, pages 2, page 3, then ``extra`` objects 4…) with a correct xref."""
    bodies = [b"<< /Type /Catalog /Pages 2 0 R " + catalog + b">>",
              b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
              b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] " + page + b">>", *extra]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(bodies, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(bodies) + 1, xref)
    return bytes(out)


def written_pdf(build) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    build(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int = 60000, height: int = 60000) -> bytes:
    """A valid PNG header announcing width × height RGB pixels, followed by a tiny zlib stream."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", zlib.compress(b"\x00" * 4096, 9))
            + png_chunk(b"IEND", b""))


def stored_path(media_root, stored_name: str) -> Path:
    return Path(media_root) / stored_name


def run_reencrypt(*args) -> str:
    out = StringIO()
    call_command("reencrypt", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def english():
    """The refusals are checked by their English wording (the default language is Chinese)."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def doc(users, merchant_a):
    return document_upload(actor=users["merchant_a"], merchant=merchant_a, kind="settlement_proof",
                           uploaded_file=upload("proof.pdf", PDF))


# --- 1. the four polyglots of the finding, and their relatives --------------------------------------

def test_html_page_behind_a_pdf_header_is_refused():
    for content in (b"%PDF-1.4\n" + HTML, b"%PDF-1.4\n" + HTML + b"%%EOF\n"):
        error = refusal("statement.pdf", content)
        assert error.code == "pdf_unreadable" and "cannot be read as a PDF" in error.messages[0]
        assert "statement.pdf" in error.messages[0]


def open_action_javascript(writer: PdfWriter) -> None:
    writer.root_object[NameObject("/OpenAction")] = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Action"), NameObject("/S"): NameObject("/JavaScript"),
        NameObject("/JS"): TextStringObject("app.alert('pwned');")}))


def test_pdf_with_an_open_action_javascript_is_refused():
    content = written_pdf(open_action_javascript)
    assert b"/OpenAction" in content and b"/JavaScript" in content
    error = refusal("licence.pdf", content)
    assert error.code == "pdf_javascript" and "contains JavaScript" in error.messages[0]
    # pypdf's own helper puts the script in the document's /JavaScript name tree: refused too
    content = written_pdf(lambda writer: writer.add_open_action(JavaScript("app.alert('pwned');")))
    assert refusal("licence.pdf", content).code == "pdf_javascript"


@pytest.mark.parametrize(("content", "code"), [
    # a document-level /JavaScript name tree, its name spelt with a #-escape
    (raw_pdf(b"<< /Names [(x) 5 0 R] >>", b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>",
             catalog=b"/Names << /J#61vaScript 4 0 R >> "), "pdf_javascript"),
    # an additional action (/AA) of the page
    (raw_pdf(page=b"/AA << /O << /S /JavaScript /JS (app.alert\\(1\\)) >> >> "), "pdf_javascript"),
    # JavaScript in an object that nothing references: still refused ("anywhere")
    (raw_pdf(b"<< /S /JavaScript /JS 5 0 R >>", b"<< /Length 3 >>\nstream\nx=1\nendstream"), "pdf_javascript"),
    # a /Launch action (starts a program)
    (raw_pdf(catalog=b"/OpenAction << /S /Launch /F (calc.exe) >> "), "pdf_launch"),
    # a file attachment annotation
    (raw_pdf(b"<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 9 9] /FS << /Type /Filespec /F (a.exe) >> >>",
             page=b"/Annots [4 0 R] "), "pdf_embedded"),
    # an embedded file (/EmbeddedFiles name tree), written by pypdf
    (written_pdf(lambda writer: writer.add_attachment("invoice.exe", b"MZ\x90\x00")), "pdf_embedded"),
    # an XFA form (can carry scripts)
    (raw_pdf(b"<< /Length 7 >>\nstream\n<xdp/>\nendstream", catalog=b"/AcroForm << /Fields [] /XFA 4 0 R >> "),
     "pdf_xfa"),
], ids=["javascript-name-tree", "page-additional-action", "unreferenced-script", "launch", "file-attachment",
        "embedded-files", "xfa"])
def test_active_or_carrier_pdfs_are_refused_with_the_reason(content, code):
    error = refusal("document.pdf", content)
    assert error.code == code
    message = error.messages[0]
    assert "document.pdf" in message
    assert {"pdf_javascript": "JavaScript", "pdf_launch": "/Launch", "pdf_embedded": "embedded files",
            "pdf_xfa": "XFA form"}[code] in message


def test_a_plain_hand_written_pdf_passes():
    assert files.check_upload(upload("plain.pdf", raw_pdf())).content_type == "application/pdf"


def test_pdf_with_html_appended_after_its_end_is_refused():
    assert refusal("proof.pdf", PDF + HTML).code == "pdf_unreadable"
    assert files.check_upload(upload("proof.pdf", PDF + b"\r\n\n")).size == len(PDF) + 3  # line ends are fine


def test_password_protected_pdf_is_refused_but_a_permissions_only_pdf_passes():
    locked = written_pdf(lambda writer: writer.encrypt(user_password="secret", owner_password="owner",
                                                       algorithm="AES-256"))
    error = refusal("locked.pdf", locked)
    assert error.code == "pdf_encrypted" and "password-protected" in error.messages[0]
    permissions_only = written_pdf(lambda writer: writer.encrypt(user_password="", owner_password="owner",
                                                                 algorithm="AES-256"))
    assert files.check_upload(upload("statement.pdf", permissions_only)).content_type == "application/pdf"


def test_png_signature_followed_by_html_is_refused():
    error = refusal("shop.png", b"\x89PNG\r\n\x1a\n" + HTML)
    assert error.code == "image_unreadable" and "cannot be read as a PNG image" in error.messages[0]


def test_png_decompression_bomb_is_refused_before_decoding():
    content = png_bomb()
    assert len(content) < 200  # 3.6 billion pixels announced in a few bytes
    error = refusal("bomb.png", content)
    assert error.code == "too_many_pixels"
    assert "60,000 × 60,000 pixels; the limit is 40 megapixels" in error.messages[0]


def test_pixel_limit_is_a_setting(settings):
    settings.ACQUIRER_UPLOAD_MAX_PIXELS = 32 * 24 - 1
    assert refusal("shop.png", PNG).code == "too_many_pixels"
    settings.ACQUIRER_UPLOAD_MAX_PIXELS = 32 * 24
    assert files.check_upload(upload("shop.png", PNG)).content_type == "image/png"


def test_truncated_image_is_refused():
    assert refusal("shop.png", PNG[: len(PNG) // 2]).code == "image_unreadable"
    assert refusal("id.jpg", JPEG[: len(JPEG) - 40]).code == "image_unreadable"


def test_images_are_reencoded_without_trailing_data_or_metadata(users, merchant_a):
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° to display
    exif[0x010F] = "SecretCam"  # camera make
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "orange").save(buffer, format="JPEG", exif=exif.tobytes(), comment=b"home address")
    photo = upload("id.jpg", buffer.getvalue() + HTML)
    info = files.check_upload(photo)
    with files.open_stored(files.store_upload(photo, folder="kyc")) as handle:
        stored = handle.read()
    assert b"<script" not in stored and b"SecretCam" not in stored and b"home address" not in stored
    assert hashlib.sha256(stored).hexdigest() == info.sha256 and len(stored) == info.size
    assert info.uploaded_sha256 == hashlib.sha256(buffer.getvalue() + HTML).hexdigest()
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG" and image.size == (20, 40)  # upright, orientation tag gone
    assert not image.getexif() and "comment" not in image.info

    text = io.BytesIO()
    chunks = PngImagePlugin.PngInfo()
    chunks.add_text("Author", "field engineer 13800138000")
    Image.new("RGB", (8, 8), "green").save(text, format="PNG", pnginfo=chunks)
    document = document_upload(actor=users["merchant_a"], merchant=merchant_a, kind="premises_photo",
                               uploaded_file=upload("门头.png", text.getvalue() + HTML))
    response = document_download(actor=users["merchant_a"], document=document)
    served = body(response)
    assert response["Content-Type"] == "image/png"
    assert served.startswith(b"\x89PNG") and served.endswith(b"IEND\xaeB`\x82")
    assert b"<script" not in served and b"13800138000" not in served
    assert hashlib.sha256(served).hexdigest() == document.sha256 and document.size == len(served)


def test_normal_pdf_jpeg_and_png_still_pass_and_download_unchanged(clients, users, merchant_a):
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer)
    sheet.drawString(72, 720, "Business licence 营业执照")
    sheet.showPage()
    sheet.save()
    samples = {"licence.pdf": buffer.getvalue(), "plain.pdf": PDF, "front.jpg": JPEG, "shop.png": PNG}
    for name, content in samples.items():
        document = document_upload(actor=users["merchant_a"], merchant=merchant_a, kind="other",
                                   uploaded_file=upload(name, content))
        response = clients["merchant_a"].get(reverse("portal:document-download", kwargs={"pk": document.pk}))
        body = b"".join(response.streaming_content)
        assert response.status_code == 200 and hashlib.sha256(body).hexdigest() == document.sha256
        if name != "front.jpg":  # PDFs are kept as uploaded; a Pillow PNG re-encodes to itself
            assert body == content
        else:
            assert Image.open(io.BytesIO(body)).size == (32, 24)


def test_refusals_reach_the_merchant_through_the_upload_form(clients):
    clients["merchant_a"].cookies["django_language"] = "en"
    response = clients["merchant_a"].post(reverse("portal:document-upload"), {
        "kind": "settlement_proof",
        "file": SimpleUploadedFile("proof.pdf", written_pdf(open_action_javascript)),
    })
    assert response.status_code == 200 and "contains JavaScript" in response.content.decode()
    assert not MerchantDocument.objects.exists()


# --- 2. the size message is exact ---------------------------------------------------------------------

def test_size_message_shows_exact_bytes_one_byte_over_the_limit(settings):
    settings.ACQUIRER_UPLOAD_MAX_BYTES = 10 * 1024 * 1024
    error = refusal("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024 - 4))
    assert error.code == "too_large"
    assert error.messages[0] == ("The file “big.pdf” is too large: 10,485,761 bytes; "
                                 "the limit is 10,485,760 bytes (10 MB).")


# --- 3. encrypted at rest -----------------------------------------------------------------------------

def test_uploaded_document_is_encrypted_on_disk_and_the_download_returns_the_original(clients, users, media):
    response = clients["merchant_a"].post(reverse("portal:document-upload"), {
        "kind": "settlement_proof", "file": SimpleUploadedFile("proof.pdf", PDF)})
    assert response.status_code == 302
    document = MerchantDocument.objects.get()
    on_disk = stored_path(media, document.stored_name).read_bytes()
    assert MARKER.encode() not in on_disk and PDF not in on_disk
    assert on_disk.startswith(secrets.FILE_MAGIC)
    with stored_path(media, document.stored_name).open("rb") as handle:
        assert secrets.sealed_key_id(handle) == "f2"  # the current key of the test settings
    download = clients[roles.ONBOARDING_REVIEWER].get(reverse("ops:document-download", kwargs={"pk": document.pk}))
    assert download.status_code == 200 and int(download["Content-Length"]) == len(PDF)
    assert b"".join(download.streaming_content) == PDF
    assert AuditEvent.objects.filter(action="document.downloaded", target_id=str(document.pk)).count() == 1


def test_inspection_and_terminal_photos_are_encrypted_on_disk(users, merchant_a, media):
    marker = b"PHOTO-TEXT-MARKER"
    chunks = PngImagePlugin.PngInfo()
    chunks.add_text("Comment", marker.decode())
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), "navy").save(buffer, format="PNG", pnginfo=chunks)
    raw_image = Image.new("RGB", (16, 16), "navy").tobytes()
    Merchant.objects.filter(pk=merchant_a.pk).update(status=Merchant.Status.ACTIVE, mid="898290058120001",
                                                     risk_level="medium")
    inspection = inspection_record(
        actor=users[roles.COMPLIANCE_OFFICER], merchant=merchant_a, performed_on=timezone.localdate(),
        checklist=dict.fromkeys(CHECKLIST, True), findings="", outcome="passed",
        photos=[upload("shop.png", buffer.getvalue())])
    picture = inspection.photos.get()
    on_disk = stored_path(media, picture.stored_name).read_bytes()
    assert on_disk.startswith(secrets.FILE_MAGIC) and marker not in on_disk
    response = inspection_photo_download(actor=users[roles.COMPLIANCE_OFFICER], photo=picture)
    assert Image.open(io.BytesIO(body(response))).tobytes() == raw_image

    manager = users[roles.OPERATIONS_MANAGER]
    live = make_live_merchant(merchant_a, manager)
    terminal = make_terminal()
    terminal_svc.terminal_allocate(actor=manager, terminal=terminal, merchant=live)
    terminal_svc.terminal_survey_record(
        actor=users[roles.FIELD_ENGINEER], terminal=terminal, surveyed_on=timezone.localdate(), power_ok=True,
        network_type="wifi", signal_bars=5, counter_position="bar", feasible=True, notes="",
        photos=[upload("counter.png", PNG)])
    photo = TerminalPhoto.objects.get(terminal=terminal)
    assert PNG not in stored_path(media, photo.stored_name).read_bytes()
    response = terminal_photos.photo_download(actor=manager, photo=photo, action="terminal.photo_downloaded",
                                              target=terminal)
    assert body(response) == PNG


def test_a_tampered_or_truncated_file_is_not_served_and_no_download_is_recorded(users, doc, media):
    path = stored_path(media, doc.stored_name)
    original = path.read_bytes()
    flipped = bytearray(original)
    flipped[len(original) // 2] ^= 0x01
    for broken in (bytes(flipped), original[:-1], original[:-20]):
        path.write_bytes(broken)
        with pytest.raises(secrets.SecretError):
            document_download(actor=users["merchant_a"], document=doc)
    assert not AuditEvent.objects.filter(action="document.downloaded").exists()
    path.write_bytes(original)
    response = document_download(actor=users["merchant_a"], document=doc)
    assert body(response) == PDF


@pytest.mark.parametrize("length", [0, 1, 99, 100, 101, 250, 1000])
def test_sealed_files_round_trip_in_chunks_and_seek(tmp_path, length):
    data = bytes(range(256)) * 4
    data = data[:length]
    path = tmp_path / "f"
    with path.open("wb") as target:
        writer = secrets.SealedWriter(target, chunk_size=100)
        for start in range(0, length, 37):
            writer.write(data[start:start + 37])
        writer.finish()
    assert path.stat().st_size == len(writer.header) + 16 * max(1, -(-length // 100)) + length
    with secrets.open_sealed(path.open("rb")) as handle:
        assert handle.read() == data
        handle.seek(length // 2)
        assert handle.read(60) == data[length // 2: length // 2 + 60]
        assert handle.seek(0, io.SEEK_END) == length


def test_sealed_chunks_cannot_be_reordered_or_dropped(tmp_path):
    path = tmp_path / "f"
    with path.open("wb") as target:
        writer = secrets.SealedWriter(target, chunk_size=100)
        writer.write(b"a" * 100 + b"b" * 100 + b"c" * 50)
        writer.finish()
    raw = path.read_bytes()
    start = len(writer.header)
    first, second, last = raw[start:start + 116], raw[start + 116:start + 232], raw[start + 232:]
    for body in (second + first + last, first + last, first + second, first + second + last + last):
        path.write_bytes(raw[:start] + body)
        with pytest.raises(secrets.SecretError):
            secrets.open_sealed(path.open("rb")).read()


# --- rotation and reencrypt -----------------------------------------------------------------------

def test_reencrypt_seals_an_old_plaintext_file_and_downloads_keep_working(users, doc, media):
    path = stored_path(media, doc.stored_name)
    path.write_bytes(PDF)  # as stored before files were encrypted
    response = document_download(actor=users["merchant_a"], document=doc)
    assert body(response) == PDF  # old plaintext files stay readable

    assert "merchants.merchantdocument: 1 stored file(s) to re-encrypt" in run_reencrypt("--dry-run")
    assert path.read_bytes() == PDF
    out = run_reencrypt()
    assert "merchants.merchantdocument: 1 stored file(s) re-encrypted" in out
    assert "1 stored file(s) re-encrypted under key 'f2'" in out
    on_disk = path.read_bytes()
    assert on_disk.startswith(secrets.FILE_MAGIC) and MARKER.encode() not in on_disk
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]  # no temporary file left
    response = document_download(actor=users["merchant_a"], document=doc)
    assert body(response) == PDF
    event = AuditEvent.objects.filter(action="secrets.reencrypted").latest("pk")
    assert event.data["files"]["merchants.merchantdocument"] == 1
    assert "merchants.merchantdocument: 0 stored file(s) re-encrypted" in run_reencrypt()  # idempotent


def test_key_rotation_rewrites_stored_files_under_the_new_key(settings, users, merchant_a, media):
    settings.ACQUIRER_FIELD_KEYS = KEY_F1
    document = document_upload(actor=users["merchant_a"], merchant=merchant_a, kind="other",
                               uploaded_file=upload("a.pdf", PDF))
    path = stored_path(media, document.stored_name)
    with path.open("rb") as handle:
        assert secrets.sealed_key_id(handle) == "f1"
    settings.ACQUIRER_FIELD_KEYS = f"{KEY_F2},{KEY_F1}"
    response = document_download(actor=users["merchant_a"], document=document)
    assert body(response) == PDF  # the old key still decrypts
    run_reencrypt()
    with path.open("rb") as handle:
        assert secrets.sealed_key_id(handle) == "f2"
    settings.ACQUIRER_FIELD_KEYS = KEY_F2  # the old key dropped
    response = document_download(actor=users["merchant_a"], document=document)
    assert body(response) == PDF


def test_reencrypt_stops_on_a_file_it_cannot_decrypt_and_names_it(settings, users, doc, media):
    path = stored_path(media, doc.stored_name)
    broken = bytearray(path.read_bytes())
    broken[-1] ^= 0x01
    path.write_bytes(bytes(broken))
    settings.ACQUIRER_FIELD_KEYS = f"{KEY_F1},{KEY_F2}"  # rotate, so the file must be rewritten
    with pytest.raises(CommandError) as caught:
        run_reencrypt()
    assert f"pk={doc.pk}" in str(caught.value) and doc.stored_name in str(caught.value)
    assert path.read_bytes() == bytes(broken)  # left as it was
    assert AuditEvent.objects.filter(action="secrets.reencrypt_failed").exists()
