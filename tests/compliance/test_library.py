"""The regulatory library: the starter library shipped as data, pages for staff and auditors, who may change it,
audited changes, control sources that lead to live pages, the all-or-nothing import and the export."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from acquirer import exports
from acquirer.exceptions import NotPermitted
from acquirer.models import AuditEvent
from compliance.library_exports import REQUIREMENTS
from compliance.models import ChecklistTemplate, Control, Framework, Requirement
from compliance.services.library import framework_create, requirements_import
from compliance.sources import SOURCES
from tests.compliance.fixtures_library import STARTER, english_fixture, library_fixture  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

HEADER = ["reference", "parent reference", "title zh", "title en", "text zh", "text en", "applicability"]


def _csv(rows, name="tree.csv") -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in [HEADER, *rows]:
        writer.writerow(row)
    return SimpleUploadedFile(name, out.getvalue().encode("utf-8-sig"), content_type="text/csv")


def _xlsx(rows, name="tree.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    for row in [HEADER, *rows]:
        sheet.append(row)
    data = io.BytesIO()
    workbook.save(data)
    return SimpleUploadedFile(name, data.getvalue())


@pytest.fixture
def internal(users):
    return framework_create(actor=users["compliance_officer"], code="internal-policy", name_zh="内部制度",
                            name_en="Internal policy", kind="internal", issuer="Compliance", version="1",
                            effective_on=None, description="", active=True)


def test_starter_library_has_four_frameworks_with_trees_controls_and_two_checklists(library):
    assert set(library) == {"pboc-acquiring", "pci-dss", "aml-cdd", "pipl"}
    for framework in library.values():
        count = framework.requirements.count()
        assert 8 <= count <= 16
        assert framework.requirements.filter(parent__isnull=True).exists()
        assert framework.requirements.filter(parent__isnull=False).exists()
        assert not framework.requirements.filter(title_zh="").exists()
        assert not framework.requirements.filter(title_en="").exists()
    lockout = Requirement.objects.get(framework=library["pci-dss"], reference="PCI DSS 8.3.4")
    assert lockout.parent.reference == "PCI DSS 8" and "10" in lockout.text_en
    assert lockout.controls.filter(code="account-security", source="users").exists()
    assert Control.objects.count() >= 10
    assert all(control.source in SOURCES for control in Control.objects.exclude(source=""))
    quarterly = ChecklistTemplate.objects.get(name_en="Quarterly self-assessment")
    annual = ChecklistTemplate.objects.get(name_en="Annual PCI DSS assessment")
    assert quarterly.frequency == "quarterly" and annual.frequency == "annual"
    assert set(quarterly.requirements.values_list("framework__code", flat=True)) == {"pboc-acquiring", "aml-cdd",
                                                                                      "pipl"}
    assert set(annual.requirements.values_list("framework__code", flat=True)) == {"pci-dss"}


def test_starter_library_runs_again_without_changing_or_duplicating(library):
    import importlib

    from django.apps import apps

    pci = library["pci-dss"]
    pci.name_en = "PCI DSS as we read it"
    pci.save()
    before = (Requirement.objects.count(), Control.objects.count(), ChecklistTemplate.objects.count())
    importlib.import_module(STARTER).forwards(apps, None)
    assert (Requirement.objects.count(), Control.objects.count(), ChecklistTemplate.objects.count()) == before
    pci.refresh_from_db()
    assert pci.name_en == "PCI DSS as we read it"


def test_framework_page_shows_the_tree_with_controls(clients, library):
    pci = library["pci-dss"]
    page = clients["risk_analyst"].get(reverse("ops:framework-detail", args=[pci.pk])).content.decode()
    assert "PCI DSS 8.3.4" in page and "Account security settings" in page
    assert reverse("ops:framework-edit", args=[pci.pk]) not in page  # reading only
    page = clients["compliance_officer"].get(reverse("ops:framework-detail", args=[pci.pk])).content.decode()
    assert reverse("ops:framework-edit", args=[pci.pk]) in page
    assert reverse("ops:requirement-import", args=[pci.pk]) in page


def test_auditor_reads_the_library_and_cannot_post(clients, library):
    auditor = clients["auditor"]
    pci = library["pci-dss"]
    control = Control.objects.get(code="account-security")
    for url in (reverse("audit:framework-list"), reverse("audit:framework-detail", args=[pci.pk]),
                reverse("audit:control-list"), reverse("audit:control-detail", args=[control.pk])):
        assert auditor.get(url).status_code == 200
        assert auditor.post(url).status_code == 405
    assert auditor.post(reverse("ops:framework-create"), {"code": "x"}).status_code == 403


def test_control_page_links_to_the_live_source_for_those_who_may_open_it(clients, library):
    control = Control.objects.get(code="account-security")
    url = reverse("ops:control-detail", args=[control.pk])
    manager = clients["operations_manager"].get(url).content.decode()
    assert "See it working" in manager and reverse("ops:user-list") in manager
    analyst = clients["risk_analyst"].get(url).content.decode()  # may not manage users: the label, no link
    assert reverse("ops:user-list") not in analyst and "Staff accounts" in analyst


def test_framework_create_and_edit_audited_by_the_library_keeper(clients, users, library):
    response = clients["compliance_officer"].post(reverse("ops:framework-create"), {
        "code": "unionpay-rules", "name_zh": "银联业务规则", "name_en": "UnionPay operating rules",
        "kind": "network_rule", "issuer": "China UnionPay", "version": "2024", "active": "on"})
    assert response.status_code == 302
    framework = Framework.objects.get(code="unionpay-rules")
    assert AuditEvent.objects.get(action="framework.created", target_id=str(framework.pk)).actor_id == users[
        "compliance_officer"].pk
    response = clients["compliance_officer"].post(reverse("ops:framework-edit", args=[framework.pk]), {
        "name_zh": "银联业务规则", "name_en": "UnionPay rules", "kind": "network_rule", "issuer": "China UnionPay",
        "version": "2025", "active": "on"})
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="framework.updated")
    assert event.before == {"name_en": "UnionPay operating rules", "version": "2024"}
    assert event.after == {"name_en": "UnionPay rules", "version": "2025"}


@pytest.mark.parametrize("role", ["risk_analyst", "operations_manager", "customer_service"])
def test_only_the_library_keeper_changes_the_library(clients, users, library, role):
    pci = library["pci-dss"]
    assert clients[role].get(reverse("ops:framework-list")).status_code == 200
    for url in (reverse("ops:framework-create"), reverse("ops:framework-edit", args=[pci.pk]),
                reverse("ops:requirement-create", args=[pci.pk]), reverse("ops:requirement-import", args=[pci.pk]),
                reverse("ops:control-create")):
        assert clients[role].post(url, {}).status_code == 403
    with pytest.raises(NotPermitted):
        framework_create(actor=users[role], code="x", name_zh="x", name_en="x", kind="internal", issuer="x",
                         version="", effective_on=None, description="", active=True)


def test_requirement_added_under_a_parent_and_a_duplicate_reference_is_a_form_error(clients, library):
    pci = library["pci-dss"]
    parent = Requirement.objects.get(framework=pci, reference="PCI DSS 8")
    data = {"reference": "PCI DSS 8.3.9", "parent": parent.pk, "title_zh": "密码定期更换",
            "title_en": "Password changes", "applicability": "applies", "order": 500}
    assert clients["compliance_officer"].post(reverse("ops:requirement-create", args=[pci.pk]), data).status_code == 302
    assert Requirement.objects.get(framework=pci, reference="PCI DSS 8.3.9").parent == parent
    response = clients["compliance_officer"].post(reverse("ops:requirement-create", args=[pci.pk]), data)
    assert response.status_code == 200 and "reference" in response.context["form"].errors


def test_control_created_mapped_to_requirements_and_audited(clients, library):
    lockout = Requirement.objects.get(reference="PCI DSS 8.3.4")
    response = clients["compliance_officer"].post(reverse("ops:control-create"), {
        "code": "helpdesk-identity", "name_zh": "解锁前核实身份", "name_en": "Identity check before unlock",
        "kind": "procedure", "evidence_kind": "record", "source": "users", "requirements": [lockout.pk],
        "active": "on"})
    assert response.status_code == 302
    control = Control.objects.get(code="helpdesk-identity")
    assert list(control.requirements.all()) == [lockout]
    event = AuditEvent.objects.get(action="control.created")
    assert event.after["requirements"] == ["pci-dss PCI DSS 8.3.4"]


@pytest.mark.parametrize("make", [_csv, _xlsx])
def test_import_a_valid_tree_from_csv_or_xlsx(clients, users, internal, make):
    upload = make([["IP 1", "", "访问管理", "Access management", "", "", "applies"],
                   ["IP 1.1", "IP 1", "离职当日停用账户", "Leavers disabled the same day", "当日停用", "Same day",
                    "partly"],
                   ["IP 1.2", "IP 1", "共享账户禁止", "No shared accounts", "", "", ""]])
    response = clients["compliance_officer"].post(reverse("ops:requirement-import", args=[internal.pk]),
                                                  {"file": upload})
    assert response.status_code == 302
    rows = {r.reference: r for r in internal.requirements.all()}
    assert set(rows) == {"IP 1", "IP 1.1", "IP 1.2"}
    assert rows["IP 1.1"].parent == rows["IP 1"] and rows["IP 1.1"].applicability == "partly"
    assert rows["IP 1.2"].applicability == "applies"
    event = AuditEvent.objects.get(action="requirements.imported")
    assert event.data["rows"] == 3 and event.actor_id == users["compliance_officer"].pk


@pytest.mark.parametrize("make", [_csv, _xlsx])
def test_import_with_bad_rows_reports_each_row_and_saves_nothing(clients, internal, make):
    Requirement.objects.create(framework=internal, reference="IP 9", title_zh="已有", title_en="Existing")
    upload = make([["IP 1", "", "访问管理", "Access management", "", "", "applies"],
                   ["", "IP 1", "缺编号", "No reference", "", "", ""],
                   ["IP 2", "IP 404", "未知上级", "Unknown parent", "", "", ""],
                   ["IP 1", "", "重复", "Duplicate", "", "", ""],
                   ["IP 3", "", "适用性", "Applicability", "", "", "sometimes"],
                   ["IP 4", "", "长" * 301, "Too long", "", "", ""],
                   ["IP 9", "", "已有", "Already there", "", "", ""]])
    response = clients["compliance_officer"].post(reverse("ops:requirement-import", args=[internal.pk]),
                                                  {"file": upload})
    assert response.status_code == 200
    report = response.context["report"]
    rows = {number for number, _problem in report.errors}
    assert rows == {3, 4, 5, 6, 7, 8}
    text = response.content.decode()
    for words in ("reference is missing", "IP 404", "appears twice", "sometimes", "too long",
                  "already in this framework"):
        assert words in text
    assert list(internal.requirements.values_list("reference", flat=True)) == ["IP 9"]
    assert not AuditEvent.objects.filter(action="requirements.imported").exists()


def test_import_refuses_a_file_without_the_columns_or_a_cycle(users, internal):
    bad = SimpleUploadedFile("x.csv", b"code,name\nA,B\n")
    from acquirer.exceptions import DomainError

    with pytest.raises(DomainError, match="reference"):
        requirements_import(actor=users["compliance_officer"], framework=internal, upload=bad)
    report = requirements_import(actor=users["compliance_officer"], framework=internal, upload=_csv([
        ["A", "B", "甲", "A", "", "", ""], ["B", "A", "乙", "B", "", "", ""]]))
    assert not report.ok and "circle" in report.errors[0][1]
    assert not internal.requirements.exists()


def test_requirements_export_for_staff_and_auditors_with_formula_guard(users, library):
    pci = library["pci-dss"]
    Requirement.objects.filter(framework=pci, reference="PCI DSS 8.4").update(title_en='=HYPERLINK("x","y")')
    assert REQUIREMENTS.allowed(users["auditor"]) and REQUIREMENTS.allowed(users["risk_analyst"])
    assert not REQUIREMENTS.allowed(users["merchant_a"])
    lines = list(exports.rows(REQUIREMENTS, users["auditor"], {"framework": pci.pk}))
    assert len(lines) == pci.requirements.count()
    mfa = next(line for line in lines if line[1] == "PCI DSS 8.4")
    assert mfa[4].startswith("'=")
    assert REQUIREMENTS.filters({"framework": "abc"}) is None


def test_export_button_posts_to_downloads(clients, library):
    page = clients["auditor"].get(reverse("audit:framework-list")).content.decode()
    assert reverse("export-create") in page and "compliance_requirements" in page
    response = clients["auditor"].post(reverse("export-create"), {"kind": "compliance_requirements",
                                                                   "format": "xlsx"})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="compliance_requirements.exported").exists()
