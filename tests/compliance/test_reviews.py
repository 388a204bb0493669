"""Access reviews (PCI DSS 7.2.4): the half-yearly job (twice -> one campaign), starting from the page, confirm and
revoke (managers only, never their own account), revocation takes effect at once (roles gone, sessions ended, an
auditor disabled), completion and its evidence, the overdue warning, the list's query count."""

from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from acquirer.exceptions import DomainError
from acquirer.lists import PAGE_SIZE
from acquirer.models import AuditEvent, User
from compliance.models import AccessReview, AccessReviewItem, Control, Evidence
from compliance.selectors.reviews import access_review_overdue_count, half_year
from compliance.services import reviews as svc
from tests.factories import PASSWORD, make_user

D = AccessReviewItem.Decision


@pytest.fixture
def manager(users):
    return users["operations_manager"]


@pytest.fixture
def review(users):
    svc.access_review_schedule()
    return AccessReview.objects.get()


def _item(review, user):
    return AccessReviewItem.objects.get(review=review, user=user)


@pytest.mark.django_db
def test_job_twice_makes_one_campaign_with_every_staff_and_auditor_account(users):
    first = svc.access_review_schedule()
    second = svc.access_review_schedule()
    assert first["created"] == 1 and second["created"] == 0
    review = AccessReview.objects.get()
    assert review.period == half_year(timezone.localdate())[0]
    accounts = set(review.items.values_list("user__username", flat=True))
    assert {"operationsmanager", "riskanalyst", "auditor1"} <= accounts
    assert "merchanta" not in accounts
    item = _item(review, users["risk_analyst"])
    assert item.kind == "staff" and item.roles == ["risk_analyst"]
    assert review.due_on > review.started_on


@pytest.mark.django_db
def test_job_runs_through_the_task(users):
    from compliance.tasks import access_review

    access_review.apply()
    access_review.apply()
    assert AccessReview.objects.count() == 1


@pytest.mark.django_db
def test_manager_starts_the_campaign_from_the_page_once(clients, users):
    url = reverse("ops:access-review-start")
    assert clients["compliance_officer"].post(url).status_code == 403
    assert clients["operations_manager"].post(url).status_code == 302
    assert AccessReview.objects.count() == 1
    with pytest.raises(DomainError, match="already exists"):
        svc.access_review_start(actor=users["operations_manager"])


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["compliance_officer", "risk_analyst", "field_engineer"])
def test_only_access_reviewers_decide(clients, users, review, role):
    item = _item(review, users["customer_service"])
    response = clients[role].post(reverse("ops:access-review-confirm", args=[item.pk]))
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.decision == D.PENDING


@pytest.mark.django_db
def test_reviewer_cannot_decide_on_their_own_account(users, manager, review):
    with pytest.raises(DomainError, match="your own account"):
        svc.access_review_decide(actor=manager, item=_item(review, manager), decision=D.CONFIRMED)


@pytest.mark.django_db
def test_confirm_then_no_second_decision(users, manager, review):
    item = _item(review, users["risk_analyst"])
    svc.access_review_decide(actor=manager, item=item, decision=D.CONFIRMED)
    item.refresh_from_db()
    assert item.decision == D.CONFIRMED and item.decided_by == manager
    with pytest.raises(DomainError, match="already reviewed"):
        svc.access_review_decide(actor=manager, item=item, decision=D.REVOKED, note="x")
    assert AuditEvent.objects.filter(action="access_review.confirmed").count() == 1


@pytest.mark.django_db
def test_revoke_needs_a_reason(users, manager, review):
    with pytest.raises(DomainError, match="why"):
        svc.access_review_decide(actor=manager, item=_item(review, users["risk_analyst"]), decision=D.REVOKED)


@pytest.mark.django_db
def test_revocation_removes_roles_and_ends_sessions_at_once(clients, users, manager):
    leaver = make_user(username="leaver", roles=["risk_analyst"])
    browser = Client()
    assert browser.login(username="leaver", password=PASSWORD)
    assert browser.get(reverse("ops:reading-list")).status_code == 200
    svc.access_review_schedule()
    review = AccessReview.objects.get()
    response = clients["operations_manager"].post(reverse("ops:access-review-revoke",
                                                          args=[_item(review, leaver).pk]), {"note": "Left the team"})
    assert response.status_code == 302
    leaver.refresh_from_db()
    assert not leaver.groups.exists()
    after = browser.get(reverse("ops:reading-list"))
    assert after.status_code == 302 and "/accounts/login/" in after["Location"]
    event = AuditEvent.objects.get(action="user.access_revoked", target_id=str(leaver.pk))
    assert event.before["roles"] == ["risk_analyst"] and event.after["roles"] == []


