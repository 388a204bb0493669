"""The compliance report for a period: asked for from the ops or audit page with a POST to the core /downloads/,
written by the export job (PDF + findings XLSX + signed manifest in one ZIP), in the audit trail, verified by
``verify_export``; the same from the shell with ``compliance_report``; cells formula-safe; a bad period refused."""

import io
import zipfile
from datetime import date, timedelta

import pytest
from django.contrib.messages import get_messages
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from acquirer import roles as core_roles
from acquirer.exceptions import DomainError, NotPermitted
from acquirer.models import AuditEvent, Export
from acquirer.registry import Plugin, WarningCount, registry
from acquirer.services.exports import export_request
from acquirer.tasks import write_export
from compliance.models import Assessment, AssessmentItem, Evidence, Finding, Framework, Requirement
from compliance.selectors.reports import PeriodError, period_parse, report_figures
from compliance.services.evidence import evidence_add
from compliance.services.reports import report_files

Q4 = date(2026, 10, 1)
HYPERLINK = '=HYPERLINK("http://x","y")'
LONG_NUMBER = "913100001234567890"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _at(day: date):
    return timezone.make_aware(timezone.datetime(day.year, day.month, day.day, 10, 0))


def _finding(n: int, owner, *, title="Weak password policy", severity="high", status="identified", raised=Q4,
             requirement=None, closed=None, verifier=None) -> Finding:
    return Finding.objects.create(reference=f"F-2026-{n:04d}", title=title, description=f"Found {LONG_NUMBER}",
                                  source=Finding.Source.ASSESSMENT, severity=severity, status=status,
                                  requirement=requirement, owner=owner, due_on=date(2026, 11, 15),
                                  raised_by=owner, raised_at=_at(raised), closed_at=closed, verified_by=verifier,
                                  verified_at=closed)


@pytest.fixture
def library(users):
    officer = users[core_roles.COMPLIANCE_OFFICER]
    manager = users[core_roles.OPERATIONS_MANAGER]
    pci = Framework.objects.create(code="test-pci-dss", name_zh="支付卡行业数据安全标准", name_en="PCI DSS",
                                   kind=Framework.Kind.STANDARD, issuer="PCI SSC", version="4.0.1")
    pboc = Framework.objects.create(code="test-pboc-acquiring", name_zh="银行卡收单业务管理办法",
                                    name_en="PBOC bank-card acquiring measures", issuer="中国人民银行")
    r834 = Requirement.objects.create(framework=pci, reference="PCI DSS 8.3.4", title_zh="登录失败锁定",
                                      title_en="Lockout after failed logins")
    r1021 = Requirement.objects.create(framework=pci, reference="PCI DSS 10.2.1", title_zh="审计日志",
                                       title_en="Audit logs")
    r_kyc = Requirement.objects.create(framework=pboc, reference="PBOC 12", title_zh="商户实名审核",
                                       title_en="Merchant identity checks")
    assessment = Assessment.objects.create(title="2026 Q4 self-assessment", period_start=Q4,
                                           period_end=date(2026, 12, 31), due_on=date(2026, 12, 20),
                                           created_by=officer)
    results = [(r834, "done", "compliant"), (r1021, "done", "non_compliant"), (r_kyc, "in_progress", "")]
    items = [AssessmentItem.objects.create(assessment=assessment, requirement=req, status=status, result=result,
                                           assignee=officer, order=n)
             for n, (req, status, result) in enumerate(results)]
    findings = [
        _finding(1, officer, title=HYPERLINK, severity="critical", requirement=r1021),
        _finding(2, officer, title="商户资料缺失", severity="medium", status="in_progress", requirement=r_kyc),
        _finding(3, officer, title="Closed in the quarter", severity="low", status="closed",
                 closed=_at(date(2026, 11, 1)), verifier=manager),
        _finding(4, officer, title="Closed long before", severity="low", status="closed", raised=date(2025, 1, 5),
                 closed=_at(date(2025, 3, 1)), verifier=manager),
    ]
    evidence = evidence_add(actor=officer, target=items[0], title="Lockout settings screenshot",
                            url="https://intranet.example/lockout", expires_on=date(2027, 6, 30))
    return {"frameworks": (pci, pboc), "assessment": assessment, "items": items, "findings": findings,
            "evidence": evidence}


def test_a_period_is_a_year_a_half_a_quarter_or_a_month():
    assert (period_parse("2026-Q4").start, period_parse("2026-Q4").end) == (date(2026, 10, 1), date(2026, 12, 31))
    assert (period_parse("2026-h2").start, period_parse("2026-h2").end) == (date(2026, 7, 1), date(2026, 12, 31))
    assert (period_parse("2026").start, period_parse("2026").end) == (date(2026, 1, 1), date(2026, 12, 31))
    assert (period_parse(" 2026-02 ").start, period_parse("2026-02").end) == (date(2026, 2, 1), date(2026, 2, 28))
    for wrong in ("", "2026-Q5", "2026-13", "26-Q4", "2026-Q4; drop", "1900"):
        with pytest.raises(PeriodError, match="is not a period"):
            period_parse(wrong)


