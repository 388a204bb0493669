"""Evidence beside assessment items and controls, through the pages: checked file types, links that must be web
addresses, withdrawal with a reason (never deleted), audited downloads for staff and auditors, who may attach,
and the early-warning figure of evidence expiring within 30 days."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from acquirer.models import AuditEvent
from acquirer.registry import registry
from compliance.models import Control, Evidence
from compliance.services import assessments as svc
from compliance.services.evidence import evidence_add
from tests.compliance.fixtures_library import (  # noqa: F401
    english_fixture,
    library_fixture,
    quarterly_fixture,
    start_quarterly,
)
from tests.merchants.kyc_data import fake_pdf_exe, pdf_file, png_file

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def item(quarterly, users):
    assessment = start_quarterly(template=quarterly, officer=users["compliance_officer"],
                                 reviewer=users["operations_manager"], assignee=users["risk_analyst"])
    return assessment.items.order_by("order", "id").first()


def _add(client, item, **data):
    return client.post(reverse("ops:assessment-item-evidence", args=[item.pk]), data, follow=True)


def test_pdf_and_png_files_are_kept_with_owner_and_expiry(clients, users, item):
    analyst = clients["risk_analyst"]
    later = timezone.localdate() + timedelta(days=200)
    _add(analyst, item, title="Inspection report", upload=pdf_file("report.pdf"), expires_on=later.isoformat(),
         owner=users["operations_manager"].pk)
    _add(analyst, item, title="Screenshot", upload=png_file("settings.png"))
    rows = {e.title: e for e in Evidence.objects.filter(item=item)}
    assert rows["Inspection report"].kind == "file" and rows["Inspection report"].expires_on == later
    assert rows["Inspection report"].owner == users["operations_manager"]
    assert rows["Screenshot"].owner == users["risk_analyst"]  # the one who added it, when no owner is named
    assert AuditEvent.objects.filter(action="evidence.added").count() == 2


def test_a_file_that_is_not_what_it_claims_is_refused_with_a_message(clients, item):
    response = _add(clients["risk_analyst"], item, title="Fake", upload=fake_pdf_exe("report.pdf"))
    assert not Evidence.objects.filter(item=item).exists()
    assert response.status_code == 200 and "alert" in response.content.decode()


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://files.example/x", "not a link"])
def test_a_link_must_be_a_web_address(clients, item, url):
    _add(clients["risk_analyst"], item, title="Link", url=url)
    assert not Evidence.objects.filter(item=item).exists()


def test_a_link_and_a_file_together_or_neither_are_refused(clients, item):
    _add(clients["risk_analyst"], item, title="Both", url="https://intranet.example/x", upload=pdf_file())
    _add(clients["risk_analyst"], item, title="Neither")
    assert not Evidence.objects.filter(item=item).exists()
    _add(clients["risk_analyst"], item, title="Policy page", url="https://intranet.example/policy")
    assert Evidence.objects.get(item=item).kind == "link"


def test_only_the_assignee_or_a_runner_attaches_and_not_after_sign_off(clients, users, item):
    _add(clients["field_engineer"], item, title="Not mine", url="https://intranet.example/x")
    assert not Evidence.objects.filter(item=item).exists()
    _add(clients["compliance_officer"], item, title="Runner", url="https://intranet.example/x")
    assert Evidence.objects.filter(item=item).count() == 1
    assessment = item.assessment
    for each in assessment.items.all():
        svc.item_answer(actor=users["risk_analyst"], item=each, status="done", result="compliant", comment="")
    svc.assessment_submit(actor=users["compliance_officer"], assessment=assessment)
    response = _add(clients["risk_analyst"], item, title="Late", url="https://intranet.example/late")
    assert "no longer open" in response.content.decode()
    assert Evidence.objects.filter(item=item).count() == 1


def test_withdraw_needs_a_reason_keeps_the_row_and_is_audited(clients, users, item):
    evidence = evidence_add(actor=users["risk_analyst"], target=item, title="Old scan", upload=pdf_file())
    url = reverse("ops:assessment-evidence-withdraw", args=[evidence.pk])
    clients["risk_analyst"].post(url, {"reason": ""})
    evidence.refresh_from_db()
    assert evidence.withdrawn_at is None
    assert clients["field_engineer"].post(url, {"reason": "x"}, follow=True).status_code == 200
    evidence.refresh_from_db()
    assert evidence.withdrawn_at is None  # not theirs to withdraw
    clients["risk_analyst"].post(url, {"reason": "Superseded by the Q4 scan"})
    evidence.refresh_from_db()
    assert evidence.withdrawn_at is not None
    assert AuditEvent.objects.get(action="evidence.withdrawn").data["reason"] == "Superseded by the Q4 scan"
    page = clients["risk_analyst"].get(reverse("ops:assessment-item", args=[item.pk])).content.decode()
    assert "Old scan" in page and "withdrawn" in page


def test_download_is_audited_for_staff_and_auditors(clients, users, item):
    evidence = evidence_add(actor=users["risk_analyst"], target=item, title="Report", upload=pdf_file("r.pdf"))
    response = clients["operations_manager"].get(reverse("ops:assessment-evidence-download", args=[evidence.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    response = clients["auditor"].get(reverse("audit:assessment-evidence-download", args=[evidence.pk]))
    assert response.status_code == 200
    actors = set(AuditEvent.objects.filter(action="evidence.downloaded").values_list("actor_id", flat=True))
    assert actors == {users["operations_manager"].pk, users["auditor"].pk}
    assert clients["merchant_a"].get(reverse("ops:assessment-evidence-download",
                                             args=[evidence.pk])).status_code in (302, 403)


def test_control_evidence_added_by_the_library_keeper(clients, users, library):
    control = Control.objects.get(code="audit-trail")
    url = reverse("ops:control-evidence", args=[control.pk])
    assert clients["risk_analyst"].post(url, {"title": "x", "url": "https://x.example"}).status_code == 403
    clients["compliance_officer"].post(url, {"title": "Chain check log", "url": "https://intranet.example/chain"})
    assert Evidence.objects.get(control=control).title == "Chain check log"
    page = clients["compliance_officer"].get(reverse("ops:control-detail", args=[control.pk])).content.decode()
    assert "Chain check log" in page


def test_expiring_evidence_moves_the_early_warning_figure_and_lists_it(clients, users, item):
    warning = next(w for w in registry().warnings() if w.key == "compliance.evidence_expiring")
    assert warning.url_name == "ops:evidence-expiring" and warning.audit_url_name == "audit:evidence-expiring"
    before = warning.count(users["compliance_officer"])
    evidence_add(actor=users["risk_analyst"], target=item, title="PCI scan", upload=pdf_file(),
                 expires_on=timezone.localdate() + timedelta(days=10))
    evidence_add(actor=users["risk_analyst"], target=item, title="Licence", upload=pdf_file(),
                 expires_on=timezone.localdate() + timedelta(days=300))
    after = warning.count(users["compliance_officer"])
    assert int(getattr(after, "value", after)) == int(getattr(before, "value", before)) + 1
    page = clients["compliance_officer"].get(reverse("ops:evidence-expiring")).content.decode()
    assert "PCI scan" in page and "Licence" not in page
    assert "PCI scan" in clients["auditor"].get(reverse("audit:evidence-expiring")).content.decode()
