"""Files in the core: ``acquirer.files`` checks, stores and serves every upload through ONE audited download;
no app keeps its own copy. Notifications to a merchant go to its active owner
(``merchants.selectors.merchants.merchant_owner``)."""

import ast
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from acquirer import files, roles
from acquirer.models import AuditEvent, Notification
from merchants.selectors.merchants import merchant_owner
from merchants.services.documents import document_decide, document_upload
from tests.merchants.kyc_data import pdf_bytes

ROOT = Path(__file__).resolve().parent.parent
APPS = ("merchants", "terminals", "transactions", "complaints", "compliance")
PDF = pdf_bytes("CORE-FILES-MARKER")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def sources(*folders: str):
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path, path.read_text(encoding="utf-8")


# --- the one audited download --------------------------------------------------------------------

def test_audited_download_records_the_event_before_streaming_and_sends_a_private_attachment(users, merchant_a):
    stored = files.store_upload(upload("licence.pdf", PDF), folder="kyc")
    response = files.audited_download(actor=users["auditor"], stored_name=stored, filename="营业执照.pdf",
                                      content_type="application/pdf", action="document.downloaded",
                                      target=merchant_a, data={"file": "营业执照.pdf"})
    event = AuditEvent.objects.get(action="document.downloaded")  # recorded before a byte is streamed
    assert event.actor == users["auditor"] and event.target_id == str(merchant_a.pk)
    assert event.data == {"file": "营业执照.pdf"}
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7.pdf" in response["Content-Disposition"]
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    try:
        assert b"".join(response.streaming_content) == PDF  # decrypted
    finally:
        response.file_to_stream.close()


def test_audited_download_of_a_missing_file_raises_and_records_nothing(users, merchant_a):
    stored = files.store_upload(upload("licence.pdf", PDF), folder="kyc")
    files.delete_stored(stored)
    with pytest.raises(files.StoredFileMissing):
        files.audited_download(actor=users["auditor"], stored_name=stored, filename="licence.pdf",
                               content_type="application/pdf", action="document.downloaded", target=merchant_a)
    assert not AuditEvent.objects.filter(action="document.downloaded").exists()


def test_a_missing_document_file_answers_404_without_an_audit_event(clients, users, merchant_a):
    document = document_upload(actor=users["merchant_a"], merchant=merchant_a, kind="settlement_proof",
                               uploaded_file=upload("proof.pdf", PDF))
    files.delete_stored(document.stored_name)
    response = clients["merchant_a"].get(reverse("portal:document-download", kwargs={"pk": document.pk}))
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="document.downloaded").exists()


def test_the_kyc_download_view_answers_with_the_core_headers(clients, users, merchant_a):
    document = document_upload(actor=users["merchant_a"], merchant=merchant_a, kind="settlement_proof",
                               uploaded_file=upload("proof.pdf", PDF))
    response = clients[roles.ONBOARDING_REVIEWER].get(reverse("ops:document-download", kwargs={"pk": document.pk}))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Cache-Control"] == "private, no-store" and response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert AuditEvent.objects.filter(action="document.downloaded", target_id=str(document.pk)).count() == 1


# --- no copies left --------------------------------------------------------------------------------

def test_the_core_files_module_imports_no_domain_app():
    for name in ("files.py", "forms.py"):
        tree = ast.parse((ROOT / "acquirer" / name).read_text(encoding="utf-8"))
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert not {module for module in imported if module.split(".")[0] in APPS}, name


def test_uploads_live_only_in_the_core_and_every_download_goes_through_it():
    assert not (ROOT / "merchants" / "uploads.py").exists()
    old_module = r"merchants\.uploads|from merchants import uploads"
    copies = (old_module, r"\bopen_stored\(", r"def file_response\b", r"def open_photo\b", r"FileResponse\(")
    offenders = [f"{path.relative_to(ROOT)}: {pattern}" for path, text in sources("merchants", "terminals")
                 for pattern in copies if re.search(pattern, text)]
    offenders += [str(path.relative_to(ROOT)) for path, text in sources("tests")
                  if path.name != "test_core_files.py" and re.search(old_module, text)]
    assert offenders == []


def test_no_private_owner_lookup_remains():
    offenders = [str(path.relative_to(ROOT)) for path, text in sources(*APPS, "acquirer")
                 if re.search(r"^\s*def _owner\(", text, re.MULTILINE)
                 or re.search(r"role=MerchantMembership\.Role\.OWNER[^\n]*\)\.first\(\)|\.filter\([^\n]*Role\.OWNER",
                              text) and path != ROOT / "merchants" / "selectors" / "merchants.py"]
    assert offenders == []


# --- the merchant's owner ---------------------------------------------------------------------------

def test_merchant_owner_is_the_active_owner_only(users, merchant_a):
    assert merchant_owner(merchant_a.pk) == users["merchant_a"]
    users["merchant_a"].is_active = False
    users["merchant_a"].save(update_fields=["is_active"])
    assert merchant_owner(merchant_a.pk) is None


def test_a_deactivated_owner_is_not_notified_of_a_refused_document(users, merchant_a):
    document = document_upload(actor=users["merchant_a"], merchant=merchant_a, kind="settlement_proof",
                               uploaded_file=upload("proof.pdf", PDF))
    owner = users["merchant_a"]
    owner.is_active = False
    owner.save(update_fields=["is_active"])
    document_decide(actor=users[roles.ONBOARDING_REVIEWER], document=document, decision="rejected",
                    reason="Account name does not match")
    assert AuditEvent.objects.filter(action="document.rejected", target_id=str(document.pk)).exists()
    assert not Notification.objects.filter(recipient=owner).exists()
