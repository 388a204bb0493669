"""Assessments: the quarterly journey (start, answer with evidence, sign-off by a reviewer who answered nothing),
the item rules, who may take each action, the recurring job, auditors' pages and the list's query count."""

from datetime import date

import pytest
from django.urls import reverse

from acquirer import exports
from acquirer.exceptions import DomainError, NotPermitted, TransitionNotAllowed
from acquirer.models import AuditEvent, Notification
from compliance.library_exports import ASSESSMENT_ITEMS
from compliance.models import Assessment, ChecklistTemplate
from compliance.services import assessments as svc
from compliance.services.evidence import evidence_add
from tests.compliance.fixtures_library import (  # noqa: F401
    english_fixture,
    library_fixture,
    pci_annual_fixture,
    quarterly_fixture,
    start_quarterly,
)
from tests.merchants.kyc_data import pdf_file

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def people(users):
    return {"officer": users["compliance_officer"], "manager": users["operations_manager"],
            "analyst": users["risk_analyst"], "engineer": users["field_engineer"]}


@pytest.fixture
def assessment(quarterly, people):
    return start_quarterly(template=quarterly, officer=people["officer"], reviewer=people["manager"],
                           assignee=people["analyst"])


def _answer_all(actor, assessment, result="compliant"):
    for item in assessment.items.all():
        svc.item_answer(actor=actor, item=item, status="done", result=result, comment="checked")


def test_quarterly_journey_start_answer_with_evidence_and_sign_off(clients, quarterly, people):
    officer = clients["compliance_officer"]
    start_url = reverse("ops:assessment-start", args=[quarterly.pk])
    assert "2026-Q" in officer.get(start_url).content.decode()  # the current period proposed
    response = officer.post(start_url, {
        "title": "2026-Q4 self-assessment", "scope": "Every merchant", "period_start": "2026-10-01",
        "period_end": "2026-12-31", "due_on": "2027-01-29", "reviewer": people["manager"].pk,
        "assignee": people["analyst"].pk})
    assert response.status_code == 302
    assessment = Assessment.objects.get(title="2026-Q4 self-assessment")
    assert assessment.items.count() == quarterly.requirements.count()
    assert set(assessment.items.values_list("assignee", flat=True)) == {people["analyst"].pk}
    assert Notification.objects.filter(recipient=people["analyst"], kind="compliance.assessment_assigned").exists()
    assert AuditEvent.objects.filter(action="assessment.started", target_id=str(assessment.pk)).exists()

    analyst = clients["risk_analyst"]
    mine = analyst.get(reverse("ops:assessment-mine")).content.decode()
    first = assessment.items.order_by("order", "id").first()
    assert reverse("ops:assessment-item", args=[first.pk]) in mine
    response = analyst.post(reverse("ops:assessment-item-evidence", args=[first.pk]),
                            {"title": "KYC review log", "upload": pdf_file("kyc.pdf"), "expires_on": "2027-06-30"})
    assert response.status_code == 302
    response = analyst.post(reverse("ops:assessment-item-answer", args=[first.pk]),
                            {"status": "done", "result": "compliant", "comment": "All files reviewed"})
    assert response.status_code == 302
    for item in assessment.items.exclude(pk=first.pk):
        assert analyst.post(reverse("ops:assessment-item-answer", args=[item.pk]),
                            {"status": "done", "result": "not_applicable"}).status_code == 302
    page = officer.get(reverse("ops:assessment-detail", args=[assessment.pk])).content.decode()
    assert "KYC review log" in page and "Submit for sign-off" in page
    assert officer.post(reverse("ops:assessment-submit", args=[assessment.pk])).status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == "in_review"
    manager = clients["operations_manager"]
    assert manager.post(reverse("ops:assessment-sign-off", args=[assessment.pk]),
                        {"note": "Reviewed"}).status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == "signed_off" and assessment.signed_off_by == people["manager"]
    assert AuditEvent.objects.get(action="assessment.signed_off").actor_id == people["manager"].pk


