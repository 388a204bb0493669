"""The issue's whole journey through the pages, as people would do it: a compliance officer runs the quarter's
self-assessment with evidence; an item found non-compliant raises a finding; its owner rectifies it with evidence
and someone else verifies it; an auditor reads all of it, exports the period's report (PDF + findings XLSX, signed)
and the findings list as XLSX from "My downloads"; ``verify_export`` confirms the bundle and fails clearly when one
byte changes. Each part is tested in depth in its own module; this one proves they join up."""

import io
import zipfile
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from acquirer.models import AuditEvent, Export
from acquirer.tasks import write_export
from compliance.models import Assessment, Evidence, Finding
from tests.compliance.fixtures_library import english_fixture, library_fixture, quarterly_fixture  # noqa: F401
from tests.merchants.kyc_data import pdf_file, png_file

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def _write(export: Export) -> Export:
    """What the worker does with a queued export (the task itself, run here)."""
    assert write_export.apply(kwargs={"export_id": export.pk}).get() == {"written": export.pk}
    export.refresh_from_db()
    assert export.status == Export.Status.DONE, export.error
    return export


def _unzip(client, export: Export, folder) -> list[str]:
    response = client.get(reverse("export-bundle", args=[export.pk]))
    assert response.status_code == 200
    data = b"".join(response.streaming_content) if response.streaming else response.content
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(folder)
        return archive.namelist()


