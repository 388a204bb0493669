"""Regulatory change: recording and editing, status moves both ways, tasks (owner or manager marks done), required
reading (idempotent assignment, acknowledgement once and only by the reader, who has not read it yet), the overdue
reading warning and the list's constant query count."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from acquirer import roles as core_roles
from acquirer.exceptions import DomainError
from acquirer.lists import PAGE_SIZE
from acquirer.models import AuditEvent, Notification
from compliance.models import ReadingAcknowledgement, RegulatoryChange
from compliance.selectors.changes import reading_overdue_count
from compliance.services import changes as svc
from compliance.workflow import CHANGE_MOVES

S = RegulatoryChange.Status


def _values(**extra):
    return {"title": "Card acquiring measures amended", "source": "PBOC", "published_on": date(2026, 1, 5),
            "effective_on": date(2026, 3, 1), "summary": "Stricter merchant identification.", **extra}


@pytest.fixture
def officer(users):
    return users["compliance_officer"]


@pytest.fixture
def change(officer):
    return svc.change_create(actor=officer, **_values())


@pytest.mark.django_db
def test_officer_records_a_change_through_the_page(clients, officer):
    response = clients["compliance_officer"].post(reverse("ops:regulatory-change-create"), {
        "title": "AML record keeping", "source": "PBOC", "published_on": "2026-01-05", "effective_on": "2026-02-01",
        "summary": "Keep records longer.", "impact_level": "high"})
    change = RegulatoryChange.objects.get(title="AML record keeping")
    assert response.status_code == 302 and response["Location"].endswith(f"/{change.pk}/")
    assert AuditEvent.objects.filter(action="regulatory_change.created", target_id=str(change.pk)).exists()


@pytest.mark.django_db
def test_change_cannot_take_effect_before_it_is_published(clients, officer):
    response = clients["compliance_officer"].post(reverse("ops:regulatory-change-create"), {
        "title": "Backwards", "source": "PBOC", "published_on": "2026-03-05", "effective_on": "2026-02-01",
        "summary": "x", "impact_level": "low"})
    assert response.status_code == 200 and "cannot take effect before" in response.content.decode()
    assert not RegulatoryChange.objects.filter(title="Backwards").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["operations_manager", "risk_analyst", "field_engineer"])
def test_only_whoever_records_changes_may_create_or_edit(clients, users, change, role):
    assert clients[role].get(reverse("ops:regulatory-change-create")).status_code == 403
    assert clients[role].post(reverse("ops:regulatory-change-edit", args=[change.pk]), _values(
        title="Changed", impact_level="low")).status_code == 403
    change.refresh_from_db()
    assert change.title != "Changed"


@pytest.mark.django_db
def test_edit_is_audited_with_before_and_after(officer, change):
    svc.change_update(actor=officer, change=change, requirements=[], **_values(title="Renamed"))
    event = AuditEvent.objects.get(action="regulatory_change.updated")
    assert event.before == {"title": "Card acquiring measures amended"} and event.after == {"title": "Renamed"}


@pytest.mark.django_db
def test_every_allowed_move_succeeds_and_every_other_is_refused(officer):
    for start, targets in CHANGE_MOVES.items():
        for to in (S.ASSESSING, S.IMPLEMENTING, S.DONE):
            change = svc.change_create(actor=officer, **_values())
            RegulatoryChange.objects.filter(pk=change.pk).update(status=start)
            change.refresh_from_db()
            if to in targets:
                svc.change_move(actor=officer, change=change, to=to)
                change.refresh_from_db()
                assert change.status == to
            else:
                with pytest.raises(DomainError):
                    svc.change_move(actor=officer, change=change, to=to)


@pytest.mark.django_db
def test_move_refused_for_a_reader(users, change):
    with pytest.raises(DomainError):
        svc.change_move(actor=users["risk_analyst"], change=change, to=S.ASSESSING)


@pytest.mark.django_db
def test_task_done_by_its_owner_or_a_manager_of_changes_only(users, officer, change):
    owner = users["risk_analyst"]
    task = svc.change_task_add(actor=officer, change=change, title="Update the KYC checklist", owner=owner,
                               due_on=date(2026, 2, 15))
    assert Notification.objects.filter(recipient=owner, kind="compliance.change_task").exists()
    with pytest.raises(DomainError):
        svc.change_task_done(actor=users["field_engineer"], task=task)
    svc.change_task_done(actor=owner, task=task, note="Done in v3")
    task.refresh_from_db()
    assert task.done_by == owner and task.done_at is not None
    with pytest.raises(DomainError):
        svc.change_task_done(actor=officer, task=task)
    other = svc.change_task_add(actor=officer, change=change, title="Train staff", owner=owner,
                                due_on=date(2026, 2, 20))
    svc.change_task_done(actor=officer, task=other)


@pytest.mark.django_db
def test_task_add_refused_for_a_reader(users, change):
    with pytest.raises(DomainError):
        svc.change_task_add(actor=users["risk_analyst"], change=change, title="x", owner=users["risk_analyst"],
                            due_on=date(2026, 2, 1))


@pytest.mark.django_db
def test_reading_assignment_is_idempotent_and_notifies_once(users, officer, change):
    first = svc.change_reading_assign(actor=officer, change=change, roles_=[core_roles.RISK_ANALYST],
                                      people=[users["field_engineer"]])
    assert {row.user for row in first} == {users["risk_analyst"], users["field_engineer"]}
    again = svc.change_reading_assign(actor=officer, change=change, roles_=[core_roles.RISK_ANALYST],
                                      people=[users["field_engineer"], users["customer_service"]])
    assert [row.user for row in again] == [users["customer_service"]]
    assert ReadingAcknowledgement.objects.filter(change=change).count() == 3
    assert Notification.objects.filter(recipient=users["risk_analyst"], kind="compliance.reading").count() == 1


@pytest.mark.django_db
def test_reading_assignment_refused_for_others(users, change):
    with pytest.raises(DomainError):
        svc.change_reading_assign(actor=users["operations_manager"], change=change, people=[users["risk_analyst"]])


@pytest.mark.django_db
def test_acknowledge_only_by_the_reader_and_once(clients, users, officer, change):
    svc.change_reading_assign(actor=officer, change=change, people=[users["risk_analyst"]])
    url = reverse("ops:regulatory-change-acknowledge", args=[change.pk])
    clients["field_engineer"].post(url)  # not asked: refused
    assert not ReadingAcknowledgement.objects.filter(change=change, acknowledged_at__isnull=False).exists()
    assert clients["risk_analyst"].post(url).status_code == 302
    reading = ReadingAcknowledgement.objects.get(change=change, user=users["risk_analyst"])
    first = reading.acknowledged_at
    assert first is not None
    with pytest.raises(DomainError, match="already acknowledged"):
        svc.change_acknowledge(actor=users["risk_analyst"], change=change)
    reading.refresh_from_db()
    assert reading.acknowledged_at == first
    assert AuditEvent.objects.filter(action="change_reading.acknowledged").count() == 1


@pytest.mark.django_db
def test_detail_shows_who_has_not_read_it_yet(clients, users, officer, change):
    svc.change_reading_assign(actor=officer, change=change, people=[users["risk_analyst"], users["field_engineer"]])
    svc.change_acknowledge(actor=users["risk_analyst"], change=change)
    for client, name in ((clients["compliance_officer"], "ops"), (clients["auditor"], "audit")):
        page = client.get(reverse(f"{name}:regulatory-change-detail", args=[change.pk])).content.decode()
        pending = page.split('id="reading-pending"')[1].split("</ul>")[0]
        done = page.split('id="reading-done"')[1].split("</ul>")[0]
        assert "fieldengineer" in pending and "riskanalyst" not in pending
        assert "riskanalyst" in done


@pytest.mark.django_db
def test_my_reading_lists_what_to_acknowledge(clients, users, officer, change):
    svc.change_reading_assign(actor=officer, change=change, people=[users["risk_analyst"]])
    page = clients["risk_analyst"].get(reverse("ops:reading-list")).content.decode()
    assert change.title in page
    assert change.title not in clients["field_engineer"].get(reverse("ops:reading-list")).content.decode()
    svc.change_acknowledge(actor=users["risk_analyst"], change=change)
    assert change.title not in clients["risk_analyst"].get(reverse("ops:reading-list")).content.decode()


@pytest.mark.django_db
def test_overdue_reading_is_counted(users, officer, change):
    svc.change_reading_assign(actor=officer, change=change, people=[users["risk_analyst"], users["field_engineer"]])
    assert reading_overdue_count(actor=officer).value == 0
    RegulatoryChange.objects.filter(pk=change.pk).update(reading_due_on=timezone.localdate() - timedelta(days=1))
    assert reading_overdue_count(actor=officer).value == 2
    svc.change_acknowledge(actor=users["risk_analyst"], change=change)
    assert reading_overdue_count(actor=officer).value == 1


@pytest.mark.django_db
@pytest.mark.parametrize("area", ["ops", "audit"])
def test_change_list_runs_a_constant_number_of_queries(clients, users, officer, django_assert_max_num_queries,
                                                         area):
    client = clients["compliance_officer" if area == "ops" else "auditor"]
    url = reverse(f"{area}:regulatory-change-list")
    for n in range(PAGE_SIZE + 1):  # more than a page: the bounded count runs at both sizes
        svc.change_create(actor=officer, **_values(title=f"First {n}"))
    with django_assert_max_num_queries(20) as small:
        assert client.get(url).status_code == 200
    for n in range(30):
        change = svc.change_create(actor=officer, **_values(title=f"Change {n}"))
        svc.change_reading_assign(actor=officer, change=change, people=[users["risk_analyst"]])
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_demo_is_idempotent(users, merchant_b):
    from compliance.demo.changes import LEAVER, seed_changes
    from compliance.models import AccessReview, LegalHold

    merchant_user = users["merchant_b"]
    merchant_user.username = "merchant2"
    merchant_user.save(update_fields=["username"])
    staff = {"compliance": users["compliance_officer"], "ops": users["operations_manager"],
             "risk": users["risk_analyst"], "engineer": users["field_engineer"], "service": users["customer_service"]}
    for _run in range(2):
        seed_changes(staff=staff)
    change = RegulatoryChange.objects.get()
    assert change.tasks.count() == 2 and change.tasks.filter(done_at__isnull=False).count() == 1
    readers = change.readers.all()
    assert readers.filter(acknowledged_at__isnull=False).exists() and readers.filter(acknowledged_at=None).exists()
    review = AccessReview.objects.get()
    assert review.status == AccessReview.Status.OPEN
    assert review.items.get(user__username=LEAVER).decision == "revoked"
    assert review.items.filter(decision="confirmed").exists() and review.items.filter(decision="pending").exists()
    assert review.items.get(user=users["operations_manager"]).decision == "pending"
    assert LegalHold.objects.get().merchant_id == merchant_b.pk
