"""Retention and legal hold: deleting a record inside its retention window, or under a legal hold, is refused and the
refusal audited; after the window without a hold it is allowed. Rules and holds: who may change them, bounds, audit."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from acquirer.exceptions import DomainError
from acquirer.lists import PAGE_SIZE
from acquirer.models import AuditEvent
from acquirer.retention import deletion_refusal, require_deletable
from compliance.models import LegalHold, RetentionRule
from compliance.services import retention as svc
from merchants.models import Merchant, MerchantDocument


def _end(merchant, years_ago: float):
    Merchant.objects.filter(pk=merchant.pk).update(
        status=Merchant.Status.TERMINATED, status_changed_at=timezone.now() - timedelta(days=int(365.25 * years_ago)))
    merchant.refresh_from_db()
    return merchant


def _document(merchant, n=1):
    return MerchantDocument.objects.create(merchant=merchant, kind="other", stored_name=f"kyc/test-{merchant.pk}-{n}",
                                           original_name="licence.pdf", content_type="application/pdf", size=1,
                                           sha256="0" * 64)


@pytest.fixture
def manager(users):
    return users["operations_manager"]


@pytest.fixture
def officer(users):
    return users["compliance_officer"]


@pytest.mark.django_db
def test_an_active_merchants_file_may_not_be_deleted(merchant_a):
    assert "has not ended" in deletion_refusal("merchant_file", merchant_a)


@pytest.mark.django_db
def test_deleting_inside_the_retention_window_is_refused_and_audited(manager, merchant_a):
    _end(merchant_a, 2)
    _document(merchant_a)
    with pytest.raises(DomainError, match="Inside its retention period"):
        svc.record_dispose(actor=manager, record_type="merchant_file", record_id=str(merchant_a.pk), reason="GDPR")
    assert MerchantDocument.objects.filter(merchant=merchant_a).count() == 1
    event = AuditEvent.objects.get(action="record.deletion_refused")
    assert event.actor == manager and event.merchant_id == merchant_a.pk
    assert event.data["record_type"] == "merchant_file" and "retention period" in event.data["reason"]


@pytest.mark.django_db
def test_after_the_window_without_a_hold_deletion_is_allowed(manager, merchant_a):
    _end(merchant_a, 11)
    _document(merchant_a, 1)
    _document(merchant_a, 2)
    svc.record_dispose(actor=manager, record_type="merchant_file", record_id=merchant_a.mid or str(merchant_a.pk),
                       reason="Retention over")
    assert not MerchantDocument.objects.filter(merchant=merchant_a).exists()
    assert Merchant.objects.filter(pk=merchant_a.pk).exists()  # the merchant row stays
    assert AuditEvent.objects.filter(action="record.disposed", data__deleted=2).exists()
    assert AuditEvent.objects.filter(action="merchant.file_disposed", target_id=str(merchant_a.pk)).exists()
    assert not AuditEvent.objects.filter(action="record.deletion_refused").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("scope", ["merchant", "type", "record"])
def test_a_legal_hold_refuses_deletion_whatever_the_period(officer, manager, merchant_a, merchant_b, scope):
    _end(merchant_a, 30)
    _end(merchant_b, 30)
    _document(merchant_a)
    values = {"merchant": {"merchant": str(merchant_a.pk)}, "type": {"record_type": "merchant_file"},
              "record": {"record_type": "merchant_file", "record_id": str(merchant_a.pk)}}[scope]
    hold = svc.legal_hold_place(actor=officer, matter="Case 2026-17", reason="Court order", **values)
    with pytest.raises(DomainError, match="legal hold"):
        svc.record_dispose(actor=manager, record_type="merchant_file", record_id=str(merchant_a.pk), reason="x")
    assert MerchantDocument.objects.filter(merchant=merchant_a).count() == 1
    assert AuditEvent.objects.filter(action="record.deletion_refused", data__reason__icontains="Case 2026-17").exists()
    # another merchant is covered only by a hold on the whole type
    assert (deletion_refusal("merchant_file", merchant_b) is not None) == (scope == "type")
    svc.legal_hold_release(actor=officer, hold=hold, reason="Case closed")
    svc.record_dispose(actor=manager, record_type="merchant_file", record_id=str(merchant_a.pk), reason="x")
    assert not MerchantDocument.objects.filter(merchant=merchant_a).exists()


@pytest.mark.django_db
def test_a_shorter_rule_opens_the_window_sooner(officer, merchant_a):
    _end(merchant_a, 2)
    assert deletion_refusal("transactions", merchant_a) is not None
    svc.retention_rule_set(actor=officer, record_type="transactions", years=1, note="Test")
    assert deletion_refusal("transactions", merchant_a) is None
    assert deletion_refusal("merchant_file", merchant_a) is not None  # the other type keeps its default


@pytest.mark.django_db
def test_require_deletable_records_the_refusal(manager, merchant_a):
    with pytest.raises(DomainError):
        require_deletable(actor=manager, record_type="merchant_file", obj=merchant_a)
    assert AuditEvent.objects.filter(action="record.deletion_refused", target_id=str(merchant_a.pk)).count() == 1
    require_deletable(actor=manager, record_type="merchant_file", obj=_end(merchant_a, 12))  # no refusal: no event
    assert AuditEvent.objects.filter(action="record.deletion_refused").count() == 1


@pytest.mark.django_db
def test_records_without_a_delete_are_only_checked(manager, merchant_a):
    _end(merchant_a, 2)
    with pytest.raises(DomainError, match="Inside its retention period"):
        svc.record_dispose(actor=manager, record_type="transactions", record_id=str(merchant_a.pk), reason="x")
    _end(merchant_a, 12)
    with pytest.raises(DomainError, match="not deleted from here"):
        svc.record_dispose(actor=manager, record_type="transactions", record_id=str(merchant_a.pk), reason="x")
    assert AuditEvent.objects.filter(action="record.deletion_refused").count() == 1


@pytest.mark.django_db
def test_delete_page_shows_the_refusal(clients, merchant_a):
    _end(merchant_a, 3)
    url = reverse("ops:record-dispose")
    response = clients["operations_manager"].post(url, {"record_type": "merchant_file", "record_id": merchant_a.pk,
                                                        "reason": "Tidy up"})
    assert response.status_code == 200 and "Inside its retention period" in response.content.decode()
    assert AuditEvent.objects.filter(action="record.deletion_refused").exists()
    assert clients["compliance_officer"].post(url, {"record_type": "merchant_file", "record_id": merchant_a.pk,
                                                    "reason": "x"}).status_code == 403
    missing = clients["operations_manager"].post(url, {"record_type": "merchant_file", "record_id": "nope",
                                                       "reason": "x"})
    assert "no such record" in missing.content.decode()


@pytest.mark.django_db
def test_dispose_refused_without_the_permission(officer, merchant_a):
    _end(merchant_a, 12)
    with pytest.raises(DomainError):
        svc.record_dispose(actor=officer, record_type="merchant_file", record_id=str(merchant_a.pk), reason="x")


@pytest.mark.django_db
def test_rule_edit_by_compliance_only_within_bounds_and_audited(clients, officer, manager):
    url = reverse("ops:retention-edit", args=["merchant_file"])
    assert clients["operations_manager"].post(url, {"years": 5}).status_code == 403
    response = clients["compliance_officer"].post(url, {"years": 101})
    assert response.status_code == 200 and not RetentionRule.objects.exists()
    assert clients["compliance_officer"].post(url, {"years": 0}).status_code == 200
    assert clients["compliance_officer"].post(url, {"years": 15, "note": "AML law art. 19"}).status_code == 302
    rule = RetentionRule.objects.get(record_type="merchant_file")
    assert rule.years == 15 and rule.changed_by == officer
    event = AuditEvent.objects.get(action="retention_rule.changed")
    assert event.before == {"years": 10, "basis": ""} and event.after == {"years": 15, "basis": "AML law art. 19"}
    with pytest.raises(DomainError):
        svc.retention_rule_set(actor=manager, record_type="merchant_file", years=3)
    with pytest.raises(DomainError):
        svc.retention_rule_set(actor=officer, record_type="nonsense", years=3)


@pytest.mark.django_db
def test_holds_placed_and_released_by_compliance_only(clients, officer, manager, merchant_a):
    with pytest.raises(DomainError):
        svc.legal_hold_place(actor=manager, matter="m", reason="r", merchant=str(merchant_a.pk))
    response = clients["compliance_officer"].post(reverse("ops:legal-hold-create"), {
        "matter": "Regulator inquiry", "reason": "Keep everything", "scope": "merchant", "merchant": merchant_a.pk})
    assert response.status_code == 302
    hold = LegalHold.objects.get()
    assert hold.merchant_id == merchant_a.pk and hold.placed_by == officer
    release = reverse("ops:legal-hold-release", args=[hold.pk])
    assert clients["operations_manager"].post(release, {"reason": "x"}).status_code == 403
    clients["compliance_officer"].post(release, {})  # no reason: refused
    hold.refresh_from_db()
    assert hold.released_at is None
    clients["compliance_officer"].post(release, {"reason": "Inquiry closed"})
    hold.refresh_from_db()
    assert hold.released_at is not None and hold.released_by == officer
    with pytest.raises(DomainError, match="already released"):
        svc.legal_hold_release(actor=officer, hold=hold, reason="again")
    assert AuditEvent.objects.filter(action__in=["legal_hold.placed", "legal_hold.released"]).count() == 2


@pytest.mark.django_db
def test_hold_form_errors_keep_the_input(clients, merchant_a):
    response = clients["compliance_officer"].post(reverse("ops:legal-hold-create"), {
        "matter": "Inquiry", "reason": "Why", "scope": "merchant", "merchant": "NOPE-MID"})
    page = response.content.decode()
    assert response.status_code == 200 and "No merchant has this number" in page and "Inquiry" in page
    assert not LegalHold.objects.exists()


@pytest.mark.django_db
def test_pages_for_readers_and_auditors(clients, officer, merchant_a):
    svc.legal_hold_place(actor=officer, matter="Visible matter", reason="r", merchant=str(merchant_a.pk))
    for client, area in ((clients["compliance_officer"], "ops"), (clients["auditor"], "audit")):
        assert "Visible matter" in client.get(reverse(f"{area}:legal-hold-list")).content.decode()
        assert "merchant_file" in client.get(reverse(f"{area}:retention-list")).content.decode()
    assert clients["auditor"].post(reverse("audit:legal-hold-list")).status_code == 405


@pytest.mark.django_db
@pytest.mark.parametrize("area", ["ops", "audit"])
def test_hold_list_runs_a_constant_number_of_queries(clients, users, officer, django_assert_max_num_queries, area):
    client = clients["compliance_officer" if area == "ops" else "auditor"]
    url = reverse(f"{area}:legal-hold-list") + "?state=all"

    def holds(n):
        for k in range(n):
            LegalHold.objects.create(matter=f"M{k}", reason="r", record_type="transactions", record_id=str(k),
                                     placed_by=officer, released_by=officer if k % 2 else None,
                                     released_at=timezone.now() if k % 2 else None)

    holds(PAGE_SIZE + 1)
    with django_assert_max_num_queries(20) as small:
        assert client.get(url).status_code == 200
    holds(30)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200
