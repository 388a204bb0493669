"""On-site inspections (巡检): plan from the risk rating, records with checklist and photos, the
overdue job (idempotent), photo downloads, permissions."""

import hashlib
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from acquirer import roles
from acquirer.exceptions import DomainError, NotPermitted
from acquirer.models import AuditEvent, Notification
from merchants.models import Inspection, InspectionPhoto, Merchant
from merchants.services.inspections import (
    CHECKLIST,
    add_months,
    inspection_photo_download,
    inspection_record,
    inspection_schedule,
    inspections_flag_overdue,
)
from tests.merchants.kyc_data import image_bytes, pdf_bytes

PNG = image_bytes("PNG")  # real files: uploads are parsed and images re-encoded
JPEG = image_bytes("JPEG")
PDF = pdf_bytes()
ALL_MET = dict.fromkeys(CHECKLIST, True)


def photo(name: str = "shop.jpg", content: bytes = JPEG) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/jpeg")


def set_status(merchant, status: str, **fields):
    Merchant.objects.filter(pk=merchant.pk).update(status=status, **fields)
    merchant.refresh_from_db()
    return merchant


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def inspector(users):
    return users[roles.COMPLIANCE_OFFICER]


@pytest.fixture
def active_a(merchant_a):
    return set_status(merchant_a, "active", mid="898290058120001", risk_level="medium")


def record(actor, merchant, **overrides):
    values = {"performed_on": timezone.localdate(), "checklist": dict(ALL_MET), "findings": "", "outcome": "passed"}
    values.update(overrides)
    return inspection_record(actor=actor, merchant=merchant, **values)


# --- plan ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("risk_level", "override", "due"), [
    ("high", "", date(2025, 4, 15)), ("medium", "", date(2025, 7, 15)), ("low", "", date(2026, 1, 15)),
    ("", "", date(2025, 7, 15)), ("low", "high", date(2025, 4, 15))])
def test_inspection_schedule_follows_the_effective_risk(merchant_a, risk_level, override, due):
    set_status(merchant_a, "active", risk_level=risk_level, risk_override=override)
    assert inspection_schedule(merchant=merchant_a, from_date=date(2025, 1, 15)) == due
    merchant_a.refresh_from_db()
    assert merchant_a.next_inspection_due == due
    event = AuditEvent.objects.get(action="inspection.scheduled", target_id=str(merchant_a.pk))
    assert event.after == {"next_inspection_due": due.isoformat()}


def test_inspection_frequency_is_configurable(settings, merchant_a):
    settings.ACQUIRER_INSPECTION_MONTHS = {"high": 1, "medium": 2, "low": 24}
    set_status(merchant_a, "active", risk_level="low")
    assert inspection_schedule(merchant=merchant_a, from_date=date(2025, 1, 15)) == date(2027, 1, 15)


def test_add_months_clamps_to_month_end():
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)
    assert add_months(date(2023, 11, 30), 3) == date(2024, 2, 29)
    assert add_months(date(2025, 1, 31), 12) == date(2026, 1, 31)


# --- records -------------------------------------------------------------------------------------

def test_recording_an_inspection_stores_photos_and_reschedules(users, active_a, inspector, media):
    day = timezone.localdate() - timedelta(days=2)
    Merchant.objects.filter(pk=active_a.pk).update(risk_level="high")
    inspection = record(inspector, active_a, performed_on=day, photos=[photo("门头.jpg"), photo("till.png", PNG)])
    assert inspection.inspector == inspector and inspection.checklist == ALL_MET
    photos = list(inspection.photos.order_by("id"))
    expected = [("门头.jpg", "image/jpeg"), ("till.png", "image/png")]
    assert [(p.original_name, p.content_type) for p in photos] == expected
    for p in photos:
        assert p.stored_name.startswith("inspections/") and "门头" not in p.stored_name
        assert (Path(media) / p.stored_name).is_file()
    active_a.refresh_from_db()
    assert active_a.next_inspection_due == add_months(day, 3)
    event = AuditEvent.objects.get(action="inspection.recorded", target_id=str(inspection.pk))
    assert event.merchant_id == active_a.pk and event.data["photos"] == 2 and event.data["outcome"] == "passed"
    assert not Notification.objects.filter(kind="inspection.failed").exists()