def test_assessment_finding_rectified_verified_then_the_auditor_exports_and_verifies(
        users, clients, quarterly, settings, tmp_path, capsys):
    settings.MEDIA_ROOT = tmp_path / "media"
    officer, analyst, manager = clients["compliance_officer"], clients["risk_analyst"], clients["operations_manager"]
    today = timezone.localdate()
    quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    period = f"{today.year}-Q{(today.month - 1) // 3 + 1}"

    # the officer starts this quarter's self-assessment: the analyst answers, the manager reviews
    response = officer.post(reverse("ops:assessment-start", args=[quarterly.pk]), {
        "title": f"{period} self-assessment", "scope": "All merchants and terminals",
        "period_start": quarter_start.isoformat(), "period_end": (quarter_start + timedelta(days=89)).isoformat(),
        "due_on": (today + timedelta(days=30)).isoformat(), "reviewer": users["operations_manager"].pk,
        "assignee": users["risk_analyst"].pk})
    assert response.status_code == 302
    assessment = Assessment.objects.get(title=f"{period} self-assessment")
    items = list(assessment.items.order_by("order", "id"))
    first, gap = items[0], items[1]
    assert analyst.post(reverse("ops:assessment-item-evidence", args=[first.pk]), {
        "title": "Merchant KYC review log", "upload": pdf_file("kyc-log.pdf"),
        "expires_on": (today + timedelta(days=365)).isoformat()}).status_code == 302
    assert analyst.post(reverse("ops:assessment-item-answer", args=[first.pk]),
                        {"status": "done", "result": "compliant", "comment": "Every file reviewed"}).status_code == 302
    assert analyst.post(reverse("ops:assessment-item-answer", args=[gap.pk]), {
        "status": "done", "result": "non_compliant", "comment": "Two merchants lack a beneficial-owner record"},
    ).status_code == 302
    for item in items[2:]:
        assert analyst.post(reverse("ops:assessment-item-answer", args=[item.pk]),
                            {"status": "done", "result": "not_applicable"}).status_code == 302

    # the non-compliant item raises a finding from its page, owned by the field engineer
    item_page = officer.get(reverse("ops:assessment-item", args=[gap.pk])).content.decode()
    raise_url = f"{reverse('ops:finding-create')}?item={gap.pk}"
    assert raise_url.replace("&", "&amp;") in item_page or raise_url in item_page
    response = officer.post(raise_url, {
        "title": "Beneficial owners not recorded", "description": "Two merchant files lack the owner record.",
        "severity": "high", "requirement": gap.requirement_id, "owner": users["field_engineer"].pk,
        "due_on": (today + timedelta(days=20)).isoformat()})
    assert response.status_code == 302
    finding = Finding.objects.get(title="Beneficial owners not recorded")
    assert finding.assessment_item_id == gap.pk and finding.source == Finding.Source.ASSESSMENT

    # the assessment is submitted and signed off by the reviewer, who answered nothing
    assert officer.post(reverse("ops:assessment-submit", args=[assessment.pk])).status_code == 302
    assert manager.post(reverse("ops:assessment-sign-off", args=[assessment.pk]),
                        {"note": "Evidence checked"}).status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.SIGNED_OFF

    # the owner rectifies with evidence; the owner cannot verify; the officer does
    engineer = clients["field_engineer"]
    assert officer.post(reverse("ops:finding-confirm", args=[finding.pk])).status_code == 302
    assert engineer.post(reverse("ops:finding-start", args=[finding.pk])).status_code == 302
    assert engineer.post(reverse("ops:finding-evidence-add", args=[finding.pk]),
                         {"title": "Updated merchant files", "upload": png_file("files.png")}).status_code == 302
    assert engineer.post(reverse("ops:finding-remediate", args=[finding.pk]),
                         {"remediation": "Owner records collected and filed."}).status_code == 302
    assert engineer.post(reverse("ops:finding-verify", args=[finding.pk]), {"note": "mine"}).status_code == 403
    assert officer.post(reverse("ops:finding-verify", args=[finding.pk]),
                        {"note": "Both files checked"}).status_code == 302
    finding.refresh_from_db()
    assert finding.status == Finding.Status.VERIFIED and finding.verified_by == users["compliance_officer"]

    # the auditor reads it all and changes nothing
    auditor = clients["auditor"]
    for url in (reverse("audit:assessment-detail", args=[assessment.pk]),
                reverse("audit:finding-detail", args=[finding.pk]),
                reverse("audit:early-warning"), reverse("audit:framework-list"), reverse("audit:compliance-report")):
        page = auditor.get(url)
        assert page.status_code == 200, url
    assert "Beneficial owners not recorded" in auditor.get(reverse("audit:finding-detail", args=[finding.pk])
                                                           ).content.decode()
    evidence = Evidence.objects.get(item=first)
    assert auditor.post(reverse("audit:finding-detail", args=[finding.pk])).status_code in (403, 405)
    assert auditor.get(reverse("audit:assessment-evidence-download", args=[evidence.pk])).status_code == 200

    # the period's report and the findings list as XLSX, asked for on the audit pages, written by the job
    assert auditor.post(reverse("export-create"), {"kind": "compliance.report", "format": "zip",
                                                   "period": period}).status_code == 302
    assert auditor.post(reverse("export-create"), {"kind": "compliance_findings", "format": "xlsx"}
                        ).status_code == 302
    report = _write(Export.objects.get(owner=users["auditor"], kind="compliance.report"))
    findings = _write(Export.objects.get(owner=users["auditor"], kind="compliance_findings"))
    assert findings.rows_written == 1
    for export in (report, findings):
        assert AuditEvent.objects.filter(actor=users["auditor"], target_id=str(export.pk),
                                         target_type="acquirer.export").exists()

    folder = tmp_path / "report"
    names = _unzip(auditor, report, folder)
    assert {"manifest.json", "manifest.sig"} <= set(names)
    assert any(name.endswith(".pdf") for name in names) and any(name.endswith(".xlsx") for name in names)
    call_command("verify_export", str(folder))
    assert "export verified" in capsys.readouterr().out
    pdf = next(folder / name for name in names if name.endswith(".pdf"))
    data = bytearray(pdf.read_bytes())
    data[len(data) // 2] ^= 0x01  # one byte
    pdf.write_bytes(bytes(data))
    with pytest.raises(CommandError, match=f"file {pdf.name}: SHA-256 differs: the file was altered"):
        call_command("verify_export", str(folder))

    findings_folder = tmp_path / "findings"
    names = _unzip(auditor, findings, findings_folder)
    assert {"manifest.json", "manifest.sig"} <= set(names)
    call_command("verify_export", str(findings_folder))