def _unzip(data: bytes, folder):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        archive.extractall(folder)
    return names


@pytest.mark.django_db
def test_the_auditor_asks_for_the_report_the_job_writes_a_signed_bundle_that_verifies(users, clients, library,
                                                                                      media, tmp_path, capsys):
    from openpyxl import load_workbook

    auditor = users["auditor"]
    page = clients["auditor"].get(reverse("audit:compliance-report")).content.decode()
    assert reverse("export-create") in page and 'name="period"' in page
    response = clients["auditor"].post(reverse("export-create"),
                                       {"kind": "compliance.report", "format": "zip", "period": "2026-Q4"})
    assert response.status_code == 302 and response["Location"] == reverse("export-list")
    export = Export.objects.get(owner=auditor, kind="compliance.report")
    assert export.filters == {"period": "2026-Q4"} and export.format == "zip"
    requested = AuditEvent.objects.get(action="compliance.report_requested", actor=auditor)
    assert requested.target_id == str(export.pk) and requested.data["filters"] == {"period": "2026-Q4"}

    assert write_export.apply(kwargs={"export_id": export.pk}).get() == {"written": export.pk}  # the task, eager
    export.refresh_from_db()
    assert export.status == Export.Status.DONE, export.error
    assert export.rows_written == export.total == 3  # findings open at some time in the quarter
    listing = clients["auditor"].get(reverse("export-list")).content.decode()
    assert "Compliance report" in listing and reverse("export-bundle", args=[export.pk]) in listing

    download = clients["auditor"].get(reverse("export-download", args=[export.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    folder = tmp_path / "report"
    names = _unzip(b"".join(download.streaming_content), folder)
    assert names == ["compliance-report-2026-Q4.pdf", "findings-2026-Q4.xlsx", "manifest.json", "manifest.sig"]
    assert AuditEvent.objects.filter(action="export.downloaded", actor=auditor, target_id=str(export.pk)).exists()
    assert (folder / "manifest.json").read_bytes() == export.manifest.encode()

    pdf = (folder / "compliance-report-2026-Q4.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and b"STSong-Light" in pdf
    sheet = load_workbook(folder / "findings-2026-Q4.xlsx").active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    with translation.override(export.language):  # the report is in the language of the person who asked
        assert rows[0][:3] == [gettext("Reference"), gettext("Title"), gettext("Source")]
    assert [row[0] for row in rows[1:]] == ["F-2026-0001", "F-2026-0002", "F-2026-0003"]
    hyperlink = sheet.cell(row=2, column=2)
    assert hyperlink.value == "'" + HYPERLINK and hyperlink.data_type == "s"  # inert text, not a formula
    assert all(cell.data_type == "s" for row in sheet.iter_rows(min_row=2) for cell in row if cell.value)
    assert LONG_NUMBER in rows[1][-1]

    call_command("verify_export", str(folder))
    assert "export verified" in capsys.readouterr().out
    data = bytearray((folder / "findings-2026-Q4.xlsx").read_bytes())
    data[100] ^= 0xFF
    (folder / "findings-2026-Q4.xlsx").write_bytes(bytes(data))
    with pytest.raises(CommandError, match="file findings-2026-Q4.xlsx: SHA-256 differs: the file was altered"):
        call_command("verify_export", str(folder))


@pytest.mark.django_db
def test_a_bad_period_is_refused_with_a_clear_message_and_no_export(users, clients, media):
    response = clients["auditor"].post(reverse("export-create"),
                                       {"kind": "compliance.report", "format": "zip", "period": "2026-Q9"})
    assert response.status_code == 302
    assert any("is not a period" in str(m) and "2026-Q4" in str(m) for m in get_messages(response.wsgi_request))
    assert not Export.objects.filter(kind="compliance.report").exists()
    with pytest.raises(DomainError, match="is not a period"):
        export_request(actor=users["auditor"], kind="compliance.report", fmt="zip", data={"period": "soon"})
    with pytest.raises(DomainError):
        export_request(actor=users["auditor"], kind="compliance.report", fmt="csv", data={"period": "2026"})


@pytest.mark.django_db
@pytest.mark.parametrize(("actor", "allowed"), [
    ("auditor", True), (core_roles.COMPLIANCE_OFFICER, True), (core_roles.OPERATIONS_MANAGER, True),
    (core_roles.RISK_ANALYST, False), (core_roles.CUSTOMER_SERVICE, False), ("merchant_a", False)])
def test_who_may_ask_for_the_compliance_report(users, media, actor, allowed):
    if allowed:
        export = export_request(actor=users[actor], kind="compliance.report", fmt="zip", data={"period": "2026"})
        assert export.pk
    else:
        with pytest.raises(NotPermitted):
            export_request(actor=users[actor], kind="compliance.report", fmt="zip", data={"period": "2026"})
        assert not Export.objects.filter(kind="compliance.report").exists()


@pytest.mark.django_db
def test_the_ops_page_offers_the_request_and_the_menus_list_the_report(users, clients):
    page = clients[core_roles.COMPLIANCE_OFFICER].get(reverse("ops:compliance-report"))
    assert page.status_code == 200 and 'value="compliance.report"' in page.content.decode()
    assert clients[core_roles.RISK_ANALYST].get(reverse("ops:compliance-report")).status_code == 403
    assert clients["auditor"].post(reverse("audit:compliance-report")).status_code == 405
    ops_menu = {(e.section, e.url_name, e.order) for e in registry().menu("ops")}
    assert ("compliance", "ops:compliance-report", 90) in ops_menu
    assert any(e.section == "records" and e.url_name == "audit:compliance-report" for e in registry().menu("audit"))


@pytest.mark.django_db
def test_the_figures_count_findings_frameworks_evidence_and_each_early_warning_or_say_unavailable(users, library):
    def broken(actor):
        raise RuntimeError("source down")

    registry().add("report_test", Plugin(warnings=[
        WarningCount("report_test.works", "Works", lambda actor: 7, "ops:home", order=1),
        WarningCount("report_test.broken", "Broken", broken, "ops:home", order=2)]))
    try:
        figures = report_figures(actor=users["auditor"], period=period_parse("2026-Q4"), today=date(2026, 12, 1))
        files = report_files(users["auditor"], {"period": "2026-Q4"})
    finally:
        registry().remove("report_test")
    assert figures["summary"] == {"raised": 3, "closed": 1, "open": 2, "overdue": 2, "assessments": 1,
                                  "signed_off": 0, "evidence": 1}
    pci = next(f for f in figures["frameworks"] if f["name_en"] == "PCI DSS")
    assert (pci["total"], pci["compliant"], pci["non_compliant"]) == (2, 1, 1)
    pboc = next(f for f in figures["frameworks"] if f["name_en"].startswith("PBOC"))
    assert (pboc["total"], pboc[""]) == (1, 1)
    assert [f.reference for f in figures["open_findings"]] == ["F-2026-0001", "F-2026-0002"]
    assert [e.title for e in figures["evidence"]] == ["Lockout settings screenshot"]
    warnings = {w["key"]: w["value"] for w in figures["warnings"]}
    assert warnings["report_test.works"] == "7" and warnings["report_test.broken"] is None
    assert files[0].content.startswith(b"%PDF") and files[1].rows == 3


@pytest.mark.django_db
def test_the_report_reads_a_fixed_number_of_queries_whatever_the_data(users, library, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            report_files(users["auditor"], {"period": "2026-Q4"})
        return len(captured)

    small = queries()
    officer = users[core_roles.COMPLIANCE_OFFICER]
    for n in range(10, 40):
        _finding(n, officer, title=f"More {n}")
    Evidence.objects.create(title="Certificate", kind="link", url="https://x.example/c", owner=officer,
                            finding=Finding.objects.get(reference="F-2026-0010"), added_by=officer,
                            expires_on=date.today() + timedelta(days=90))
    with django_assert_max_num_queries(small):
        report_files(users["auditor"], {"period": "2026-Q4"})


@pytest.mark.django_db
def test_the_shell_command_writes_the_report_and_manifest_which_verify_and_is_audited(users, library, tmp_path,
                                                                                      capsys):
    out = tmp_path / "q4"
    call_command("compliance_report", "--period", "2026-Q4", "--out", str(out), "--language", "en",
                 "--user", users["auditor"].username)
    assert sorted(p.name for p in out.iterdir()) == ["compliance-report-2026-Q4.pdf", "findings-2026-Q4.xlsx",
                                                     "manifest.json", "manifest.sig"]
    call_command("verify_export", str(out))
    assert "export verified" in capsys.readouterr().out
    event = AuditEvent.objects.get(action="compliance.report_exported_shell")
    assert event.actor == users["auditor"] and event.data["period"] == "2026-Q4"

    chinese = tmp_path / "q4-zh"
    call_command("compliance_report", "--period", "2026-q4", "--out", str(chinese), "--language", "zh-hans")
    call_command("verify_export", str(chinese))
    assert AuditEvent.objects.filter(action="compliance.report_exported_shell", actor_label="shell").exists()
    with pytest.raises(CommandError, match="is not a period"):
        call_command("compliance_report", "--period", "Q4", "--out", str(tmp_path / "bad"))
    (chinese / "manifest.json").write_bytes((chinese / "manifest.json").read_bytes().replace(b"2026-Q4", b"2026-Q3"))
    with pytest.raises(CommandError, match="manifest signature does not match"):
        call_command("verify_export", str(chinese))