def test_a_backdated_inspection_does_not_pull_the_plan_backwards(active_a, inspector):
    today = timezone.localdate()
    record(inspector, active_a, performed_on=today)
    record(inspector, active_a, performed_on=today - timedelta(days=100))
    active_a.refresh_from_db()
    assert active_a.next_inspection_due == add_months(today, 6)


def test_failed_inspection_notifies_risk_analysts(users, active_a, inspector):
    checklist = dict(ALL_MET, no_prohibited_goods=False)
    record(inspector, active_a, checklist=checklist, outcome="failed", findings="Sells e-cigarettes under MCC 5812")
    note = Notification.objects.get(kind="inspection.failed")
    assert note.recipient == users[roles.RISK_ANALYST] and str(active_a) in note.title
    assert "e-cigarettes" in note.body


@pytest.mark.parametrize("role", [roles.FIELD_ENGINEER, roles.COMPLIANCE_OFFICER, roles.OPERATIONS_MANAGER])
def test_inspectors_may_record(users, active_a, role):
    assert record(users[role], active_a).inspector == users[role]


@pytest.mark.parametrize("actor", [roles.ONBOARDING_REVIEWER, roles.RISK_ANALYST, roles.CUSTOMER_SERVICE,
                                   "merchant_a", "auditor"])
def test_others_may_not_record(users, active_a, actor):
    with pytest.raises(NotPermitted):
        record(users[actor], active_a)
    assert not Inspection.objects.exists()


@pytest.mark.parametrize(("status", "allowed"), [
    ("draft", False), ("submitted", False), ("under_review", False), ("info_requested", False), ("approved", False),
    ("active", True), ("suspended", True), ("rejected", False), ("terminated", False)])
def test_only_live_merchants_are_inspected(merchant_a, inspector, status, allowed):
    set_status(merchant_a, status)
    if allowed:
        record(inspector, merchant_a)
    else:
        with pytest.raises(DomainError, match="Only active or suspended merchants"):
            record(inspector, merchant_a)
    assert Inspection.objects.exists() is allowed


@pytest.mark.parametrize(("overrides", "message"), [
    ({"performed_on": timezone.localdate() + timedelta(days=1)}, "cannot be in the future"),
    ({"checklist": dict(ALL_MET, bribe_offered=True)}, "Unknown checklist items: bribe_offered"),
    ({"checklist": {k: v for k, v in ALL_MET.items() if k != "staff_trained"}}, "missing: Cashiers know"),
    ({"checklist": dict(ALL_MET, signage_present="yes")}, "yes or no"),
    ({"checklist": dict(ALL_MET, signage_present=False)}, "cannot be recorded as passed"),
    ({"outcome": "failed", "findings": ""}, "Describe the findings"),
    ({"outcome": "excellent"}, "Choose the outcome"),
    ({"photos": [photo("scan.pdf", PDF)]}, "Accepted: JPEG, PNG"),
    ({"photos": [photo("shop.jpg", PNG)]}, "named as a JPEG file"),
])
def test_invalid_inspections_are_refused_and_save_nothing(active_a, inspector, media, overrides, message):
    with pytest.raises(DomainError, match=message):
        record(inspector, active_a, **overrides)
    assert not Inspection.objects.exists() and not InspectionPhoto.objects.exists()
    assert not (Path(media) / "inspections").exists() or not any((Path(media) / "inspections").iterdir())
    active_a.refresh_from_db()
    assert active_a.next_inspection_due is None


# --- overdue job ---------------------------------------------------------------------------------

