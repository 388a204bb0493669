"""Regulator inspections: recorded and moved through their statuses by compliance officers only, documents
requested and provided (checked, encrypted, every download audited — staff and auditors), findings raised from
them, the "reports due" warning, and auditors read everything and change nothing."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from acquirer import roles
from acquirer.exceptions import DomainError, NotPermitted, TransitionNotAllowed
from acquirer.models import AuditEvent
from compliance.models import Inspection, InspectionDocument
from compliance.services import inspections as svc
from tests.merchants.kyc_data import pdf_file, png_file

OFFICER, MANAGER = roles.COMPLIANCE_OFFICER, roles.OPERATIONS_MANAGER


def _today():
    return timezone.localdate()


def record(users, **extra) -> Inspection:
    return svc.inspection_record(actor=users[OFFICER], authority="PBOC Shanghai Head Office",
                                 title="On-site inspection of the acquiring business", reference="沪银检〔2026〕12号",
                                 scope="Merchant onboarding, KYC, terminal management",
                                 starts_on=extra.pop("starts_on", _today() - timedelta(days=10)), **extra)


@pytest.mark.django_db
def test_the_inspection_flow_through_the_pages(users, clients, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    officer = clients[OFFICER]
    response = officer.post(reverse("ops:regulator-inspection-create"), {
        "authority": "PBOC Shanghai", "title": "Branch on-site inspection", "scope": "Acquiring",
        "starts_on": (_today() - timedelta(days=3)).isoformat()})
    inspection = Inspection.objects.get()
    detail = reverse("ops:regulator-inspection-detail", args=[inspection.pk])
    assert response.status_code == 302 and response["Location"] == detail
    officer.post(reverse("ops:regulator-inspection-start", args=[inspection.pk]))
    # the report due date is needed to move to "report due"
    page = officer.post(reverse("ops:regulator-inspection-await-report", args=[inspection.pk]), {})
    assert "Give the date the rectification report is due." in page.content.decode()
    officer.post(reverse("ops:regulator-inspection-await-report", args=[inspection.pk]),
                 {"report_due_on": (_today() + timedelta(days=10)).isoformat()})
    inspection.refresh_from_db()
    assert inspection.status == "awaiting_report" and inspection.report_due_on == _today() + timedelta(days=10)

    officer.post(reverse("ops:regulator-inspection-document-request", args=[inspection.pk]),
                 {"title": "Merchant onboarding files (sample of 20)", "requested_on": _today().isoformat(),
                  "due_on": (_today() + timedelta(days=5)).isoformat()})
    document = InspectionDocument.objects.get()
    officer.post(reverse("ops:regulator-inspection-document-provide", args=[document.pk]),
                 {"upload": pdf_file("sample.pdf")})
    document.refresh_from_db()
    assert document.original_name == "sample.pdf" and document.provided_by == users[OFFICER]
    stored = (tmp_path / "media").rglob(document.stored_name.rsplit("/", 1)[-1])
    assert b"%PDF" not in next(stored).read_bytes()  # encrypted at rest

    # a report submitted needs its date
    page = officer.post(reverse("ops:regulator-inspection-submit-report", args=[inspection.pk]), {})
    assert page.status_code == 200 and Inspection.objects.get().status == "awaiting_report"
    officer.post(reverse("ops:regulator-inspection-submit-report", args=[inspection.pk]),
                 {"submitted_on": _today().isoformat()})
    officer.post(reverse("ops:regulator-inspection-close", args=[inspection.pk]))
    inspection.refresh_from_db()
    assert inspection.status == "closed" and inspection.report_submitted_on == _today()
    actions = list(AuditEvent.objects.filter(target_type="compliance.inspection").order_by("id")
                   .values_list("action", flat=True))
    assert actions == ["regulator_inspection.recorded", "regulator_inspection.started",
                       "regulator_inspection.report_due", "regulator_inspection.document_requested",
                       "regulator_inspection.document_provided", "regulator_inspection.report_submitted",
                       "regulator_inspection.closed"]
    body = officer.get(detail).content.decode()
    assert "Merchant onboarding files" in body and "inspection-raise-finding" not in body  # closed: no new findings


@pytest.mark.django_db
def test_every_download_is_audited_for_staff_and_auditors(users, clients, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    inspection = record(users)
    document = svc.inspection_document_request(actor=users[OFFICER], inspection=inspection, title="Org chart",
                                               requested_on=_today())
    missing = clients["auditor"].get(reverse("audit:regulator-inspection-document", args=[document.pk]))
    assert missing.status_code == 404
    svc.inspection_document_provide(actor=users[OFFICER], document=document, upload=png_file("chart.png"))
    for name, url_name in ((MANAGER, "ops:regulator-inspection-document"),
                           ("auditor", "audit:regulator-inspection-document")):
        response = clients[name].get(reverse(url_name, args=[document.pk]))
        assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
        assert response["X-Content-Type-Options"] == "nosniff"
        b"".join(response.streaming_content)
    events = AuditEvent.objects.filter(action="regulator_inspection.document_downloaded").order_by("id")
    assert [e.actor for e in events] == [users[MANAGER], users["auditor"]]
    assert events[0].data["document"] == "Org chart"
    # a role that does not read inspections gets nothing
    assert clients[roles.FIELD_ENGINEER].get(
        reverse("ops:regulator-inspection-document", args=[document.pk])).status_code == 403


@pytest.mark.django_db
def test_a_bad_upload_is_refused_clearly_and_nothing_is_stored(users, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path / "media"
    inspection = record(users)
    document = svc.inspection_document_request(actor=users[OFFICER], inspection=inspection, title="List",
                                               requested_on=_today())
    with pytest.raises(DomainError):
        svc.inspection_document_provide(actor=users[OFFICER], document=document,
                                        upload=SimpleUploadedFile("x.exe", b"MZ\x90\x00", "application/pdf"))
    document.refresh_from_db()
    assert document.stored_name == "" and not AuditEvent.objects.filter(
        action="regulator_inspection.document_provided").exists()


MOVES = [
    ("start", "announced", lambda u, i: svc.inspection_start(actor=u, inspection=i)),
    ("await_report", "on_site",
     lambda u, i: svc.inspection_await_report(actor=u, inspection=i, report_due_on=_today() + timedelta(days=30))),
    ("submit_report", "awaiting_report",
     lambda u, i: svc.inspection_submit_report(actor=u, inspection=i, submitted_on=_today())),
    ("close", "report_submitted", lambda u, i: svc.inspection_close(actor=u, inspection=i)),
]


def _at(users, status) -> Inspection:
    inspection = record(users)
    for _name, _start, call in MOVES:
        if inspection.status == status:
            break
        call(users[OFFICER], Inspection.objects.get(pk=inspection.pk))
        inspection = Inspection.objects.get(pk=inspection.pk)
    return Inspection.objects.get(pk=inspection.pk)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "status", "call"), MOVES, ids=[m[0] for m in MOVES])
def test_each_move_only_by_compliance_officers_and_only_from_its_status(users, name, status, call):
    for who in (MANAGER, roles.RISK_ANALYST, "auditor"):
        inspection = _at(users, status)
        with pytest.raises(NotPermitted):
            call(users[who], inspection)
    for other in ("announced", "on_site", "awaiting_report", "report_submitted", "closed"):
        if other == status:
            continue
        inspection = _at(users, other)
        if name == "close" and other in ("announced", "on_site"):
            continue  # an inspection may also be closed before any report (no findings)
        with pytest.raises(TransitionNotAllowed):
            call(users[OFFICER], inspection)
    inspection = _at(users, status)
    call(users[OFFICER], inspection)
    assert Inspection.objects.get(pk=inspection.pk).status != status


@pytest.mark.django_db
def test_edit_is_audited_with_before_and_after_and_checks_dates(users, clients):
    inspection = record(users)
    response = clients[OFFICER].post(reverse("ops:regulator-inspection-edit", args=[inspection.pk]), {
        "authority": inspection.authority, "title": inspection.title, "scope": "Only KYC",
        "starts_on": inspection.starts_on.isoformat(), "ends_on": (inspection.starts_on - timedelta(days=1))
        .isoformat()})
    assert response.status_code == 200 and "cannot end before it starts" in response.content.decode()
    clients[OFFICER].post(reverse("ops:regulator-inspection-edit", args=[inspection.pk]), {
        "authority": inspection.authority, "title": inspection.title, "scope": "Only KYC",
        "reference": inspection.reference, "starts_on": inspection.starts_on.isoformat()})
    event = AuditEvent.objects.get(action="regulator_inspection.updated")
    assert event.before == {"scope": "Merchant onboarding, KYC, terminal management"}
    assert event.after == {"scope": "Only KYC"}


@pytest.mark.django_db
def test_the_reports_due_warning_counts_and_auditors_read_the_pages(users, clients):
    from acquirer.registry import registry

    warning = next(w for w in registry().warnings() if w.key == "compliance.inspection_reports_due")
    assert warning.count(users[OFFICER]).value == 0
    inspection = _at(users, "on_site")
    svc.inspection_await_report(actor=users[OFFICER], inspection=inspection,
                                report_due_on=_today() + timedelta(days=10))
    later = _at(users, "on_site")
    svc.inspection_await_report(actor=users[OFFICER], inspection=later, report_due_on=_today() + timedelta(days=40))
    assert warning.count(users[OFFICER]).value == 1
    listed = clients[OFFICER].get(reverse("ops:regulator-inspection-list"), {"report_due": "1"})
    assert len(listed.context["inspections"]) == 1
    audit_list = clients["auditor"].get(reverse("audit:regulator-inspection-list"))
    assert audit_list.status_code == 200 and len(audit_list.context["inspections"]) == 2
    page = clients["auditor"].get(reverse("audit:regulator-inspection-detail", args=[inspection.pk]))
    assert page.status_code == 200 and "inspection-raise-finding" not in page.content.decode()
    assert clients["auditor"].post(reverse("audit:regulator-inspection-detail", args=[inspection.pk])).status_code \
        == 405


@pytest.mark.django_db
@pytest.mark.parametrize("count", [2, 30])
def test_the_inspection_list_runs_a_constant_number_of_queries(users, clients, django_assert_max_num_queries, count):
    for _n in range(count):
        record(users)
    client = clients[OFFICER]
    client.get(reverse("ops:regulator-inspection-list"))
    with django_assert_max_num_queries(10):
        response = client.get(reverse("ops:regulator-inspection-list"))
    assert len(response.context["inspections"]) == min(count, 25)


@pytest.mark.django_db
def test_the_menus_link_findings_and_inspections(users):
    from acquirer.registry import menu_for

    ops = next(item for item in menu_for(users[OFFICER], "ops") if item.get("id") == "nav-compliance")
    urls = [entry["url"] for entry in ops["entries"]]
    assert {reverse("ops:finding-list"), reverse("ops:finding-mine"),
            reverse("ops:regulator-inspection-list")} <= set(urls)
    engineer = next(item for item in menu_for(users[roles.FIELD_ENGINEER], "ops") if item.get("id") == "nav-compliance")
    assert reverse("ops:regulator-inspection-list") not in [entry["url"] for entry in engineer["entries"]]
    records = next(item for item in menu_for(users["auditor"], "audit") if item.get("id") == "nav-records")
    assert {reverse("audit:finding-list"), reverse("audit:regulator-inspection-list")} <= {
        entry["url"] for entry in records["entries"]}