def test_a_reviewer_who_answered_an_item_cannot_sign_off(quarterly, people):
    assessment = start_quarterly(template=quarterly, officer=people["officer"], reviewer=people["officer"],
                                 assignee=people["analyst"])
    _answer_all(people["analyst"], assessment)
    item = assessment.items.first()
    svc.item_answer(actor=people["officer"], item=item, status="done", result="compliant", comment="double-check")
    svc.assessment_submit(actor=people["officer"], assessment=assessment)
    with pytest.raises(DomainError, match="answered items of this assessment"):
        svc.assessment_sign_off(actor=people["officer"], assessment=assessment)
    with pytest.raises(DomainError, match="Only the reviewer"):
        svc.assessment_sign_off(actor=people["manager"], assessment=assessment)
    assessment.refresh_from_db()
    assert assessment.status == "in_review"


def test_sign_off_refusal_is_a_clear_message_on_the_page(clients, quarterly, people):
    assessment = start_quarterly(template=quarterly, officer=people["officer"], reviewer=people["manager"],
                                 assignee=people["manager"])
    _answer_all(people["manager"], assessment)
    svc.assessment_submit(actor=people["officer"], assessment=assessment)
    response = clients["operations_manager"].post(reverse("ops:assessment-sign-off", args=[assessment.pk]),
                                                  follow=True)
    assert "must sign it off" in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.status == "in_review"


def test_submit_needs_every_item_done_and_send_back_reopens(assessment, people):
    with pytest.raises(DomainError, match="Every item must be done"):
        svc.assessment_submit(actor=people["officer"], assessment=assessment)
    _answer_all(people["analyst"], assessment)
    svc.assessment_submit(actor=people["officer"], assessment=assessment)
    with pytest.raises(DomainError, match="Say what"):
        svc.assessment_send_back(actor=people["manager"], assessment=assessment, note="")
    svc.assessment_send_back(actor=people["manager"], assessment=assessment, note="Evidence for ACQ 1.3 is thin")
    assessment.refresh_from_db()
    assert assessment.status == "open"
    assert AuditEvent.objects.get(action="assessment.sent_back").data["note"] == "Evidence for ACQ 1.3 is thin"


def test_partial_or_non_compliant_needs_a_comment_and_done_needs_a_result(assessment, people):
    item = assessment.items.first()
    with pytest.raises(DomainError, match="Explain"):
        svc.item_answer(actor=people["analyst"], item=item, status="in_progress", result="non_compliant",
                        comment="")
    with pytest.raises(DomainError, match="Give the result"):
        svc.item_answer(actor=people["analyst"], item=item, status="done", result="", comment="")
    svc.item_answer(actor=people["analyst"], item=item, status="in_progress", result="partial",
                    comment="Two files lack a site photo")
    item.refresh_from_db()
    assert (item.status, item.result, item.answered_by) == ("in_progress", "partial", people["analyst"])


def test_item_status_moves_are_checked(assessment, people):
    item = assessment.items.first()
    svc.item_answer(actor=people["analyst"], item=item, status="in_review", result="", comment="")
    with pytest.raises(TransitionNotAllowed):
        svc.item_answer(actor=people["analyst"], item=item, status="todo", result="", comment="")


def test_non_compliant_item_offers_raise_a_finding(clients, assessment, people):
    item = assessment.items.first()
    svc.item_answer(actor=people["analyst"], item=item, status="done", result="non_compliant",
                    comment="No inspection this year")
    page = clients["compliance_officer"].get(reverse("ops:assessment-item", args=[item.pk])).content.decode()
    assert f"?item={item.pk}" in page and "Raise a finding" in page
    page = clients["compliance_officer"].get(reverse("ops:assessment-detail", args=[assessment.pk])).content.decode()
    assert f"?item={item.pk}" in page


def test_only_the_assignee_or_a_runner_answers(clients, assessment, people):
    item = assessment.items.first()
    with pytest.raises(DomainError, match="assigned to"):
        svc.item_answer(actor=people["engineer"], item=item, status="in_progress", result="", comment="")
    response = clients["field_engineer"].post(reverse("ops:assessment-item-answer", args=[item.pk]),
                                              {"status": "in_progress"}, follow=True)
    assert "assigned to" in response.content.decode()
    svc.item_answer(actor=people["officer"], item=item, status="in_progress", result="", comment="")  # a runner
    assert clients["auditor"].post(reverse("ops:assessment-item-answer", args=[item.pk]),
                                   {"status": "done"}).status_code == 403


