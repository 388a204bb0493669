"""The exports of the remaining compliance lists (``compliance/exports_more.py``) through the real service path
(``export_request`` then the job's body ``export_write``), their buttons on the lists in both areas, and the blank
template of the requirement import."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from acquirer import roles
from acquirer.exceptions import DomainError, NotPermitted
from acquirer.models import AuditEvent
from compliance.models import (
    AccessReview,
    AccessReviewItem,
    Assessment,
    AssessmentItem,
    Control,
    Evidence,
    Finding,
    Framework,
    Inspection,
    InspectionDocument,
    LegalHold,
    ReadingAcknowledgement,
    RegulatoryChange,
    Requirement,
    RetentionRule,
)

OFFICER = roles.COMPLIANCE_OFFICER
MANAGER = roles.OPERATIONS_MANAGER
ENGINEER = roles.FIELD_ENGINEER
FORMULA = '=HYPERLINK("http://x","y")'


@pytest.fixture(name="world")
def world_fixture(users):
    """One row of every exported list, each recognisable by its own title or code."""
    officer, manager, engineer = users[OFFICER], users[MANAGER], users[ENGINEER]
    framework = Framework.objects.create(code="zz-export", name_zh="导出", name_en="Export test", issuer="Test")
    first = Requirement.objects.create(framework=framework, reference="ZZ 1", title_zh="一", title_en="One")
    second = Requirement.objects.create(framework=framework, reference="ZZ 2", title_zh="二", title_en="Two")
    control = Control.objects.create(code="zz-export-control", name_zh="控制", name_en=FORMULA,
                                     kind=Control.Kind.SYSTEM, source="", owner=officer)
    control.requirements.set([first, second])
    assessment = Assessment.objects.create(title="ZZ quarterly export", period_start=date(2026, 10, 1),
                                           period_end=date(2026, 12, 31), due_on=date(2027, 1, 20),
                                           reviewer=manager)
    AssessmentItem.objects.create(assessment=assessment, requirement=first, assignee=engineer,
                                  status=AssessmentItem.Status.DONE, result=AssessmentItem.Result.COMPLIANT,
                                  answered_by=engineer, answered_at=timezone.now())
    AssessmentItem.objects.create(assessment=assessment, requirement=second, assignee=engineer)
    Evidence.objects.create(title="ZZ lockout screenshot", kind=Evidence.Kind.LINK, url="https://example.com/x",
                            owner=officer, expires_on=date(2027, 6, 30), control=control, added_by=officer)
    inspection = Inspection.objects.create(authority="PBOC Shanghai", title="ZZ on-site inspection", reference="SH-1",
                                           scope="Acquiring", starts_on=date(2026, 11, 2),
                                           status=Inspection.Status.AWAITING_REPORT,
                                           report_due_on=timezone.localdate() + timedelta(days=5), created_by=officer)
    InspectionDocument.objects.create(inspection=inspection, title="Policies", requested_on=date(2026, 11, 2))
    InspectionDocument.objects.create(inspection=inspection, title="Logs", requested_on=date(2026, 11, 2),
                                      original_name="logs.pdf", provided_by=officer, provided_at=timezone.now())
    Finding.objects.create(reference="F-ZZ-0001", title="ZZ finding", description="d", severity="high",
                           source=Finding.Source.INSPECTION, inspection=inspection, owner=engineer,
                           due_on=date(2027, 1, 31), raised_by=officer)
    change = RegulatoryChange.objects.create(title="ZZ new AML rule", source="PBOC", reference="银发〔2026〕1号",
                                             published_on=date(2026, 9, 1), effective_on=date(2027, 1, 1),
                                             summary="s", impact_level="high", created_by=officer)
    ReadingAcknowledgement.objects.create(change=change, user=engineer, acknowledged_at=timezone.now())
    ReadingAcknowledgement.objects.create(change=change, user=manager)
    review = AccessReview.objects.create(period="2099-H1", title="ZZ access review", started_on=date(2099, 1, 1),
                                         due_on=date(2099, 1, 29))
    AccessReviewItem.objects.create(review=review, user=engineer, kind="staff", roles=[ENGINEER],
                                    decision=AccessReviewItem.Decision.CONFIRMED, decided_by=manager,
                                    decided_at=timezone.now(), note="still needed")
    LegalHold.objects.create(matter="ZZ lawsuit", reason="court order", merchant_id=4242, placed_by=officer)
    RetentionRule.objects.create(record_type="zz.records", years=12, note="ZZ basis", changed_by=officer)
    return {"control": control, "assessment": assessment, "inspection": inspection, "change": change,
            "review": review}


def _export(actor, kind, fmt="csv", **data):
    from acquirer import files
    from acquirer.models import Export
    from acquirer.services.exports import export_request, export_write

    export = export_request(actor=actor, kind=kind, fmt=fmt, data={"kind": kind, "format": fmt, **data})
    export_write(export_id=export.pk)
    export = Export.objects.get(pk=export.pk)
    assert export.status == "done", export.error
    with files.open_stored(export.stored_name) as handle:
        content = handle.read()
    return export, content


def _csv_records(content: bytes) -> list[dict]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


# kind, audit action, filters, (column, value) identifying our row, expected cells of it
CASES = [
    ("compliance_controls", "compliance_controls.exported", {}, ("code", "zz-export-control"),
     {"name_en": "'" + FORMULA, "kind": "System feature", "requirements": "2", "references": "ZZ 1, ZZ 2",
      "owner": "complianceofficer"}),
    ("compliance_assessments", "compliance_assessments.exported", {"status": "open"},
     ("title", "ZZ quarterly export"),
     {"period_start": "2026-10-01", "due": "2027-01-20", "status": "Open", "reviewer": "operationsmanager",
      "items_done": "1", "items_total": "2"}),
    ("compliance_evidence", "compliance_evidence.exported", {}, ("title", "ZZ lockout screenshot"),
     {"kind": "Link", "attached_to": "control zz-export-control", "valid_until": "2027-06-30",
      "link": "https://example.com/x", "withdrawn_at": ""}),
    ("compliance_inspections", "compliance_inspections.exported", {"report_due": "1"},
     ("title", "ZZ on-site inspection"),
     {"authority": "PBOC Shanghai", "status": "Rectification report due", "documents_requested": "2",
      "documents_provided": "1", "findings": "1", "report_submitted": ""}),
    ("compliance_changes", "compliance_changes.exported", {"status": "new"}, ("title", "ZZ new AML rule"),
     {"reference": "银发〔2026〕1号", "effective": "2027-01-01", "impact_level": "High", "status": "New",
      "readers_assigned": "2", "readers_acknowledged": "1"}),
    ("compliance_access_review_items", "compliance_access_review_items.exported", {}, ("review", "ZZ access review"),
     {"account": "fieldengineer", "decision": "Confirmed", "decided_by": "operationsmanager", "note": "still needed",
      "roles": f'["{ENGINEER}"]'}),
    ("compliance_legal_holds", "compliance_legal_holds.exported", {}, ("matter", "ZZ lawsuit"),
     {"scope": "every record of merchant 4242", "placed_by": "complianceofficer", "reason": "court order",
      "released_at": ""}),
    ("compliance_retention_rules", "compliance_retention_rules.exported", {}, ("record_type", "zz.records"),
     {"years": "12", "basis": "ZZ basis"}),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "action", "data", "key", "expected"), CASES, ids=[case[0] for case in CASES])
def test_each_list_exports_as_csv_through_the_job_and_is_audited(users, world, settings, tmp_path, kind, action,
                                                                 data, key, expected):
    settings.MEDIA_ROOT = tmp_path / "media"
    if kind == "compliance_access_review_items":
        data = {"review": str(world["review"].pk)}
    export, content = _export(users["auditor"], kind, **data)
    assert AuditEvent.objects.filter(action=action, target_id=str(export.pk)).exists()
    records = _csv_records(content)
    mine = [record for record in records if record[key[0]] == key[1]]
    assert len(mine) == 1, records
    for column, value in expected.items():
        assert mine[0][column] == value, (column, mine[0])
    assert export.rows_written == len(records)


@pytest.mark.django_db
def test_the_controls_xlsx_keeps_a_formula_name_as_inert_text(users, world, settings, tmp_path):
    from openpyxl import load_workbook

    settings.MEDIA_ROOT = tmp_path / "media"
    _export_row, content = _export(users[OFFICER], "compliance_controls", fmt="xlsx")
    sheet = load_workbook(io.BytesIO(content)).active
    header = [cell.value for cell in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[header.index("code")].value == "zz-export-control")
    cell = row[header.index("name_en")]
    assert cell.data_type == "s" and cell.value == "'" + FORMULA
    assert row[header.index("requirements")].value == "2"


@pytest.mark.django_db
def test_filters_narrow_the_export_and_invalid_ones_are_refused(users, world, settings, tmp_path):
    from acquirer.services.exports import export_request

    settings.MEDIA_ROOT = tmp_path / "media"
    _export_row, content = _export(users["auditor"], "compliance_assessments", status="signed_off")
    assert not [r for r in _csv_records(content) if r["title"] == "ZZ quarterly export"]
    _export_row, content = _export(users["auditor"], "compliance_legal_holds", state="released")
    assert not [r for r in _csv_records(content) if r["matter"] == "ZZ lawsuit"]
    for kind, data in (("compliance_assessments", {"status": "nonsense"}), ("compliance_changes", {"status": "x"}),
                       ("compliance_inspections", {"status": "nonsense"}),
                       ("compliance_access_review_items", {"review": "abc"}),
                       ("compliance_legal_holds", {"state": "everything"})):
        with pytest.raises(DomainError):
            export_request(actor=users["auditor"], kind=kind, fmt="csv", data=data)


READERS = {
    "compliance_controls": ENGINEER, "compliance_assessments": ENGINEER, "compliance_evidence": ENGINEER,
    "compliance_inspections": MANAGER, "compliance_changes": ENGINEER, "compliance_access_review_items": MANAGER,
    "compliance_legal_holds": OFFICER, "compliance_retention_rules": MANAGER,
}
# staff whose roles do not read the list (field engineers read only what everyone reads)
NOT_READERS = {"compliance_inspections": ENGINEER, "compliance_access_review_items": ENGINEER,
               "compliance_legal_holds": ENGINEER, "compliance_retention_rules": ENGINEER}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(READERS))
def test_readers_and_auditors_may_export_others_are_refused(users, kind):
    from acquirer.services.exports import export_request
    from tests.factories import make_user

    assert export_request(actor=users[READERS[kind]], kind=kind, fmt="xlsx", data={})
    assert export_request(actor=users["auditor"], kind=kind, fmt="csv", data={})
    refused = [users["merchant_a"], make_user(username=f"noroles-{kind}", roles=[])]
    if kind in NOT_READERS:
        refused.append(users[NOT_READERS[kind]])
    for actor in refused:
        with pytest.raises(NotPermitted):
            export_request(actor=actor, kind=kind, fmt="csv", data={})


@pytest.mark.django_db
def test_each_list_shows_its_export_buttons_with_its_filters_in_both_areas(users, world, clients):
    review = world["review"].pk
    pages = [
        ("control-list", {}, {}, "compliance_controls"),
        ("assessment-list", {}, {"status": "open"}, "compliance_assessments"),
        ("evidence-expiring", {}, {}, "compliance_evidence"),
        ("regulator-inspection-list", {}, {"status": "awaiting_report"}, "compliance_inspections"),
        ("regulatory-change-list", {}, {"status": "new"}, "compliance_changes"),
        ("access-review-list", {}, {}, "compliance_access_review_items"),
        ("access-review-detail", {"pk": review}, {}, "compliance_access_review_items"),
        ("legal-hold-list", {}, {"state": "released"}, "compliance_legal_holds"),
        ("retention-list", {}, {}, "compliance_retention_rules"),
    ]
    for area, client in (("ops", clients[OFFICER]), ("audit", clients["auditor"])):
        for name, kwargs, query, kind in pages:
            response = client.get(reverse(f"{area}:{name}", kwargs=kwargs), query)
            html = response.content.decode()
            assert response.status_code == 200, (area, name)
            assert f'name="kind" value="{kind}"' in html, (area, name)
            assert 'name="format" value="csv"' in html and 'name="format" value="xlsx"' in html
            for field, value in query.items():
                assert f'name="{field}" value="{value}"' in html, (area, name, field)
            if name == "access-review-detail":
                assert f'name="review" value="{review}"' in html


@pytest.mark.django_db
def test_an_export_button_posts_to_the_core_and_lands_in_my_downloads(users, world, clients):
    from acquirer.models import Export

    response = clients["auditor"].post(reverse("export-create"), {"kind": "compliance_inspections",
                                                                  "format": "xlsx", "status": "awaiting_report"})
    assert response.status_code in (200, 302)
    export = Export.objects.get(owner=users["auditor"], kind="compliance_inspections")
    assert export.filters == {"status": "awaiting_report"} and export.format == "xlsx"


# --- the requirement import's template ------------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_blank_import_template_imports_once_a_row_is_added(users, clients, fmt):
    from compliance.services.library import IMPORT_COLUMNS, requirements_import

    response = clients[OFFICER].get(reverse("ops:requirement-import-template"), {"format": fmt})
    assert response.status_code == 200
    assert f"requirements-import-template.{fmt}" in response["Content-Disposition"]
    content = response.content
    row = ["ZZT 1", "", "模板", "Template row", "", "", "applies"]
    if fmt == "csv":
        text = content.decode("utf-8")
        assert text.startswith("\ufeff")
        assert next(csv.reader(io.StringIO(text.lstrip("\ufeff")))) == list(IMPORT_COLUMNS)
        filled = (text + ",".join(row) + "\r\n").encode("utf-8")
    else:
        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(content))
        assert [cell.value for cell in workbook.active[1]] == list(IMPORT_COLUMNS)
        workbook.active.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        filled = buffer.getvalue()
    framework = Framework.objects.create(code=f"zz-template-{fmt}", name_zh="模板", name_en="Template",
                                         issuer="Test")
    report = requirements_import(actor=users[OFFICER], framework=framework,
                                 upload=SimpleUploadedFile(f"filled.{fmt}", filled))
    assert report.ok, report.errors
    assert list(framework.requirements.values_list("reference", "title_en")) == [("ZZT 1", "Template row")]


@pytest.mark.django_db
def test_the_import_template_is_for_library_managers_and_linked_from_the_import_page(users, clients):
    url = reverse("ops:requirement-import-template")
    assert clients[OFFICER].get(url).status_code == 200  # CSV when no format is named
    assert clients[OFFICER].get(url, {"format": "pdf"}).status_code == 400
    assert clients[ENGINEER].get(url).status_code == 403
    assert clients[MANAGER].get(url).status_code == 403
    assert clients["auditor"].get(url).status_code == 403
    framework = Framework.objects.create(code="zz-template-link", name_zh="模板", name_en="Template", issuer="T")
    page = clients[OFFICER].get(reverse("ops:requirement-import", args=[framework.pk])).content.decode()
    assert f"{url}?format=xlsx" in page and f"{url}?format=csv" in page