def test_overdue_flagging_is_idempotent_per_due_date(users, merchant_a, merchant_b):
    today = timezone.localdate()
    set_status(merchant_a, "active", next_inspection_due=today - timedelta(days=3))
    set_status(merchant_b, "active", next_inspection_due=today)  # due today: not yet overdue
    assert inspections_flag_overdue(today=today) == {"overdue": 1, "flagged": 1}
    assert inspections_flag_overdue(today=today) == {"overdue": 1, "flagged": 0}
    assert inspections_flag_overdue(today=today + timedelta(days=1)) == {"overdue": 2, "flagged": 1}
    notes = Notification.objects.filter(kind="inspection.overdue")
    assert notes.count() == 2 and {n.recipient for n in notes} == {users[roles.COMPLIANCE_OFFICER]}
    events = AuditEvent.objects.filter(action="inspection.overdue_flagged")
    assert {(e.merchant_id, e.data["due"]) for e in events} == {
        (merchant_a.pk, (today - timedelta(days=3)).isoformat()), (merchant_b.pk, today.isoformat())}
    # A new due date that passes is flagged again.
    Merchant.objects.filter(pk=merchant_a.pk).update(next_inspection_due=today - timedelta(days=1))
    assert inspections_flag_overdue(today=today + timedelta(days=1)) == {"overdue": 2, "flagged": 1}


def test_overdue_flagging_ignores_merchants_not_active(merchant_a, merchant_b):
    past = timezone.localdate() - timedelta(days=30)
    set_status(merchant_a, "suspended", next_inspection_due=past)
    set_status(merchant_b, "terminated", next_inspection_due=past)
    assert inspections_flag_overdue() == {"overdue": 0, "flagged": 0}
    assert not Notification.objects.filter(kind="inspection.overdue").exists()


# --- views -------------------------------------------------------------------------------------

def test_ops_records_an_inspection_with_photos_via_the_form(clients, active_a, inspector):
    url = reverse("ops:inspection-create", kwargs={"merchant_pk": active_a.pk})
    client = clients[roles.FIELD_ENGINEER]
    page = client.get(url).content.decode()
    assert 'id="inspection-form"' in page and "Terminals are at the registered address" in page
    data = {"performed_on": timezone.localdate().isoformat(), "outcome": "issues",
            "findings": "Sign shows an old trading name", "photos": [photo("a.jpg"), photo("b.png", PNG)],
            **{f"check_{key}": "on" for key in CHECKLIST if key != "signage_present"}}
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == reverse("ops:inspection-list")
    inspection = Inspection.objects.get(merchant=active_a)
    assert inspection.checklist == dict(ALL_MET, signage_present=False) and inspection.outcome == "issues"
    assert inspection.photos.count() == 2


def test_ops_form_shows_refusals(clients, active_a):
    url = reverse("ops:inspection-create", kwargs={"merchant_pk": active_a.pk})
    response = clients[roles.COMPLIANCE_OFFICER].post(url, {
        "performed_on": timezone.localdate().isoformat(), "outcome": "passed", "findings": "",
        "photos": [photo("scan.jpg", PDF)], **{f"check_{key}": "on" for key in CHECKLIST}})
    assert response.status_code == 200 and "named as a JPEG file" in response.content.decode()
    response = clients[roles.COMPLIANCE_OFFICER].post(url, {
        "performed_on": timezone.localdate().isoformat(), "outcome": "passed", "findings": ""})
    assert response.status_code == 200 and "cannot be recorded as passed" in response.content.decode()
    assert not Inspection.objects.exists()


def test_inspection_plan_lists_overdue_first(clients, merchant_a, merchant_b):
    today = timezone.localdate()
    set_status(merchant_a, "active", next_inspection_due=today + timedelta(days=40))
    set_status(merchant_b, "active", next_inspection_due=today - timedelta(days=2))
    page = clients[roles.FIELD_ENGINEER].get(reverse("ops:inspection-list")).content.decode()
    assert page.index(f'data-merchant="{merchant_b.pk}"') < page.index(f'data-merchant="{merchant_a.pk}"')
    assert page.count('data-overdue="1"') == 1
    audit_page = clients["auditor"].get(reverse("audit:inspection-list")).content.decode()
    assert f"/audit/merchants/{merchant_b.pk}/" in audit_page and "/inspections/new/" not in audit_page