@pytest.mark.parametrize("role,allowed", [("compliance_officer", True), ("operations_manager", True),
                                          ("risk_analyst", False), ("customer_service", False)])
def test_who_starts_assessments_and_reassigns_items(users, quarterly, assessment, people, role, allowed):
    item = assessment.items.first()
    if allowed:
        svc.item_assign(actor=users[role], item=item, assignee=people["engineer"])
        item.refresh_from_db()
        assert item.assignee == people["engineer"]
        assert Notification.objects.filter(recipient=people["engineer"]).exists()
    else:
        with pytest.raises(NotPermitted):
            svc.item_assign(actor=users[role], item=item, assignee=people["engineer"])
        with pytest.raises(NotPermitted):
            start_quarterly(template=quarterly, officer=users[role], reviewer=people["manager"],
                            assignee=None, period_start=date(2026, 7, 1))


def test_a_second_assessment_for_the_same_period_is_refused(quarterly, assessment, people):
    with pytest.raises(DomainError, match="exists already"):
        start_quarterly(template=quarterly, officer=people["officer"], reviewer=people["manager"], assignee=None)


def test_checklist_created_from_requirements_of_a_framework(clients, library, people):
    pci = library["pci-dss"]
    picks = list(pci.requirements.filter(reference__in=["PCI DSS 8.3.4", "PCI DSS 8.4"]))
    response = clients["compliance_officer"].post(reverse("ops:checklist-create") + f"?framework={pci.pk}", {
        "name_zh": "MFA检查", "name_en": "MFA check", "kind": "other", "framework": pci.pk,
        "requirements": [r.pk for r in picks], "frequency": "half_yearly", "days_to_complete": 10,
        "default_assignee": people["engineer"].pk})
    assert response.status_code == 302
    template = ChecklistTemplate.objects.get(name_en="MFA check")
    assert set(template.requirements.all()) == set(picks) and template.default_assignee == people["engineer"]
    assert AuditEvent.objects.filter(action="checklist_template.created").exists()
    assert clients["risk_analyst"].post(reverse("ops:checklist-create"), {}).status_code == 403


def test_recurring_job_twice_creates_one_assessment_per_template_and_period(quarterly, pci_annual, people):
    ChecklistTemplate.objects.filter(pk=quarterly.pk).update(default_assignee=people["analyst"])
    first = svc.recurring_assessments(today=date(2026, 11, 16))
    second = svc.recurring_assessments(today=date(2026, 11, 20))
    assert first["created"] == 2 and second == {"created": 0, "existing": 2}
    q4 = Assessment.objects.get(template=quarterly)
    assert (q4.period_start, q4.period_end) == (date(2026, 10, 1), date(2026, 12, 31))
    assert q4.title.endswith("2026-Q4") and q4.due_on > q4.period_start
    from acquirer.calendar import add_working_days

    assert q4.due_on == add_working_days(date(2026, 10, 1), quarterly.days_to_complete)
    annual = Assessment.objects.get(template=pci_annual)
    assert (annual.period_start, annual.period_end) == (date(2026, 1, 1), date(2026, 12, 31))
    assert Notification.objects.filter(recipient=people["analyst"], kind="compliance.assessment_assigned").count() == 1
    svc.recurring_assessments(today=date(2027, 1, 2))
    assert Assessment.objects.filter(template=quarterly).count() == 2


def test_recurring_job_runs_through_the_task(quarterly, pci_annual):
    from compliance.tasks import recurring_assessments

    recurring_assessments.apply()
    recurring_assessments.apply()
    assert Assessment.objects.filter(template=quarterly).count() == 1