@pytest.mark.django_db
def test_revoking_an_auditor_disables_the_account(users, manager, review):
    auditor = users["auditor"]
    svc.access_review_decide(actor=manager, item=_item(review, auditor), decision=D.REVOKED, note="Audit over")
    auditor.refresh_from_db()
    assert not auditor.is_active


@pytest.mark.django_db
def test_completion_files_evidence_on_the_control(users, manager):
    control = Control.objects.filter(code="access-review").first() or Control.objects.create(
        code="access-review", name_zh="访问权限审查", name_en="Access review")
    svc.access_review_schedule()
    review = AccessReview.objects.get()
    # two managers: each decides on the other
    items = list(review.items.select_related("user"))
    helper = users["compliance_officer"]
    helper.groups.add(*manager.groups.all())
    helper = User.objects.get(pk=helper.pk)
    for item in items:
        actor = helper if item.user == manager else manager
        if item.user == helper:
            continue
        svc.access_review_decide(actor=actor, item=item, decision=D.CONFIRMED, page_url="https://bo.example/r/1")
    review.refresh_from_db()
    assert review.status == AccessReview.Status.OPEN
    svc.access_review_decide(actor=manager, item=_item(review, helper), decision=D.CONFIRMED,
                             page_url="https://bo.example/r/1")
    review.refresh_from_db()
    assert review.status == AccessReview.Status.COMPLETED and review.completed_by == manager
    evidence = Evidence.objects.get(control=control)
    assert evidence.url == "https://bo.example/r/1" and review.period in evidence.title
    assert AuditEvent.objects.filter(action="access_review.completed").count() == 1


@pytest.mark.django_db
def test_complete_refused_while_accounts_are_pending(users, manager, review):
    with pytest.raises(DomainError, match="not reviewed yet"):
        svc.access_review_complete(actor=manager, review=review)


@pytest.mark.django_db
def test_overdue_warning(users, manager):
    today = timezone.localdate()
    assert access_review_overdue_count(actor=manager, today=date(today.year, 1, 2)) == 0
    assert access_review_overdue_count(actor=manager, today=date(today.year, 3, 1)) == 1  # none this half-year
    svc.access_review_schedule(today=date(today.year, 1, 1))
    assert access_review_overdue_count(actor=manager, today=date(today.year, 1, 2)) == 0
    assert access_review_overdue_count(actor=manager, today=date(today.year, 3, 1)) == 1  # open past due
    AccessReview.objects.update(status=AccessReview.Status.COMPLETED)
    assert access_review_overdue_count(actor=manager, today=date(today.year, 3, 1)) == 0


@pytest.mark.django_db
def test_detail_pages_for_ops_and_auditors(clients, users, review):
    ops = clients["operations_manager"].get(reverse("ops:access-review-detail", args=[review.pk])).content.decode()
    assert "riskanalyst" in ops and "/confirm/" in ops  # the buttons
    audit = clients["auditor"].get(reverse("audit:access-review-detail", args=[review.pk])).content.decode()
    assert "riskanalyst" in audit and "<form" not in audit.split('id="review-items"')[1]
    assert clients["auditor"].post(reverse("audit:access-review-detail", args=[review.pk])).status_code == 405


@pytest.mark.django_db
@pytest.mark.parametrize("area", ["ops", "audit"])
def test_review_list_runs_a_constant_number_of_queries(clients, users, django_assert_max_num_queries, area):
    client = clients["operations_manager" if area == "ops" else "auditor"]
    url = reverse(f"{area}:access-review-list")

    def campaigns(start, n):
        for k in range(start, start + n):
            AccessReview.objects.create(period=f"{1900 + k}-H1", title=f"R{k}", started_on=date(1900 + k, 1, 1),
                                        due_on=date(1900 + k, 1, 1) + timedelta(days=28))

    campaigns(0, PAGE_SIZE + 1)
    with django_assert_max_num_queries(20) as small:
        assert client.get(url).status_code == 200
    campaigns(PAGE_SIZE + 1, 30)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_complete_refused_for_someone_who_does_not_review_access(users):
    svc.access_review_schedule()
    review = AccessReview.objects.get()
    review.items.update(decision="confirmed", decided_by=users["operations_manager"])
    with pytest.raises(DomainError):
        svc.access_review_complete(actor=users["compliance_officer"], review=review)
    svc.access_review_complete(actor=users["operations_manager"], review=review)
    review.refresh_from_db()
    assert review.status == AccessReview.Status.COMPLETED