def test_inspection_plan_keeps_a_constant_number_of_queries(clients, users, inspector,
                                                            django_assert_max_num_queries):
    from tests.factories import make_merchant

    def add(count):
        for _n in range(count):
            merchant = set_status(make_merchant(), "active", next_inspection_due=timezone.localdate())
            record(inspector, merchant, photos=[photo()])

    url = reverse("ops:inspection-list")
    add(2)
    with CaptureQueriesContext(connection) as few:
        assert clients[roles.COMPLIANCE_OFFICER].get(url).status_code == 200
    add(6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = clients[roles.COMPLIANCE_OFFICER].get(url).content.decode()
    assert page.count("data-inspection=") == 8 and page.count("/ops/inspections/photos/") == 8


def test_photo_download_is_an_audited_attachment(clients, users, active_a, inspector):
    inspection = record(inspector, active_a, photos=[photo("门头.jpg")])
    picture = inspection.photos.get()
    for name, url_name in ((roles.FIELD_ENGINEER, "ops:inspection-photo"), ("auditor", "audit:inspection-photo")):
        response = clients[name].get(reverse(url_name, kwargs={"pk": picture.pk}))
        assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
        assert response["Content-Disposition"].startswith("attachment;")
        body = b"".join(response.streaming_content)  # the re-encoded photo, decrypted
        assert body.startswith(b"\xff\xd8\xff") and hashlib.sha256(body).hexdigest() == picture.sha256
    events = AuditEvent.objects.filter(action="inspection.photo_downloaded", target_id=str(inspection.pk))
    assert {e.actor for e in events} == {users[roles.FIELD_ENGINEER], users["auditor"]}
    response = inspection_photo_download(actor=users[roles.RISK_ANALYST], photo=picture)
    response.file_to_stream.close()
    assert response.filename == "门头.jpg"
    with pytest.raises(NotPermitted):
        inspection_photo_download(actor=users[roles.CUSTOMER_SERVICE], photo=picture)


@pytest.mark.parametrize(("actor", "url_name", "status"), [
    (roles.CUSTOMER_SERVICE, "ops:inspection-list", 403), (roles.ONBOARDING_REVIEWER, "ops:inspection-list", 200),
    (roles.ONBOARDING_REVIEWER, "ops:inspection-create", 403), (roles.RISK_ANALYST, "ops:inspection-create", 403),
    ("merchant_a", "ops:inspection-list", 403), ("merchant_a", "audit:inspection-list", 403),
    (roles.COMPLIANCE_OFFICER, "audit:inspection-list", 403)])
def test_inspection_pages_refuse_roles_without_permission(clients, active_a, actor, url_name, status):
    kwargs = {"merchant_pk": active_a.pk} if url_name.endswith("create") else {}
    assert clients[actor].get(reverse(url_name, kwargs=kwargs)).status_code == status


def test_photo_download_refuses_merchants_and_roles_without_permission(clients, active_a, inspector):
    picture = record(inspector, active_a, photos=[photo()]).photos.get()
    url = reverse("ops:inspection-photo", kwargs={"pk": picture.pk})
    assert clients[roles.CUSTOMER_SERVICE].get(url).status_code == 403
    assert clients["merchant_a"].get(url).status_code == 403
    assert clients["merchant_b"].get(url).status_code == 403
    assert clients[roles.FIELD_ENGINEER].get(
        reverse("ops:inspection-photo", kwargs={"pk": picture.pk + 1000})).status_code == 404
    assert not AuditEvent.objects.filter(action="inspection.photo_downloaded").exists()


def test_inspection_panel_renders_for_the_merchant_page(users, active_a, inspector):
    from django.template.loader import render_to_string

    from merchants.selectors.documents import inspection_list

    record(inspector, active_a, checklist=dict(ALL_MET, receipt_printing_ok=False), outcome="issues",
           findings="Printer out of paper", photos=[photo()])
    html = render_to_string("merchants/shared/_inspection_panel.html", {
        "merchant": active_a, "inspections": inspection_list(actor=users["auditor"], merchant=active_a),
        "area": "audit"})
    assert "Receipts print correctly" in html and "Printer out of paper" in html
    assert "/audit/inspections/photos/" in html
    assert "Cashiers know" not in html


def test_unmet_items_template_covers_every_checklist_item():
    text = (Path(__file__).resolve().parents[2] / "templates/merchants/shared/_inspection_unmet.html").read_text()
    for key, question in CHECKLIST.items():
        assert f"inspection.checklist.{key} " in text and str(question) in text