def test_auditor_reads_assessment_pages_and_changes_nothing(clients, assessment, people):
    item = assessment.items.first()
    evidence_add(actor=people["analyst"], target=item, title="Log", upload=pdf_file("log.pdf"))
    auditor = clients["auditor"]
    for url in (reverse("audit:assessment-list"), reverse("audit:assessment-detail", args=[assessment.pk]),
                reverse("audit:assessment-item", args=[item.pk]), reverse("audit:checklist-list"),
                reverse("audit:checklist-detail", args=[assessment.template_id]),
                reverse("audit:evidence-expiring")):
        response = auditor.get(url)
        assert response.status_code == 200
        assert auditor.post(url).status_code == 405
    page = auditor.get(reverse("audit:assessment-item", args=[item.pk])).content.decode()
    assert "answer-form" not in page and "evidence-form" not in page
    for name in ("ops:assessment-submit", "ops:assessment-sign-off"):
        assert auditor.post(reverse(name, args=[assessment.pk])).status_code == 403


def test_assessment_items_export(users, assessment):
    assert ASSESSMENT_ITEMS.allowed(users["auditor"]) and ASSESSMENT_ITEMS.allowed(users["field_engineer"])
    assert not ASSESSMENT_ITEMS.allowed(users["merchant_a"])
    lines = list(exports.rows(ASSESSMENT_ITEMS, users["auditor"], {"assessment": assessment.pk}))
    assert len(lines) == assessment.items.count()
    assert ASSESSMENT_ITEMS.filters({"assessment": "x"}) is None


def _make_assessments(quarterly, officer, n, start_year):
    for index in range(n):
        svc.assessment_start(actor=officer, template=quarterly, title=f"Q {index}", scope="",
                             period_start=date(start_year + index, 1, 1), period_end=date(start_year + index, 3, 31),
                             due_on=date(start_year + index, 4, 30), reviewer=None, assignee=officer)


def test_assessment_list_reads_a_fixed_number_of_queries(clients, quarterly, people,
                                                         django_assert_max_num_queries):
    client = clients["compliance_officer"]
    _make_assessments(quarterly, people["officer"], 2, 2000)
    client.get(reverse("ops:assessment-list"))
    with django_assert_max_num_queries(12) as small:
        assert client.get(reverse("ops:assessment-list")).status_code == 200
    _make_assessments(quarterly, people["officer"], 30, 2002)
    with django_assert_max_num_queries(12) as large:
        page = client.get(reverse("ops:assessment-list"))
    assert page.status_code == 200 and "Q 29" in page.content.decode()
    assert len(large.captured_queries) <= len(small.captured_queries) + 1  # the bounded count once paged
    with django_assert_max_num_queries(14):
        assert client.get(reverse("ops:assessment-mine")).status_code == 200


def test_assessment_detail_reads_a_fixed_number_of_queries(clients, assessment, people,
                                                           django_assert_max_num_queries):
    client = clients["compliance_officer"]
    for item in list(assessment.items.all())[:3]:
        evidence_add(actor=people["analyst"], target=item, title="Log", url="https://intranet.example/log")
    with django_assert_max_num_queries(20):
        assert client.get(reverse("ops:assessment-detail", args=[assessment.pk])).status_code == 200


def test_demo_seeds_a_signed_off_and_an_open_assessment_once(users):
    from compliance.demo.library import seed_library

    staff = {"compliance": users["compliance_officer"], "ops": users["operations_manager"],
             "risk": users["risk_analyst"]}
    seed_library(staff=staff)
    seed_library(staff=staff)
    assessments = list(Assessment.objects.order_by("period_start"))
    assert [a.status for a in assessments] == ["signed_off", "open"]
    signed, current = assessments
    assert signed.items.filter(evidence__kind="file").exists()
    assert current.items.filter(result="non_compliant").count() == 1
    assert current.items.filter(status="todo").exists()


def test_export_buttons_post_to_downloads(clients, assessment):
    for url in (reverse("ops:assessment-list"), reverse("ops:assessment-detail", args=[assessment.pk]),
                reverse("audit:assessment-list")):
        area_client = clients["auditor"] if url.startswith("/audit/") else clients["risk_analyst"]
        page = area_client.get(url).content.decode()
        assert reverse("export-create") in page and "compliance_assessment_items" in page
    response = clients["auditor"].post(reverse("export-create"), {
        "kind": "compliance_assessment_items", "format": "xlsx", "assessment": assessment.pk})
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="compliance_assessment_items.exported")
    assert event.data["filters"] == {"assessment": assessment.pk}
