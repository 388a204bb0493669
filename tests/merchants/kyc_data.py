"""Valid (checksum-correct) identifiers and files for onboarding tests."""

import io
import itertools

from django.core.files.uploadedfile import SimpleUploadedFile
from stdnum import luhn
from stdnum.cn import ric, uscc

_seq = itertools.count(1)


def make_uscc() -> str:
    body = f"91310000MA1F{next(_seq):05d}"[:17]
    return body + uscc.calc_check_digit(body)


def make_resident_id(region: str = "110101", birth: str = "19850312") -> str:
    body = f"{region}{birth}{next(_seq) % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum expects a placeholder check digit


def make_card_number() -> str:
    body = f"62220210{next(_seq):010d}"
    return body + luhn.calc_check_digit(body)


def pdf_bytes(title: str = "licence") -> bytes:
    """A real one-page PDF (uploads are parsed, so magic bytes alone are refused)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image_bytes(kind: str = "PNG", size: tuple[int, int] = (32, 24), color: str = "teal") -> bytes:
    """A real image; a PNG made by Pillow comes back byte for byte after the upload's re-encoding."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format=kind)
    return out.getvalue()


def pdf_file(name: str = "licence.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


def png_file(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes("PNG"), content_type="image/png")


def fake_pdf_exe(name: str = "licence.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"MZ\x90\x00" + b"\x00" * 1000, content_type="application/pdf")


def buffer(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)
