"""Blacklist: adding suspends matching active merchants (exit due in 7 days, managers told), matching by
USCC or person-ID hash, removal, permissions, and the ops / auditor pages."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from stdnum.cn import ric

from acquirer import roles
from acquirer.exceptions import DomainError, NotPermitted
from acquirer.lists import PAGE_SIZE
from acquirer.models import AuditEvent, Notification
from acquirer.secrets import keyed_hash, mask
from merchants.models import BlacklistEntry, Merchant
from merchants.services.blacklist import blacklist_add, blacklist_match, blacklist_remove
from tests.factories import make_merchant

USCC = "91110000600037341L"
OTHER_USCC = "91999999GATE000000"
PERSON = "360426199101010071"
OTHER_PERSON = "11010519491231002X"
MANAGERS = [roles.RISK_ANALYST, roles.OPERATIONS_MANAGER]
NOT_MANAGERS = [roles.ONBOARDING_REVIEWER, roles.FIELD_ENGINEER, roles.CUSTOMER_SERVICE, roles.COMPLIANCE_OFFICER,
                "merchant_a", "auditor"]
M = Merchant.Status


def merchant_in(status: str, *, uscc: str = "", person: str = "") -> Merchant:
    merchant = make_merchant()
    Merchant.objects.filter(pk=merchant.pk).update(
        status=status, uscc=uscc, legal_rep_id=person, legal_rep_id_hash=keyed_hash(person) if person else "",
        legal_rep_id_masked=mask(person, 4, 4))
    merchant.refresh_from_db()
    return merchant


def add(actor, **kwargs) -> BlacklistEntry:
    kwargs.setdefault("reason", "Card fraud ring (case 2024-17)")
    kwargs.setdefault("source", BlacklistEntry.Source.UNIONPAY)
    return blacklist_add(actor=actor, **kwargs)


# --- adding suspends active matches ---------------------------------------------------------------

@pytest.mark.django_db
def test_blacklisting_a_uscc_suspends_the_active_merchant_with_an_exit_due_in_7_days(users):
    analyst, manager = users[roles.RISK_ANALYST], users[roles.OPERATIONS_MANAGER]
    merchant = merchant_in(M.ACTIVE, uscc=USCC)
    entry = add(analyst, uscc=USCC, name="Shady Ltd")
    merchant.refresh_from_db()
    assert merchant.status == M.SUSPENDED
    assert merchant.exit_due_on == timezone.localdate() + timedelta(days=7)
    assert entry.suspended_merchant_ids == [merchant.pk]
    suspended = AuditEvent.objects.get(action="merchant.suspended", target_id=str(merchant.pk))
    assert suspended.actor == analyst and suspended.merchant_id == merchant.pk
    assert suspended.before == {"status": "active"} and suspended.after == {"status": "suspended"}
    assert suspended.data == {"reason": "blacklisted", "entry": entry.pk}
    added = AuditEvent.objects.get(action="blacklist.added")
    assert added.target_id == str(entry.pk) and added.after["uscc"] == USCC
    task = Notification.objects.get(recipient=manager, kind="merchant.exit_due")
    assert str(merchant) in task.title and merchant.exit_due_on.isoformat() in task.title
    assert task.url == reverse("ops:merchant-detail", args=[merchant.pk])
    assert not Notification.objects.filter(kind="merchant.exit_due").exclude(recipient=manager).exists()


@pytest.mark.django_db
def test_blacklisting_a_person_suspends_merchants_whose_legal_rep_matches_by_hash(users):
    first = merchant_in(M.ACTIVE, uscc=USCC, person=PERSON)
    second = merchant_in(M.ACTIVE, person=PERSON)
    unrelated = merchant_in(M.ACTIVE, uscc=OTHER_USCC, person=OTHER_PERSON)
    entry = add(users[roles.OPERATIONS_MANAGER], person_id=PERSON.lower())
    assert sorted(entry.suspended_merchant_ids) == sorted([first.pk, second.pk])
    assert Merchant.objects.get(pk=first.pk).status == M.SUSPENDED
    assert Merchant.objects.get(pk=second.pk).status == M.SUSPENDED
    assert Merchant.objects.get(pk=unrelated.pk).status == M.ACTIVE
    assert Merchant.objects.get(pk=unrelated.pk).exit_due_on is None
    assert Notification.objects.filter(kind="merchant.exit_due").count() == 2  # one task per merchant


@pytest.mark.django_db
def test_the_entry_keeps_only_the_hash_and_mask_of_the_person_id(users):
    entry = add(users[roles.RISK_ANALYST], person_id=PERSON, name="Zhang San")
    assert entry.person_id_hash == keyed_hash(PERSON)
    assert entry.person_id_masked == "3604**********0071"
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_to_json(e)::text FROM merchants_blacklistentry e WHERE id = %s", [entry.pk])
        assert PERSON not in cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM acquirer_auditevent WHERE before::text LIKE %s OR after::text LIKE %s "
                       "OR data::text LIKE %s", [f"%{PERSON}%"] * 3)
        assert cursor.fetchone()[0] == 0


@pytest.mark.django_db
@pytest.mark.parametrize("status", [s for s in M.values if s != M.ACTIVE])
def test_merchants_not_active_are_left_to_their_workflow(users, status):
    merchant = merchant_in(status, uscc=USCC)
    entry = add(users[roles.RISK_ANALYST], uscc=USCC)
    merchant.refresh_from_db()
    assert merchant.status == status and merchant.exit_due_on is None
    assert entry.suspended_merchant_ids == []
    assert not AuditEvent.objects.filter(action="merchant.suspended").exists()
    assert not Notification.objects.filter(kind="merchant.exit_due").exists()
    assert blacklist_match(uscc=merchant.uscc) == entry  # the review / approval sees it


# --- validation -------------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("kwargs,needle", [
    ({"uscc": "91110000600037341M"}, "check character"),
    ({"uscc": "123"}, "18 characters"),
    ({"person_id": PERSON[:-1] + "2"}, "check digit"),
    ({"person_id": "360426199102300070"}, "does not exist"),
    ({}, "or both"),
    ({"uscc": USCC, "reason": "   "}, "reason"),
    ({"uscc": USCC, "source": "gossip"}, "comes from"),
])
def test_blacklist_add_refuses_bad_requests_and_saves_nothing(users, kwargs, needle):
    with pytest.raises(DomainError) as excinfo:
        add(users[roles.RISK_ANALYST], **kwargs)
    assert needle in str(excinfo.value)
    assert not BlacklistEntry.objects.exists()
    assert not AuditEvent.objects.filter(action="blacklist.added").exists()


@pytest.mark.django_db
def test_the_same_identifiers_cannot_be_blacklisted_twice_while_active(users):
    entry = add(users[roles.RISK_ANALYST], uscc=USCC)
    with pytest.raises(DomainError):
        add(users[roles.RISK_ANALYST], uscc=USCC)
    blacklist_remove(actor=users[roles.RISK_ANALYST], entry=entry, reason="court ruling overturned")
    assert add(users[roles.RISK_ANALYST], uscc=USCC).active


@pytest.mark.django_db
def test_unknown_birthplace_does_not_stop_blacklisting_a_person(users):
    body = "65999919900101123"
    unknown_place = body + ric.calc_check_digit(body + "0")
    entry = add(users[roles.RISK_ANALYST], person_id=unknown_place)
    assert blacklist_match(person_id=unknown_place) == entry


# --- matching ---------------------------------------------------------------------------------

@pytest.mark.django_db
def test_blacklist_match_by_uscc_or_person_hash_only_among_active_entries(users):
    analyst = users[roles.RISK_ANALYST]
    by_uscc = add(analyst, uscc=USCC)
    by_person = add(analyst, person_id=PERSON)
    assert blacklist_match(uscc=USCC) == by_uscc
    assert blacklist_match(uscc=USCC.lower()) == by_uscc
    assert blacklist_match(person_id=PERSON) == by_person
    assert blacklist_match(person_id=" 3604 2619 9101 0100 71 ") == by_person
    assert blacklist_match(uscc=OTHER_USCC, person_id=PERSON) == by_person
    assert blacklist_match(uscc=OTHER_USCC, person_id=OTHER_PERSON) is None
    assert blacklist_match() is None
    blacklist_remove(actor=analyst, entry=by_person, reason="identity theft victim, cleared")
    assert blacklist_match(person_id=PERSON) is None


# --- removal and permissions ------------------------------------------------------------------

@pytest.mark.django_db
def test_blacklist_remove_deactivates_and_audits_and_leaves_merchants_suspended(users):
    manager = users[roles.OPERATIONS_MANAGER]
    merchant = merchant_in(M.ACTIVE, uscc=USCC)
    entry = add(manager, uscc=USCC)
    removed = blacklist_remove(actor=manager, entry=entry, reason="Listed by mistake")
    assert not removed.active and removed.removed_by == manager and removed.removed_at is not None
    assert removed.removal_reason == "Listed by mistake"
    event = AuditEvent.objects.get(action="blacklist.removed")
    assert event.target_id == str(entry.pk) and event.data == {"reason": "Listed by mistake"}
    assert Merchant.objects.get(pk=merchant.pk).status == M.SUSPENDED  # reactivation is a separate decision
    with pytest.raises(DomainError):
        blacklist_remove(actor=manager, entry=entry, reason="again")


@pytest.mark.django_db
def test_blacklist_remove_needs_a_reason(users):
    entry = add(users[roles.RISK_ANALYST], uscc=USCC)
    with pytest.raises(DomainError):
        blacklist_remove(actor=users[roles.RISK_ANALYST], entry=entry, reason=" ")
    entry.refresh_from_db()
    assert entry.active


@pytest.mark.django_db
@pytest.mark.parametrize("actor", NOT_MANAGERS)
def test_only_blacklist_managers_may_add_or_remove(users, actor):
    merchant = merchant_in(M.ACTIVE, uscc=USCC)
    with pytest.raises(NotPermitted):
        add(users[actor], uscc=USCC)
    assert not BlacklistEntry.objects.exists()
    entry = add(users[roles.RISK_ANALYST], uscc=OTHER_USCC)
    with pytest.raises(NotPermitted):
        blacklist_remove(actor=users[actor], entry=entry, reason="not mine to remove")
    entry.refresh_from_db()
    assert entry.active and Merchant.objects.get(pk=merchant.pk).status == M.ACTIVE


@pytest.mark.django_db
@pytest.mark.parametrize("actor", MANAGERS)
def test_risk_analysts_and_operations_managers_manage_the_blacklist(users, actor):
    entry = add(users[actor], uscc=USCC)
    assert blacklist_remove(actor=users[actor], entry=entry, reason="resolved").active is False


# --- pages ------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_add_page_creates_an_entry_and_suspends(clients, users):
    merchant = merchant_in(M.ACTIVE, person=PERSON)
    client = clients[roles.RISK_ANALYST]
    assert client.get(reverse("ops:blacklist-add")).status_code == 200
    response = client.post(reverse("ops:blacklist-add"), {
        "uscc": "", "person_id": PERSON, "name": "Zhang San", "source": "regulator", "reason": "Court order"})
    assert response.status_code == 302 and response["Location"] == reverse("ops:blacklist-list")
    entry = BlacklistEntry.objects.get()
    assert entry.created_by == users[roles.RISK_ANALYST] and entry.source == "regulator"
    assert Merchant.objects.get(pk=merchant.pk).status == M.SUSPENDED
    page = client.get(reverse("ops:blacklist-list")).content.decode()
    assert "1 active merchant(s) suspended" in page
    assert "3604**********0071" in page and PERSON not in page


@pytest.mark.django_db
def test_add_page_shows_the_precise_message_next_to_the_field(clients):
    response = clients[roles.RISK_ANALYST].post(reverse("ops:blacklist-add"), {
        "uscc": "91110000600037341M", "person_id": "", "source": "internal", "reason": "x"})
    assert response.status_code == 200
    assert "check character" in response.content.decode()
    assert not BlacklistEntry.objects.exists()


@pytest.mark.django_db
def test_add_page_shows_a_duplicate_as_a_form_error(clients, users):
    add(users[roles.RISK_ANALYST], uscc=USCC)
    response = clients[roles.RISK_ANALYST].post(reverse("ops:blacklist-add"), {
        "uscc": USCC, "source": "internal", "reason": "again"})
    assert response.status_code == 200 and "already on the blacklist" in response.content.decode()
    assert BlacklistEntry.objects.count() == 1


@pytest.mark.django_db
def test_remove_page_needs_a_reason_then_removes(clients, users):
    entry = add(users[roles.RISK_ANALYST], uscc=USCC)
    client = clients[roles.OPERATIONS_MANAGER]
    url = reverse("ops:blacklist-remove", args=[entry.pk])
    assert client.post(url, {"reason": ""}).status_code == 302
    entry.refresh_from_db()
    assert entry.active
    assert client.post(url, {"reason": "Cleared by court"}).status_code == 302
    entry.refresh_from_db()
    assert not entry.active and entry.removal_reason == "Cleared by court"
    assert client.get(url).status_code == 405
    assert client.post(reverse("ops:blacklist-remove", args=[999999]), {"reason": "xyz"}).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("actor", [roles.ONBOARDING_REVIEWER, roles.COMPLIANCE_OFFICER, "merchant_a", "auditor"])
def test_pages_refuse_actors_without_manage_permission(clients, users, actor):
    entry = add(users[roles.RISK_ANALYST], uscc=USCC)
    assert clients[actor].get(reverse("ops:blacklist-add")).status_code == 403
    assert clients[actor].post(reverse("ops:blacklist-add"), {"uscc": OTHER_USCC, "source": "internal",
                                                              "reason": "x"}).status_code == 403
    assert clients[actor].post(reverse("ops:blacklist-remove", args=[entry.pk]),
                               {"reason": "nope"}).status_code == 403
    entry.refresh_from_db()
    assert entry.active and BlacklistEntry.objects.count() == 1


@pytest.mark.django_db
def test_list_is_for_staff_with_view_permission_and_read_only_for_auditors(clients, users):
    add(users[roles.RISK_ANALYST], uscc=USCC, name="Shady Ltd")
    ops_page = clients[roles.ONBOARDING_REVIEWER].get(reverse("ops:blacklist-list"))
    assert ops_page.status_code == 200 and "Shady Ltd" in ops_page.content.decode()
    assert reverse("ops:blacklist-add") not in ops_page.content.decode()  # reviewers read, not write
    manager_page = clients[roles.RISK_ANALYST].get(reverse("ops:blacklist-list")).content.decode()
    assert reverse("ops:blacklist-add") in manager_page and "Remove" in manager_page
    audit_page = clients["auditor"].get(reverse("audit:blacklist-list"))
    assert audit_page.status_code == 200 and "Shady Ltd" in audit_page.content.decode()
    assert "/remove/" not in audit_page.content.decode()
    assert clients["auditor"].post(reverse("audit:blacklist-list")).status_code == 405
    for actor in ("merchant_a", roles.FIELD_ENGINEER, roles.CUSTOMER_SERVICE):
        assert clients[actor].get(reverse("ops:blacklist-list")).status_code == 403


@pytest.mark.django_db
def test_list_search_by_name_uscc_and_clear_person_id(clients, users):
    analyst = users[roles.RISK_ANALYST]
    add(analyst, uscc=USCC, name="Shady Ltd")
    add(analyst, person_id=PERSON, name="Zhang San")
    removed = add(analyst, uscc=OTHER_USCC, name="Old Case Co")
    blacklist_remove(actor=analyst, entry=removed, reason="resolved")
    client = clients[roles.RISK_ANALYST]

    def names(**params):
        return [e.name for e in client.get(reverse("ops:blacklist-list"), params).context["entries"]]

    assert names(q="shady") == ["Shady Ltd"]
    assert names(q=USCC.lower()) == ["Shady Ltd"]
    assert names(q=PERSON) == ["Zhang San"]
    assert names(state="removed") == ["Old Case Co"]
    assert sorted(names(state="active")) == ["Shady Ltd", "Zhang San"]
    assert len(names()) == 3


@pytest.mark.django_db
def test_list_keeps_a_constant_number_of_queries(clients, users, django_assert_max_num_queries):
    analyst = users[roles.RISK_ANALYST]
    client = clients[roles.RISK_ANALYST]
    url = reverse("ops:blacklist-list")
    add(analyst, uscc=USCC)
    client.get(url)  # warm caches (permissions, session)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(PAGE_SIZE + 5):
        body = f"36042619910101{n:03d}"
        entry = add(analyst, person_id=body + ric.calc_check_digit(body + "0"), name=f"Person {n}")
        if n % 3 == 0:
            blacklist_remove(actor=users[roles.OPERATIONS_MANAGER], entry=entry, reason="resolved")
    with django_assert_max_num_queries(len(few)):
        response = client.get(url)
    assert len(response.context["entries"]) == PAGE_SIZE  # one page, whatever the list's length
