"""The merchant jobs at scale: they walk their rows in batches (``ACQUIRER_BATCH_SIZE``), each committed on its
own, give the same result as one pass, change nothing when run again, and issue a bounded number of queries per
batch (one insert each for the notifications, their e-mails and the audit events)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from acquirer import audit, roles
from acquirer.models import AuditEvent, Notification, OutboxMessage
from merchants.models import Contract, Merchant, MerchantDocument
from merchants.services.contracts import contracts_remind_renewal
from merchants.services.documents import documents_remind_expiring
from merchants.services.inspections import inspections_flag_overdue
from tests.factories import make_merchant, make_merchant_user

TODAY = timezone.localdate()


def overdue_merchants(count: int, days: int = 3) -> list[Merchant]:
    merchants = [make_merchant() for _n in range(count)]
    Merchant.objects.filter(pk__in=[m.pk for m in merchants]).update(
        status=Merchant.Status.ACTIVE, next_inspection_due=TODAY - timedelta(days=days))
    return merchants


def expiring_documents(count: int) -> list[MerchantDocument]:
    documents = []
    for n in range(count):
        merchant = make_merchant()
        make_merchant_user(merchant)
        documents.append(MerchantDocument.objects.create(
            merchant=merchant, kind=MerchantDocument.Kind.BUSINESS_LICENCE, stored_name=f"kyc/test-{merchant.pk}-{n}",
            original_name="l.pdf", content_type="application/pdf", size=1, sha256="0" * 64,
            decision=MerchantDocument.Decision.ACCEPTED, expires_on=TODAY + timedelta(days=10 + n)))
    return documents


def ending_contracts(count: int) -> list[Contract]:
    contracts = []
    for _n in range(count):
        merchant = make_merchant()
        make_merchant_user(merchant)
        contracts.append(Contract.objects.create(
            merchant=merchant, version=1, status=Contract.Status.ACTIVE, start_date=TODAY - timedelta(days=700),
            end_date=TODAY + timedelta(days=30), deposit="500.00", monthly_rent="30.00",
            settlement_cycle="T+1", settlement_method="auto"))
    return contracts


@pytest.mark.django_db
def test_overdue_inspections_in_batches_flag_each_merchant_once(users, settings):
    settings.ACQUIRER_BATCH_SIZE = 3
    merchants = overdue_merchants(7)
    assert inspections_flag_overdue(today=TODAY) == {"overdue": 7, "flagged": 7}
    assert inspections_flag_overdue(today=TODAY) == {"overdue": 7, "flagged": 0}
    events = AuditEvent.objects.filter(action="inspection.overdue_flagged")
    assert {(e.merchant_id, e.data["due"], e.data["days_overdue"]) for e in events} == {
        (m.pk, (TODAY - timedelta(days=3)).isoformat(), 3) for m in merchants}
    notes = Notification.objects.filter(kind="inspection.overdue")
    assert notes.count() == 7 and {n.recipient for n in notes} == {users[roles.COMPLIANCE_OFFICER]}
    assert OutboxMessage.objects.filter(kwargs__notification_id__in=[n.pk for n in notes]).count() == 7
    assert audit.verify_chain().ok


@pytest.mark.django_db
def test_overdue_inspection_queries_grow_by_a_constant_per_batch(users, settings, django_assert_max_num_queries):
    settings.ACQUIRER_BATCH_SIZE = 4
    overdue_merchants(8)  # 2 batches
    with CaptureQueriesContext(connection) as two:
        assert inspections_flag_overdue(today=TODAY)["flagged"] == 8
    overdue_merchants(16, days=1)  # 6 batches
    per_batch = 11
    with django_assert_max_num_queries(len(two) + 4 * per_batch):
        assert inspections_flag_overdue(today=TODAY)["flagged"] == 16
    assert len(two) <= 2 * per_batch + 3


@pytest.mark.django_db
def test_expiry_reminders_in_batches_remind_each_document_once(users, settings):
    settings.ACQUIRER_BATCH_SIZE = 2
    documents = expiring_documents(5)
    assert documents_remind_expiring(today=TODAY) == {"documents": 5, "notifications": 5}
    assert documents_remind_expiring(today=TODAY) == {"documents": 0, "notifications": 0}
    assert set(MerchantDocument.objects.values_list("expiry_reminded_on", flat=True)) == {TODAY}
    events = AuditEvent.objects.filter(action="document.expiry_reminded")
    assert {(e.target_id, e.merchant_id, e.data["expires_on"]) for e in events} == {
        (str(d.pk), d.merchant_id, d.expires_on.isoformat()) for d in documents}
    assert Notification.objects.filter(kind="document.expiring").count() == 5 and audit.verify_chain().ok


@pytest.mark.django_db
def test_renewal_reminders_in_batches_remind_each_contract_once(users, settings):
    settings.ACQUIRER_BATCH_SIZE = 2
    contracts = ending_contracts(5)
    assert contracts_remind_renewal(today=TODAY) == {"reminded": 5}
    assert contracts_remind_renewal(today=TODAY) == {"reminded": 0}
    assert set(Contract.objects.values_list("renewal_reminded_on", flat=True)) == {TODAY}
    events = AuditEvent.objects.filter(action="contract.renewal_reminded")
    assert {(e.target_id, e.actor_label, e.data["days_left"]) for e in events} == {
        (str(c.pk), "system", 30) for c in contracts}
    managers = Notification.objects.filter(kind="contract.renewal_due", recipient=users[roles.OPERATIONS_MANAGER])
    assert managers.count() == 5
    assert Notification.objects.filter(kind="contract.renewal_due").count() == 10 and audit.verify_chain().ok
