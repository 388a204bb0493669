"""KYC documents: uploads checked by content and stored privately, decisions, what is missing or
refused, audited downloads as attachments, tenant isolation, expiry reminders."""

import hashlib
import stat
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from acquirer import files, roles
from acquirer.exceptions import DomainError, NotPermitted
from acquirer.models import AuditEvent, Notification
from merchants.models import Merchant, MerchantDocument
from merchants.services.documents import (
    document_decide,
    document_download,
    document_upload,
    documents_missing,
    documents_problems,
    documents_remind_expiring,
)
from tests.merchants.kyc_data import image_bytes, pdf_bytes

PDF = pdf_bytes("STORED-PDF-MARKER")  # real files: uploads are parsed, not only sniffed
PNG = image_bytes("PNG")  # made by Pillow: the upload's re-encoding gives the same bytes back
JPEG = image_bytes("JPEG")
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 300
HTML = b"<!doctype html><script>alert(1)</script>"


def upload(name: str, content: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def later(days: int = 400):
    return timezone.localdate() + timedelta(days=days)


def set_status(merchant, status: str, **fields):
    Merchant.objects.filter(pk=merchant.pk).update(status=status, **fields)
    merchant.refresh_from_db()
    return merchant


def in_language(user, text: str) -> str:
    from django.utils import translation

    with translation.override(user.language):
        return translation.gettext(text)


def media_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def reviewer(users):
    return users[roles.ONBOARDING_REVIEWER]


@pytest.fixture
def doc_a(users, merchant_a):
    return document_upload(actor=users["merchant_a"], merchant=merchant_a, kind="settlement_proof",
                           uploaded_file=upload("proof.pdf", PDF))


# --- checking uploads by content -----------------------------------------------------------------

@pytest.mark.parametrize(("name", "content", "content_type"), [
    ("licence.pdf", PDF, "application/pdf"), ("id.jpg", JPEG, "image/jpeg"), ("id.JPEG", JPEG, "image/jpeg"),
    ("shop.png", PNG, "image/png")])
def test_check_upload_decides_the_type_by_content(name, content, content_type):
    uploaded = upload(name, content, content_type="application/octet-stream")
    info = files.check_upload(uploaded)
    assert info.content_type == content_type and info.uploaded_sha256 == hashlib.sha256(content).hexdigest()
    # size and digest describe what is stored and downloaded (images are re-encoded)
    with files.open_stored(files.store_upload(uploaded, folder="kyc")) as handle:
        stored = handle.read()
    assert info.size == len(stored) and info.sha256 == hashlib.sha256(stored).hexdigest()


@pytest.mark.parametrize("content", [EXE, HTML, PNG], ids=["exe", "html", "png"])
def test_check_upload_refuses_a_file_renamed_to_pdf(content):
    # The browser's content type says PDF too; only the bytes count.
    with pytest.raises(ValidationError) as caught:
        files.check_upload(upload("licence.pdf", content, content_type="application/pdf"))
    assert caught.value.code == "content_mismatch"
    assert "licence.pdf" in caught.value.messages[0] and "is not PDF" in caught.value.messages[0]


def test_check_upload_refuses_a_pdf_renamed_to_jpg():
    with pytest.raises(ValidationError, match="named as a JPEG file") as caught:
        files.check_upload(upload("photo.jpg", PDF))
    assert caught.value.code == "content_mismatch"


def test_check_upload_refuses_unknown_types_and_names():
    with pytest.raises(ValidationError) as caught:
        files.check_upload(upload("setup.exe", EXE))
    assert caught.value.code == "type" and "PDF, JPEG, PNG" in caught.value.messages[0]
    with pytest.raises(ValidationError) as caught:
        files.check_upload(upload("licence.exe", PDF))
    assert caught.value.code == "extension"


def test_check_upload_refuses_an_empty_file():
    with pytest.raises(ValidationError, match="is empty") as caught:
        files.check_upload(upload("empty.pdf", b""))
    assert caught.value.code == "empty"


def test_check_upload_refuses_an_oversized_file_and_names_the_limit(settings):
    settings.ACQUIRER_UPLOAD_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as caught:
        files.check_upload(upload("big.pdf", b"%PDF-" + b"0" * 2000))
    assert caught.value.code == "too_large" and "2,005 bytes; the limit is 1,024 bytes (1.0\xa0KB)" in (
        caught.value.messages[0])
    settings.ACQUIRER_UPLOAD_MAX_BYTES = len(PDF)
    assert files.check_upload(upload("small.pdf", PDF)).size == len(PDF)


def test_default_upload_limit_is_ten_mebibytes():
    assert django_settings.ACQUIRER_UPLOAD_MAX_BYTES == 10 * 1024 * 1024


def test_check_upload_limits_photos_to_images():
    with pytest.raises(ValidationError, match="Accepted: JPEG, PNG"):
        files.check_upload(upload("photo.pdf", PDF), allowed=("jpeg", "png"))


# --- storing -------------------------------------------------------------------------------------

def test_store_upload_uses_random_private_names_outside_static(media):
    first = files.store_upload(upload("licence.pdf", PDF), folder="kyc")
    second = files.store_upload(upload("licence.pdf", PDF), folder="kyc")
    assert first != second
    for name in (first, second):
        assert name.startswith("kyc/") and name.endswith(".pdf") and "licence" not in name
        assert len(Path(name).stem) == 32
        path = Path(media) / name
        assert b"STORED-PDF-MARKER" not in path.read_bytes()  # encrypted at rest
        with files.open_stored(name) as handle:
            assert handle.read() == PDF
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((Path(media) / "kyc").stat().st_mode) == 0o700
    static_roots = [Path(django_settings.STATIC_ROOT), *map(Path, django_settings.STATICFILES_DIRS)]
    assert not any(Path(media).resolve().is_relative_to(root.resolve()) for root in static_roots)
    assert not any(Path(django_settings.MEDIA_ROOT).resolve().is_relative_to(r.resolve()) for r in static_roots)


def test_store_upload_takes_the_extension_from_the_content():
    assert files.store_upload(upload("scan.jpeg", JPEG), folder="kyc").endswith(".jpg")


def test_open_stored_refuses_path_traversal(media):
    name = files.store_upload(upload("a.png", PNG), folder="kyc")
    with files.open_stored(name) as handle:
        assert handle.read() == PNG
    for bad in ("../secret.txt", "kyc/../../etc/passwd", "/etc/passwd", "", "kyc/\x00x"):
        with pytest.raises(SuspiciousFileOperation):
            files.open_stored(bad)
    with pytest.raises(SuspiciousFileOperation):
        files.store_upload(upload("a.png", PNG), folder="../outside")


# --- upload service ------------------------------------------------------------------------------

def test_merchant_uploads_a_document_while_drafting(users, merchant_a, media):
    document = document_upload(actor=users["merchant_a"], merchant=merchant_a, kind="business_licence",
                               uploaded_file=upload("营业执照.pdf", PDF), expires_on=later())
    assert document.decision == "pending" and document.content_type == "application/pdf"
    assert document.original_name == "营业执照.pdf" and document.sha256 == hashlib.sha256(PDF).hexdigest()
    assert b"STORED-PDF-MARKER" not in (Path(media) / document.stored_name).read_bytes()  # encrypted at rest
    event = AuditEvent.objects.get(action="document.uploaded", target_id=str(document.pk))
    assert event.merchant_id == merchant_a.pk and event.data["on_behalf"] is False
    assert event.data["sha256"] == document.sha256 and "content" not in event.data
    merchant_a.refresh_from_db()
    assert merchant_a.staff_editor_ids == []


def test_staff_upload_on_behalf_marks_the_staff_as_editor(users, merchant_a, reviewer):
    document_upload(actor=reviewer, merchant=merchant_a, kind="settlement_proof",
                    uploaded_file=upload("p.pdf", PDF))
    document_upload(actor=reviewer, merchant=merchant_a, kind="other",
                    uploaded_file=upload("o.pdf", PDF))
    merchant_a.refresh_from_db()
    assert merchant_a.staff_editor_ids == [reviewer.pk]
    assert AuditEvent.objects.filter(action="document.uploaded", data__on_behalf=True).count() == 2


@pytest.mark.parametrize("role", [roles.CUSTOMER_SERVICE, roles.FIELD_ENGINEER, roles.RISK_ANALYST])
def test_staff_without_review_permission_cannot_upload(users, merchant_a, role):
    with pytest.raises(NotPermitted):
        document_upload(actor=users[role], merchant=merchant_a, kind="other",
                        uploaded_file=upload("o.pdf", PDF))
    assert not MerchantDocument.objects.exists()


def test_another_merchants_user_and_auditor_cannot_upload(users, merchant_a):
    for actor in (users["merchant_b"], users["auditor"]):
        with pytest.raises(NotPermitted):
            document_upload(actor=actor, merchant=merchant_a, kind="other",
                            uploaded_file=upload("o.pdf", PDF))
    assert not MerchantDocument.objects.exists()


@pytest.mark.parametrize(("status", "allowed"), [
    ("draft", True), ("info_requested", True), ("submitted", False), ("under_review", False), ("approved", True),
    ("active", True), ("suspended", True), ("rejected", False), ("terminated", False)])
def test_merchant_upload_depends_on_the_application_status(users, merchant_a, status, allowed):
    set_status(merchant_a, status)
    if allowed:
        document_upload(actor=users["merchant_a"], merchant=merchant_a, kind="other",
                        uploaded_file=upload("o.pdf", PDF))
    else:
        with pytest.raises(DomainError):
            document_upload(actor=users["merchant_a"], merchant=merchant_a, kind="other",
                            uploaded_file=upload("o.pdf", PDF))
    assert MerchantDocument.objects.filter(merchant=merchant_a).exists() is allowed


@pytest.mark.parametrize(("status", "allowed"), [("under_review", True), ("active", True), ("rejected", False),
                                                 ("terminated", False)])
def test_staff_upload_depends_on_the_merchant_status(merchant_a, reviewer, status, allowed):
    set_status(merchant_a, status)
    if allowed:
        document_upload(actor=reviewer, merchant=merchant_a, kind="other",
                        uploaded_file=upload("o.pdf", PDF))
    else:
        with pytest.raises(DomainError, match="no documents can be added"):
            document_upload(actor=reviewer, merchant=merchant_a, kind="other",
                            uploaded_file=upload("o.pdf", PDF))
    assert MerchantDocument.objects.filter(merchant=merchant_a).exists() is allowed


@pytest.mark.parametrize("kind", ["business_licence", "id_front", "id_back"])
def test_id_card_and_licence_need_a_future_expiry_date(users, merchant_a, kind):
    actor = users["merchant_a"]
    with pytest.raises(DomainError, match="expiry date"):
        document_upload(actor=actor, merchant=merchant_a, kind=kind, uploaded_file=upload("a.pdf", PDF))
    with pytest.raises(DomainError, match="expired"):
        document_upload(actor=actor, merchant=merchant_a, kind=kind, uploaded_file=upload("a.pdf", PDF),
                        expires_on=timezone.localdate())
    assert document_upload(actor=actor, merchant=merchant_a, kind=kind, uploaded_file=upload("a.pdf", PDF),
                           expires_on=later()).expires_on == later()


def test_refused_upload_saves_nothing(users, merchant_a, media):
    with pytest.raises(DomainError, match="is not PDF"):
        document_upload(actor=users["merchant_a"], merchant=merchant_a, kind="settlement_proof",
                        uploaded_file=upload("proof.pdf", EXE))
    with pytest.raises(DomainError, match="Choose the type"):
        document_upload(actor=users["merchant_a"], merchant=merchant_a, kind="passport",
                        uploaded_file=upload("proof.pdf", PDF))
    assert not MerchantDocument.objects.exists() and not media_files(Path(media))
    assert not AuditEvent.objects.filter(action="document.uploaded").exists()


def test_a_new_upload_supersedes_earlier_ones_not_accepted(users, merchant_a, reviewer):
    actor = users["merchant_a"]
    accepted = document_upload(actor=actor, merchant=merchant_a, kind="settlement_proof",
                               uploaded_file=upload("1.pdf", PDF))
    document_decide(actor=reviewer, document=accepted, decision="accepted")
    pending = document_upload(actor=actor, merchant=merchant_a, kind="settlement_proof",
                              uploaded_file=upload("2.pdf", PDF))
    newest = document_upload(actor=actor, merchant=merchant_a, kind="settlement_proof",
                             uploaded_file=upload("3.pdf", PDF))
    states = dict(MerchantDocument.objects.values_list("pk", "superseded"))
    assert states == {accepted.pk: False, pending.pk: True, newest.pk: False}
    # Accepting the renewal retires the document it renews.
    document_decide(actor=reviewer, document=newest, decision="accepted")
    accepted.refresh_from_db()
    assert accepted.superseded


def test_premises_photos_accumulate(users, merchant_a):
    for name in ("front.png", "inside.png", "till.png"):
        document_upload(actor=users["merchant_a"], merchant=merchant_a, kind="premises_photo",
                        uploaded_file=upload(name, PNG, "image/png"))
    assert MerchantDocument.objects.filter(kind="premises_photo", superseded=False).count() == 3


# --- missing and problem lists -------------------------------------------------------------------

@pytest.mark.parametrize(("merchant_type", "premises", "expected"), [
    ("enterprise", "fixed", ["Business licence", "Legal representative ID (front)", "Legal representative ID (back)",
                             "Settlement account proof", "Premises photo"]),
    ("individual_business", "none", ["Business licence", "Legal representative ID (front)",
                                     "Legal representative ID (back)", "Settlement account proof"]),
    ("micro", "none", ["Legal representative ID (front)", "Legal representative ID (back)",
                       "Settlement account proof"]),
    ("micro", "fixed", ["Legal representative ID (front)", "Legal representative ID (back)",
                        "Settlement account proof", "Premises photo"]),
])
def test_documents_missing_per_merchant_type(merchant_a, merchant_type, premises, expected):
    Merchant.objects.filter(pk=merchant_a.pk).update(merchant_type=merchant_type, premises=premises)
    merchant_a.refresh_from_db()
    assert documents_missing(merchant_a) == expected


def test_documents_missing_ignores_rejected_and_superseded_documents(users, merchant_a, reviewer):
    Merchant.objects.filter(pk=merchant_a.pk).update(merchant_type="micro", premises="none")
    merchant_a.refresh_from_db()
    actor = users["merchant_a"]
    front = document_upload(actor=actor, merchant=merchant_a, kind="id_front",
                            uploaded_file=upload("f.png", PNG),
                            expires_on=later())
    document_upload(actor=actor, merchant=merchant_a, kind="id_back",
                    uploaded_file=upload("b.png", PNG),
                    expires_on=later())
    proof = document_upload(actor=actor, merchant=merchant_a, kind="settlement_proof",
                            uploaded_file=upload("p.pdf", PDF))
    assert documents_missing(merchant_a) == []
    document_decide(actor=reviewer, document=proof, decision="rejected", reason="Not the merchant's own account")
    document_decide(actor=reviewer, document=front, decision="revision_requested", reason="Photo is blurred")
    assert documents_missing(merchant_a) == ["Settlement account proof"]
    assert [(d.kind, reason) for d, reason in documents_problems(merchant_a)] == [
        ("id_front", "Photo is blurred"), ("settlement_proof", "Not the merchant's own account")]
    # A new upload replaces the refused one: nothing missing, no problem left.
    document_upload(actor=actor, merchant=merchant_a, kind="settlement_proof",
                    uploaded_file=upload("p2.pdf", PDF))
    document_upload(actor=actor, merchant=merchant_a, kind="id_front",
                    uploaded_file=upload("f2.png", PNG),
                    expires_on=later())
    assert documents_missing(merchant_a) == [] and documents_problems(merchant_a) == []


def test_documents_lists_are_per_merchant(users, merchant_a, merchant_b):
    document_upload(actor=users["merchant_a"], merchant=merchant_a, kind="settlement_proof",
                    uploaded_file=upload("p.pdf", PDF))
    assert "Settlement account proof" not in documents_missing(merchant_a)
    assert "Settlement account proof" in documents_missing(merchant_b)


# --- decisions -----------------------------------------------------------------------------------

def test_accepting_needs_no_reason_and_is_audited(doc_a, reviewer):
    document = document_decide(actor=reviewer, document=doc_a, decision="accepted")
    assert document.decision == "accepted" and document.decided_by == reviewer and document.decided_at
    event = AuditEvent.objects.get(action="document.accepted", target_id=str(doc_a.pk))
    assert event.before["decision"] == "pending" and event.after["decision"] == "accepted"
    assert not Notification.objects.filter(kind__startswith="document.").exists()


@pytest.mark.parametrize("decision", ["rejected", "revision_requested"])
def test_refusing_needs_a_reason_and_tells_the_owner(users, doc_a, reviewer, decision):
    for reason in ("", "   ", "bad"):
        with pytest.raises(DomainError, match="Tell the merchant why"):
            document_decide(actor=reviewer, document=doc_a, decision=decision, reason=reason)
    doc_a.refresh_from_db()
    assert doc_a.decision == "pending"
    document_decide(actor=reviewer, document=doc_a, decision=decision, reason="Account name does not match")
    doc_a.refresh_from_db()
    assert doc_a.decision == decision and doc_a.decision_reason == "Account name does not match"
    assert AuditEvent.objects.filter(action=f"document.{decision}", target_id=str(doc_a.pk)).exists()
    note = Notification.objects.get(recipient=users["merchant_a"], kind=f"document.{decision}")
    # notifications speak the recipient's language
    assert in_language(note.recipient, "Settlement account proof") in note.title
    assert "Account name does not match" in note.body


def test_decisions_can_be_corrected_but_not_repeated(doc_a, reviewer):
    document_decide(actor=reviewer, document=doc_a, decision="accepted")
    with pytest.raises(DomainError, match="already"):
        document_decide(actor=reviewer, document=doc_a, decision="accepted")
    document_decide(actor=reviewer, document=doc_a, decision="rejected", reason="Forged stamp found later")
    doc_a.refresh_from_db()
    assert doc_a.decision == "rejected"


def test_unknown_decision_and_superseded_document_are_refused(users, merchant_a, doc_a, reviewer):
    with pytest.raises(DomainError, match="Choose a decision"):
        document_decide(actor=reviewer, document=doc_a, decision="pending")
    document_upload(actor=users["merchant_a"], merchant=merchant_a, kind="settlement_proof",
                    uploaded_file=upload("p2.pdf", PDF))
    with pytest.raises(DomainError, match="replaced by a newer upload"):
        document_decide(actor=reviewer, document=doc_a, decision="accepted")


@pytest.mark.parametrize("actor", ["merchant_a", "auditor", roles.CUSTOMER_SERVICE, roles.FIELD_ENGINEER,
                                   roles.RISK_ANALYST, roles.COMPLIANCE_OFFICER])
def test_only_reviewers_decide(users, doc_a, actor):
    with pytest.raises(NotPermitted):
        document_decide(actor=users[actor], document=doc_a, decision="accepted")
    doc_a.refresh_from_db()
    assert doc_a.decision == "pending"


def test_operations_manager_may_decide(users, doc_a):
    document_decide(actor=users[roles.OPERATIONS_MANAGER], document=doc_a, decision="accepted")


# --- downloads -----------------------------------------------------------------------------------

def test_download_service_is_audited_for_everyone(users, doc_a):
    for actor in ("merchant_a", "auditor", roles.CUSTOMER_SERVICE):
        response = document_download(actor=users[actor], document=doc_a)
        try:
            assert b"".join(response.streaming_content) == PDF
        finally:
            response.file_to_stream.close()
        assert (response.filename, response["Content-Type"]) == ("proof.pdf", "application/pdf")
    assert AuditEvent.objects.filter(action="document.downloaded", target_id=str(doc_a.pk)).count() == 3
    for actor in ("merchant_b", roles.FIELD_ENGINEER):
        with pytest.raises(NotPermitted):
            document_download(actor=users[actor], document=doc_a)


@pytest.mark.parametrize(("client_name", "url_name"), [
    ("merchant_a", "portal:document-download"), (roles.ONBOARDING_REVIEWER, "ops:document-download"),
    ("auditor", "audit:document-download")])
def test_download_view_sends_an_attachment_and_audits(clients, users, doc_a, client_name, url_name):
    response = clients[client_name].get(reverse(url_name, kwargs={"pk": doc_a.pk}))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;") and "proof.pdf" in response["Content-Disposition"]
    assert response["Content-Type"] == "application/pdf" and response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF
    event = AuditEvent.objects.get(action="document.downloaded", target_id=str(doc_a.pk))
    assert event.actor == users[client_name]


def test_download_keeps_chinese_file_names(clients, users, merchant_a):
    document = document_upload(actor=users["merchant_a"], merchant=merchant_a, kind="other",
                               uploaded_file=upload("门头照.png", PNG, "image/png"))
    response = clients["merchant_a"].get(reverse("portal:document-download", kwargs={"pk": document.pk}))
    assert "filename*=utf-8''%E9%97%A8%E5%A4%B4%E7%85%A7.png" in response["Content-Disposition"]


def test_another_merchants_document_is_404_like_a_missing_one(clients, doc_a):
    client_b = clients["merchant_b"]
    theirs = client_b.get(reverse("portal:document-download", kwargs={"pk": doc_a.pk}))
    missing = client_b.get(reverse("portal:document-download", kwargs={"pk": 999999}))
    assert theirs.status_code == missing.status_code == 404
    assert not AuditEvent.objects.filter(action="document.downloaded").exists()
    assert "proof.pdf" not in client_b.get(reverse("portal:document-list")).content.decode()


def test_download_of_a_file_missing_from_storage_is_404(clients, doc_a, media):
    (Path(media) / doc_a.stored_name).unlink()
    assert clients["merchant_a"].get(reverse("portal:document-download", kwargs={"pk": doc_a.pk})).status_code == 404
    assert not AuditEvent.objects.filter(action="document.downloaded").exists()


def test_media_is_not_served_directly(clients, doc_a):
    for prefix in ("/media/", "/static/", "/"):
        assert clients["merchant_a"].get(prefix + doc_a.stored_name).status_code == 404


# --- views -------------------------------------------------------------------------------------

def test_portal_list_shows_missing_and_rejected_with_reason(clients, doc_a, reviewer):
    document_decide(actor=reviewer, document=doc_a, decision="rejected", reason="Account holder is someone else")
    page = clients["merchant_a"].get(reverse("portal:document-list")).content.decode()
    assert 'id="documents-missing"' in page and "Business licence" in page
    assert 'id="documents-problems"' in page and "Account holder is someone else" in page
    assert 'id="document-upload-form"' in page


def test_portal_upload_via_the_form(clients, users, merchant_a):
    response = clients["merchant_a"].post(reverse("portal:document-upload"), {
        "kind": "id_front", "file": upload("id.jpg", JPEG, "image/jpeg"), "expires_on": later().isoformat()})
    assert response.status_code == 302 and response["Location"] == reverse("portal:document-list")
    document = MerchantDocument.objects.get(merchant=merchant_a)
    assert document.kind == "id_front" and document.content_type == "image/jpeg" and document.uploaded_by == users[
        "merchant_a"]


def test_portal_upload_of_a_renamed_file_shows_the_reason_and_saves_nothing(clients, media):
    response = clients["merchant_a"].post(reverse("portal:document-upload"), {
        "kind": "settlement_proof", "file": upload("proof.pdf", HTML, "application/pdf")})
    assert response.status_code == 200
    assert "is named as a PDF file, but its content is not PDF" in response.content.decode()
    assert not MerchantDocument.objects.exists() and not media_files(Path(media))


def test_portal_upload_form_needs_expiry_for_id_cards(clients):
    response = clients["merchant_a"].post(reverse("portal:document-upload"), {
        "kind": "id_back", "file": upload("id.png", PNG, "image/png")})
    assert response.status_code == 200 and "Give the date until which this document is valid." in (
        response.content.decode())
    assert not MerchantDocument.objects.exists()


def test_portal_hides_the_upload_form_while_under_review(clients, merchant_a):
    set_status(merchant_a, "under_review")
    page = clients["merchant_a"].get(reverse("portal:document-list")).content.decode()
    assert 'id="document-upload-form"' not in page
    response = clients["merchant_a"].post(reverse("portal:document-upload"), {
        "kind": "other", "file": upload("o.pdf", PDF)})
    assert response.status_code == 200 and not MerchantDocument.objects.exists()


def test_ops_upload_on_behalf_via_the_form(clients, merchant_a, reviewer):
    url = reverse("ops:document-upload", kwargs={"merchant_pk": merchant_a.pk})
    assert "four eyes" in clients[roles.ONBOARDING_REVIEWER].get(url).content.decode()
    response = clients[roles.ONBOARDING_REVIEWER].post(url, {"kind": "settlement_proof", "file": upload("p.pdf", PDF)})
    assert response.status_code == 302
    assert MerchantDocument.objects.get(merchant=merchant_a).uploaded_by == reviewer
    merchant_a.refresh_from_db()
    assert reviewer.pk in merchant_a.staff_editor_ids


def test_ops_decide_view(clients, doc_a):
    client = clients[roles.ONBOARDING_REVIEWER]
    url = reverse("ops:document-decide", kwargs={"pk": doc_a.pk})
    response = client.post(url, {"decision": "rejected", "reason": ""})
    assert response.status_code == 302
    doc_a.refresh_from_db()
    assert doc_a.decision == "pending"
    client.post(url, {"decision": "revision_requested", "reason": "Upload all pages please"})
    doc_a.refresh_from_db()
    assert doc_a.decision == "revision_requested" and doc_a.decision_reason == "Upload all pages please"


@pytest.mark.parametrize(("actor", "url_name", "status"), [
    (roles.FIELD_ENGINEER, "ops:document-list", 403), (roles.CUSTOMER_SERVICE, "ops:document-list", 200),
    (roles.CUSTOMER_SERVICE, "ops:document-upload", 403), (roles.RISK_ANALYST, "ops:document-upload", 403),
    ("merchant_a", "ops:document-list", 403), ("auditor", "ops:document-list", 403),
    ("merchant_a", "audit:document-list", 403)])
def test_document_pages_refuse_roles_without_permission(clients, merchant_a, actor, url_name, status):
    assert clients[actor].get(reverse(url_name, kwargs={"merchant_pk": merchant_a.pk})).status_code == status


def test_decide_and_download_refuse_roles_without_permission(clients, doc_a):
    decide = reverse("ops:document-decide", kwargs={"pk": doc_a.pk})
    assert clients[roles.CUSTOMER_SERVICE].post(decide, {"decision": "accepted"}).status_code == 403
    assert clients["merchant_a"].post(decide, {"decision": "accepted"}).status_code == 403
    download = reverse("ops:document-download", kwargs={"pk": doc_a.pk})
    assert clients[roles.FIELD_ENGINEER].get(download).status_code == 403
    assert clients["auditor"].post(reverse("audit:document-download", kwargs={"pk": doc_a.pk})).status_code == 405
    doc_a.refresh_from_db()
    assert doc_a.decision == "pending"


def _add_documents(merchant, actor, count: int) -> None:
    for n in range(count):
        document_upload(actor=actor, merchant=merchant, kind="other", uploaded_file=upload(f"o{n}.pdf", PDF))


@pytest.mark.parametrize(("client_name", "url_name", "kwargs"), [
    ("merchant_a", "portal:document-list", False), (roles.ONBOARDING_REVIEWER, "ops:document-list", True),
    ("auditor", "audit:document-list", True)])
def test_document_lists_keep_a_constant_number_of_queries(clients, users, merchant_a, client_name, url_name, kwargs,
                                                          django_assert_max_num_queries):
    url = reverse(url_name, kwargs={"merchant_pk": merchant_a.pk} if kwargs else {})
    _add_documents(merchant_a, users["merchant_a"], 2)
    with CaptureQueriesContext(connection) as few:
        assert clients[client_name].get(url).status_code == 200
    _add_documents(merchant_a, users["merchant_a"], 8)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = clients[client_name].get(url)
    assert page.content.decode().count("data-document=") == 10


def test_ops_list_offers_decisions_only_to_reviewers(clients, doc_a, merchant_a):
    url = reverse("ops:document-list", kwargs={"merchant_pk": merchant_a.pk})
    assert "document-decide" in clients[roles.ONBOARDING_REVIEWER].get(url).content.decode()
    assert "document-decide" not in clients[roles.CUSTOMER_SERVICE].get(url).content.decode()


def test_document_panel_renders_for_the_merchant_page(users, doc_a, merchant_a, rf):
    from django.template.loader import render_to_string

    from merchants.selectors.documents import document_list

    for area, prefix in (("ops", "/ops/documents/"), ("audit", "/audit/documents/")):
        html = render_to_string("merchants/shared/_document_panel.html", {
            "merchant": merchant_a, "documents": document_list(actor=users["auditor"], merchant=merchant_a),
            "area": area})
        assert f"{prefix}{doc_a.pk}/download/" in html and "proof.pdf" in html


# --- expiry reminders ----------------------------------------------------------------------------

def test_expiry_reminder_is_sent_once_to_owner_and_reviewer(users, merchant_a, reviewer):
    Merchant.objects.filter(pk=merchant_a.pk).update(assigned_reviewer=reviewer)
    today = timezone.localdate()
    actor = users["merchant_a"]
    soon = document_upload(actor=actor, merchant=merchant_a, kind="business_licence",
                           uploaded_file=upload("l.pdf", PDF), expires_on=today + timedelta(days=20))
    far = document_upload(actor=actor, merchant=merchant_a, kind="id_front",
                          uploaded_file=upload("f.png", PNG),
                          expires_on=today + timedelta(days=90))
    pending = document_upload(actor=actor, merchant=merchant_a, kind="id_back",
                              uploaded_file=upload("b.png", PNG),
                              expires_on=today + timedelta(days=5))
    for document in (soon, far):
        document_decide(actor=reviewer, document=document, decision="accepted")
    assert documents_remind_expiring(today=today) == {"documents": 1, "notifications": 2}
    assert documents_remind_expiring(today=today) == {"documents": 0, "notifications": 0}
    soon.refresh_from_db()
    pending.refresh_from_db()
    assert soon.expiry_reminded_on == today and pending.expiry_reminded_on is None
    notes = Notification.objects.filter(kind="document.expiring")
    assert {n.recipient for n in notes} == {users["merchant_a"], reviewer}
    assert all(in_language(n.recipient, "Business licence") in n.title for n in notes)
    assert AuditEvent.objects.filter(action="document.expiry_reminded", target_id=str(soon.pk)).count() == 1


def test_expiry_reminder_skips_superseded_documents(users, merchant_a, reviewer):
    today = timezone.localdate()
    actor = users["merchant_a"]
    old = document_upload(actor=actor, merchant=merchant_a, kind="id_front",
                          uploaded_file=upload("f.png", PNG),
                          expires_on=today + timedelta(days=10))
    document_decide(actor=reviewer, document=old, decision="accepted")
    renewal = document_upload(actor=actor, merchant=merchant_a, kind="id_front",
                              uploaded_file=upload("f2.png", PNG),
                              expires_on=today + timedelta(days=3650))
    document_decide(actor=reviewer, document=renewal, decision="accepted")
    assert documents_remind_expiring(today=today) == {"documents": 0, "notifications": 0}
