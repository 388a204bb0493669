"""The findings demo: every state, one overdue, one from the PBOC inspection with its documents; seeding twice adds
nothing."""

import pytest

from acquirer import roles
from compliance.demo.findings import seed_findings
from compliance.models import Evidence, Finding, Inspection, InspectionDocument
from compliance.selectors.findings import findings_overdue_count


@pytest.mark.django_db
def test_seed_findings_covers_every_state_and_is_idempotent(users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    staff = {"compliance": users[roles.COMPLIANCE_OFFICER], "ops": users[roles.OPERATIONS_MANAGER],
             "risk": users[roles.RISK_ANALYST], "engineer": users[roles.FIELD_ENGINEER]}
    seed_findings(staff=staff)
    counts = (Finding.objects.count(), Inspection.objects.count(), InspectionDocument.objects.count(),
              Evidence.objects.count())
    seed_findings(staff=staff)
    assert (Finding.objects.count(), Inspection.objects.count(), InspectionDocument.objects.count(),
            Evidence.objects.count()) == counts
    assert set(Finding.objects.values_list("status", flat=True)) == set(Finding.Status.values)
    assert Evidence.objects.filter(finding__status="remediated").exists()
    assert findings_overdue_count(actor=users[roles.COMPLIANCE_OFFICER]).value == 1
    inspection = Inspection.objects.get()
    assert inspection.status == "awaiting_report" and inspection.report_due_on is not None
    assert inspection.findings.count() == 1
    assert [bool(d.stored_name) for d in inspection.documents.order_by("id")] == [True, False]
