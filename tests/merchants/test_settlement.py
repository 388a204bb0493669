"""Settlement accounts: in the merchant's own name (enterprise: corporate account in its legal name; individual
business / micro merchant: personal account of the owner), number encrypted at rest and only ever shown masked,
verified by one person and approved by another; the approved account replaces the one in use; every move follows
``SETTLEMENT_MOVES`` and is audited, and a refusal saves nothing."""

import pytest
from django.db import connection
from django.http import Http404
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from acquirer import roles
from acquirer.exceptions import DomainError, NotPermitted, TransitionNotAllowed
from acquirer.models import AuditEvent, Notification
from acquirer.secrets import keyed_hash, mask
from acquirer.workflow import advance
from merchants.models import Merchant, SettlementAccount
from merchants.selectors.contracts import settlement_account_active, settlement_account_get, settlement_account_list
from merchants.services import settlement as svc
from merchants.workflow import SETTLEMENT_MOVES
from tests.factories import make_merchant, make_user
from tests.merchants.kyc_data import make_card_number

S = SettlementAccount.Status
CORPORATE_NUMBER = "3100661234567890123"
OWNER = "张三"


def set_merchant(merchant, *, merchant_type="enterprise", status="approved", **fields):
    Merchant.objects.filter(pk=merchant.pk).update(status=status, merchant_type=merchant_type,
                                                   legal_rep_name=fields.pop("legal_rep_name", OWNER), **fields)
    merchant.refresh_from_db()
    return merchant


def request(actor, merchant, **changes) -> SettlementAccount:
    """A valid request for ``merchant`` (corporate in its legal name, or personal in the owner's name)."""
    kind, name = svc.expected_account(merchant)
    values = {"kind": kind, "account_name": name, "bank_name": "中国工商银行", "branch_name": "上海分行",
              "account_number": CORPORATE_NUMBER if kind == "corporate" else make_card_number()}
    values.update(changes)
    return svc.settlement_account_request(actor=actor, merchant=merchant, **values)


def actions(account) -> list[str]:
    return list(AuditEvent.objects.filter(target_type="merchants.settlementaccount", target_id=str(account.pk))
                .order_by("id").values_list("action", flat=True))


def approve_form(response, approve_url) -> str:
    """The approve form of one queue row."""
    page = response.content.decode()
    start = page.index(f'action="{approve_url}"')
    return page[start:page.index("</form>", start)]


def shown_errors(response) -> list[str]:
    return [str(m) for m in response.context["messages"] if m.level_tag == "error"]


@pytest.fixture
def manager(users):
    return users[roles.OPERATIONS_MANAGER]


@pytest.fixture
def second_manager(role_groups):
    return make_user(roles=[roles.OPERATIONS_MANAGER], username="manager2")


@pytest.fixture
def enterprise_a(users, merchant_a):
    return set_merchant(merchant_a)


@pytest.fixture
def pending(users, enterprise_a):
    return request(users["merchant_a"], enterprise_a)


@pytest.fixture
def verified(manager, pending):
    return svc.settlement_account_verify(actor=manager, account=pending)


@pytest.fixture
def active(second_manager, verified):
    return svc.settlement_account_approve(actor=second_manager, account=verified)


# --- whose name ----------------------------------------------------------------------------------

def test_an_enterprise_settles_to_a_corporate_account_in_its_own_name(users, manager, enterprise_a):
    account = request(users["merchant_a"], enterprise_a)
    stored = SettlementAccount.objects.get(pk=account.pk)
    assert stored.status == S.PENDING and stored.kind == "corporate"
    assert stored.account_name == enterprise_a.legal_name and stored.requested_by == users["merchant_a"]
    assert stored.account_number == CORPORATE_NUMBER and stored.account_number_masked == "3100***********0123"
    event = AuditEvent.objects.get(action="settlement_account.requested", target_id=str(account.pk))
    assert event.actor == users["merchant_a"] and event.merchant_id == enterprise_a.pk
    assert event.after["account_number"] == "3100***********0123" and event.data == {"on_behalf": False}
    note = Notification.objects.get(recipient=manager, kind="settlement_account.requested")
    assert enterprise_a.legal_name in note.title


def test_names_match_after_width_spacing_and_case_normalisation(users, merchant_a):
    merchant = set_merchant(merchant_a, legal_name="上海新店餐饮（集团）有限公司")
    account = request(users["merchant_a"], merchant, account_name="  上海新店餐饮(集团)有限公司 ")
    assert account.status == S.PENDING and account.account_name == "上海新店餐饮(集团)有限公司"


def test_an_enterprise_cannot_settle_to_a_personal_account(users, enterprise_a):
    with translation.override("en"), pytest.raises(DomainError) as error:
        request(users["merchant_a"], enterprise_a, kind="personal", account_name=OWNER,
                account_number=make_card_number())
    assert "corporate account" in str(error.value) and enterprise_a.legal_name in str(error.value)
    assert not SettlementAccount.objects.exists()
    assert not AuditEvent.objects.filter(action="settlement_account.requested").exists()


def test_an_account_in_another_name_is_refused_with_a_clear_message(users, enterprise_a):
    with translation.override("en"), pytest.raises(DomainError) as error:
        request(users["merchant_a"], enterprise_a, account_name="Someone Else Ltd")
    assert str(error.value) == ("A settlement account must be in the merchant's own name: expected "
                                "“Merchant A Trading Co., Ltd.”, got “Someone Else Ltd”.")
    assert not SettlementAccount.objects.exists()


def test_the_portal_form_shows_why_an_account_in_another_name_is_refused(clients, enterprise_a):
    number = "6222020123456789"
    response = clients["merchant_a"].post(reverse("portal:settlement-request"), {
        "kind": "corporate", "account_name": "Someone Else Ltd", "bank_name": "ICBC", "branch_name": "",
        "account_number": number})
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert len(errors) == 1 and enterprise_a.legal_name in errors[0] and "Someone Else Ltd" in errors[0]
    page = response.content.decode()
    assert "Someone Else Ltd" in page and number not in page
    assert not SettlementAccount.objects.exists()


@pytest.mark.parametrize("merchant_type", ["individual_business", "micro"])
def test_an_individual_merchant_settles_to_a_personal_account_of_its_owner(users, merchant_a, merchant_type):
    merchant = set_merchant(merchant_a, merchant_type=merchant_type)
    assert svc.expected_account(merchant) == ("personal", OWNER)
    number = make_card_number()
    account = request(users["merchant_a"], merchant, account_number=f"{number[:4]} {number[4:]}")
    assert account.kind == "personal" and account.account_name == OWNER
    assert SettlementAccount.objects.get(pk=account.pk).account_number == number


@pytest.mark.parametrize("merchant_type", ["individual_business", "micro"])
@pytest.mark.parametrize("changes", [
    {"kind": "corporate", "account_name": OWNER, "account_number": CORPORATE_NUMBER},
    {"kind": "corporate", "account_name": "Merchant A Trading Co., Ltd.", "account_number": CORPORATE_NUMBER},
    {"kind": "personal", "account_name": "李四"},
], ids=["corporate_in_owner_name", "corporate_in_legal_name", "personal_of_someone_else"])
def test_an_individual_merchant_cannot_settle_elsewhere(users, merchant_a, merchant_type, changes):
    merchant = set_merchant(merchant_a, merchant_type=merchant_type)
    with pytest.raises(DomainError):
        request(users["merchant_a"], merchant, **changes)
    assert not SettlementAccount.objects.exists()


def test_an_individual_merchant_needs_its_owner_name_first(users, merchant_a):
    merchant = set_merchant(merchant_a, merchant_type="micro", legal_rep_name="")
    with pytest.raises(DomainError):
        request(users["merchant_a"], merchant, account_name="")
    with pytest.raises(DomainError):
        request(users["merchant_a"], merchant, account_name="Anyone")
    assert not SettlementAccount.objects.exists()


# --- the number ----------------------------------------------------------------------------------

def test_a_card_number_failing_its_luhn_check_is_refused(users, merchant_a):
    merchant = set_merchant(merchant_a, merchant_type="individual_business")
    good = make_card_number()
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    with translation.override("en"), pytest.raises(DomainError, match="Luhn"):
        request(users["merchant_a"], merchant, account_number=bad)
    assert not SettlementAccount.objects.exists()


def test_the_portal_form_refuses_a_luhn_failing_card_next_to_the_field(clients, merchant_a):
    set_merchant(merchant_a, merchant_type="micro")
    good = make_card_number()
    bad = good[:-1] + str((int(good[-1]) + 3) % 10)
    response = clients["merchant_a"].post(reverse("portal:settlement-request"), {
        "kind": "personal", "account_name": OWNER, "bank_name": "ICBC", "account_number": bad})
    assert response.status_code == 200 and "account_number" in response.context["form"].errors
    assert bad not in response.content.decode()
    assert not SettlementAccount.objects.exists()


@pytest.mark.parametrize("number", ["1234567", "31006612345A", "", "6" * 33])
def test_a_malformed_corporate_number_is_refused(users, enterprise_a, number):
    with pytest.raises(DomainError):
        request(users["merchant_a"], enterprise_a, account_number=number)
    assert not SettlementAccount.objects.exists()


def test_the_account_number_is_never_stored_in_clear(users, merchant_a):
    merchant = set_merchant(merchant_a, merchant_type="individual_business")
    number = make_card_number()
    account = request(users["merchant_a"], merchant, account_number=number)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM merchants_settlementaccount WHERE id = %s", [account.pk])
        columns = [column.name for column in cursor.description]
        row = dict(zip(columns, cursor.fetchone(), strict=True))
    assert all(number not in str(value) for value in row.values())
    assert row["account_number"].startswith("enc1:")
    assert row["account_number_hash"] == keyed_hash(number) and len(row["account_number_hash"]) == 64
    assert row["account_number_masked"] == mask(number, 4, 4) and row["account_number_masked"][-4:] == number[-4:]
    assert SettlementAccount.objects.get(pk=account.pk).account_number == number  # decrypts for the payout
    for table, columns in (("acquirer_auditevent", "before::text || after::text || data::text || target_repr"),
                           ("acquirer_notification", "title || body || url")):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {table} WHERE ({columns}) LIKE %s", [f"%{number}%"])
            assert cursor.fetchone()[0] == 0, table


def test_the_account_number_is_shown_masked_only(users, clients, merchant_a, manager):
    merchant = set_merchant(merchant_a, merchant_type="individual_business")
    number = make_card_number()
    account = request(users["merchant_a"], merchant, account_number=number)
    svc.settlement_account_verify(actor=manager, account=account)
    pages = [(clients["merchant_a"], reverse("portal:settlement-list")),
             (clients["merchant_a"], reverse("portal:home")),
             (clients[roles.OPERATIONS_MANAGER], reverse("ops:settlement-queue")),
             (clients[roles.ONBOARDING_REVIEWER], reverse("ops:merchant-detail", kwargs={"pk": merchant.pk})),
             (clients["auditor"], reverse("audit:merchant-detail", kwargs={"pk": merchant.pk}))]
    for client, page_url in pages:
        response = client.get(page_url)
        page = response.content.decode()
        assert response.status_code == 200, page_url
        assert account.account_number_masked in page and number not in page, page_url
    form = clients["merchant_a"].get(reverse("portal:settlement-request")).content.decode()
    assert number not in form


def test_the_request_form_suggests_the_account_the_merchant_must_use(clients, enterprise_a):
    response = clients["merchant_a"].get(reverse("portal:settlement-request"))
    assert response.context["form"].initial == {"kind": "corporate", "account_name": enterprise_a.legal_name}


# --- four eyes -----------------------------------------------------------------------------------

def test_an_account_is_verified_then_approved_by_a_different_person(users, manager, second_manager, pending):
    verified = svc.settlement_account_verify(actor=manager, account=pending)
    assert verified.status == S.VERIFIED and verified.verified_by == manager and verified.verified_at
    with pytest.raises(NotPermitted):
        svc.settlement_account_approve(actor=manager, account=verified)
    stored = SettlementAccount.objects.get(pk=pending.pk)
    assert stored.status == S.VERIFIED and stored.approved_by is None
    approved = svc.settlement_account_approve(actor=second_manager, account=verified)
    stored = SettlementAccount.objects.get(pk=pending.pk)
    assert approved.status == stored.status == S.ACTIVE and stored.approved_by == second_manager
    assert settlement_account_active(pending.merchant) == stored
    assert actions(pending) == ["settlement_account.requested", "settlement_account.verified",
                                "settlement_account.approved"]
    assert Notification.objects.filter(recipient=users["merchant_a"], kind="settlement_account.approved").exists()


def test_the_person_who_entered_the_account_cannot_approve_it(users, manager, enterprise_a):
    reviewer = users[roles.ONBOARDING_REVIEWER]
    account = request(reviewer, enterprise_a)
    assert account.requested_by == reviewer
    svc.settlement_account_verify(actor=manager, account=account)
    with pytest.raises(NotPermitted):
        svc.settlement_account_approve(actor=reviewer, account=account)
    assert SettlementAccount.objects.get(pk=account.pk).status == S.VERIFIED


def test_the_queue_refuses_an_approval_by_the_verifier(clients, users, verified):
    client = clients[roles.OPERATIONS_MANAGER]
    approve_url = reverse("ops:settlement-approve", kwargs={"pk": verified.pk})
    assert "disabled" in approve_form(client.get(reverse("ops:settlement-queue")), approve_url)
    other = make_user(roles=[roles.OPERATIONS_MANAGER], username="manager3")
    other_client = Client()
    other_client.force_login(other)
    assert "disabled" not in approve_form(other_client.get(reverse("ops:settlement-queue")), approve_url)
    response = client.post(reverse("ops:settlement-approve", kwargs={"pk": verified.pk}), follow=True)
    assert response.status_code == 200 and shown_errors(response)
    assert SettlementAccount.objects.get(pk=verified.pk).status == S.VERIFIED
    assert "settlement_account.approved" not in actions(verified)


def test_verify_and_approve_through_the_queue(clients, users, second_manager, pending):
    clients[roles.OPERATIONS_MANAGER].post(reverse("ops:settlement-verify", kwargs={"pk": pending.pk}))
    assert SettlementAccount.objects.get(pk=pending.pk).status == S.VERIFIED
    clients[roles.OPERATIONS_MANAGER].force_login(second_manager)
    response = clients[roles.OPERATIONS_MANAGER].post(reverse("ops:settlement-approve", kwargs={"pk": pending.pk}))
    assert response.status_code == 302 and response["Location"] == reverse("ops:settlement-queue")
    assert SettlementAccount.objects.get(pk=pending.pk).status == S.ACTIVE


def test_approving_a_new_account_replaces_the_one_in_use(users, manager, second_manager, active, enterprise_a):
    new = request(users["merchant_a"], enterprise_a, account_number="6222000011112222333")
    assert SettlementAccount.objects.get(pk=active.pk).status == S.ACTIVE  # until the new one is approved
    svc.settlement_account_verify(actor=second_manager, account=new)
    assert SettlementAccount.objects.get(pk=active.pk).status == S.ACTIVE
    svc.settlement_account_approve(actor=manager, account=new)
    assert SettlementAccount.objects.get(pk=new.pk).status == S.ACTIVE
    assert SettlementAccount.objects.get(pk=active.pk).status == S.REPLACED
    assert SettlementAccount.objects.filter(merchant=enterprise_a, status=S.ACTIVE).count() == 1
    assert settlement_account_active(enterprise_a).pk == new.pk
    replaced = AuditEvent.objects.get(action="settlement_account.replaced", target_id=str(active.pk))
    assert replaced.data["replaced_by"] == new.pk and replaced.after == {"status": "replaced"}
    approved = AuditEvent.objects.get(action="settlement_account.approved", target_id=str(new.pk))
    assert approved.data["replaces"] == [active.pk]


# --- rejection and open requests -----------------------------------------------------------------

@pytest.mark.parametrize("reason", ["", "   ", "no"])
def test_rejecting_needs_a_reason(manager, pending, reason):
    with pytest.raises(DomainError):
        svc.settlement_account_reject(actor=manager, account=pending, reason=reason)
    assert SettlementAccount.objects.get(pk=pending.pk).status == S.PENDING


def test_a_rejection_is_recorded_with_its_reason_and_shown_to_the_merchant(clients, users, pending):
    client = clients[roles.OPERATIONS_MANAGER]
    client.post(reverse("ops:settlement-reject", kwargs={"pk": pending.pk}), {"reason": ""})
    assert SettlementAccount.objects.get(pk=pending.pk).status == S.PENDING
    client.post(reverse("ops:settlement-reject", kwargs={"pk": pending.pk}), {"reason": "Proof shows another bank"})
    stored = SettlementAccount.objects.get(pk=pending.pk)
    assert stored.status == S.REJECTED and stored.rejection_reason == "Proof shows another bank"
    event = AuditEvent.objects.get(action="settlement_account.rejected", target_id=str(pending.pk))
    assert event.data["reason"] == "Proof shows another bank" and event.actor == users[roles.OPERATIONS_MANAGER]
    assert Notification.objects.filter(recipient=users["merchant_a"], kind="settlement_account.rejected").exists()
    assert "Proof shows another bank" in clients["merchant_a"].get(reverse("portal:settlement-list")).content.decode()


def test_a_verified_account_can_still_be_rejected(manager, second_manager, verified):
    svc.settlement_account_reject(actor=second_manager, account=verified, reason="Name on proof differs")
    assert SettlementAccount.objects.get(pk=verified.pk).status == S.REJECTED


@pytest.mark.parametrize("open_status", [S.PENDING, S.VERIFIED])
def test_a_second_request_is_refused_while_one_is_open(users, manager, enterprise_a, open_status):
    first = request(users["merchant_a"], enterprise_a)
    if open_status == S.VERIFIED:
        svc.settlement_account_verify(actor=manager, account=first)
    with pytest.raises(DomainError):
        request(users["merchant_a"], enterprise_a, account_number="6222000011112222333")
    assert SettlementAccount.objects.filter(merchant=enterprise_a).count() == 1
    svc.settlement_account_reject(actor=manager, account=first, reason="Wrong branch")
    assert request(users["merchant_a"], enterprise_a, account_number="6222000011112222333").status == S.PENDING


@pytest.mark.parametrize("status", ["rejected", "terminated"])
def test_no_account_can_be_added_to_a_closed_merchant(users, merchant_a, status):
    merchant = set_merchant(merchant_a, status=status)
    with pytest.raises(DomainError):
        request(users["merchant_a"], merchant)
    assert not SettlementAccount.objects.exists()


# --- on behalf, roles ----------------------------------------------------------------------------

def test_a_reviewer_enters_an_account_on_behalf_and_becomes_a_staff_editor(clients, users, enterprise_a):
    reviewer = users[roles.ONBOARDING_REVIEWER]
    response = clients[roles.ONBOARDING_REVIEWER].post(
        reverse("ops:settlement-request", kwargs={"merchant_pk": enterprise_a.pk}),
        {"kind": "corporate", "account_name": enterprise_a.legal_name, "bank_name": "ICBC",
         "account_number": CORPORATE_NUMBER})
    assert response.status_code == 302 and response["Location"] == reverse("ops:settlement-queue")
    account = SettlementAccount.objects.get(merchant=enterprise_a)
    assert account.requested_by == reviewer
    assert reviewer.pk in Merchant.objects.get(pk=enterprise_a.pk).staff_editor_ids
    assert AuditEvent.objects.get(action="settlement_account.requested").data == {"on_behalf": True}


@pytest.mark.parametrize("who", [roles.CUSTOMER_SERVICE, roles.FIELD_ENGINEER, roles.RISK_ANALYST, "merchant_a",
                                 "auditor"])
def test_only_settlement_approvers_verify_approve_or_reject(users, pending, who):
    for call in (lambda: svc.settlement_account_verify(actor=users[who], account=pending),
                 lambda: svc.settlement_account_approve(actor=users[who], account=pending),
                 lambda: svc.settlement_account_reject(actor=users[who], account=pending, reason="not mine to do")):
        with pytest.raises(NotPermitted):
            call()
    assert SettlementAccount.objects.get(pk=pending.pk).status == S.PENDING
    assert actions(pending) == ["settlement_account.requested"]


@pytest.mark.parametrize("who", [roles.CUSTOMER_SERVICE, "merchant_a", "merchant_b", "auditor"])
def test_the_queue_actions_are_refused_to_other_actors(clients, pending, who):
    for name in ("ops:settlement-verify", "ops:settlement-approve", "ops:settlement-reject"):
        response = clients[who].post(reverse(name, kwargs={"pk": pending.pk}), {"reason": "some reason"})
        assert response.status_code == 403, name
    assert SettlementAccount.objects.get(pk=pending.pk).status == S.PENDING


def test_a_staff_member_without_review_rights_cannot_enter_an_account(users, enterprise_a):
    with pytest.raises(NotPermitted):
        request(users[roles.CUSTOMER_SERVICE], enterprise_a)
    assert not SettlementAccount.objects.exists()


# --- tenants -------------------------------------------------------------------------------------

def test_merchant_b_cannot_see_or_add_merchant_a_accounts(users, clients, active, enterprise_a, merchant_b):
    merchant_b_user = users["merchant_b"]
    with pytest.raises(Http404):
        settlement_account_get(actor=merchant_b_user, pk=active.pk)
    assert not settlement_account_list(actor=merchant_b_user, merchant=enterprise_a).exists()
    assert list(settlement_account_list(actor=users["merchant_a"], merchant=enterprise_a)) == [active]
    for page_url in (reverse("portal:settlement-list"), reverse("portal:home")):
        page = clients["merchant_b"].get(page_url).content.decode()
        assert active.account_number_masked not in page and f'data-account="{active.pk}"' not in page
    assert clients["merchant_b"].get(reverse("ops:settlement-queue")).status_code == 403
    with pytest.raises(NotPermitted):
        request(merchant_b_user, enterprise_a, account_number="6222000011112222333")
    assert SettlementAccount.objects.filter(merchant=enterprise_a).count() == 1


def test_a_merchant_request_is_always_for_its_own_merchant(clients, users, enterprise_a, merchant_b):
    set_merchant(merchant_b, legal_name="Merchant B Trading Co., Ltd.")
    clients["merchant_b"].post(reverse("portal:settlement-request"), {
        "kind": "corporate", "account_name": "Merchant B Trading Co., Ltd.", "bank_name": "ICBC",
        "account_number": CORPORATE_NUMBER, "merchant": enterprise_a.pk})
    assert SettlementAccount.objects.get().merchant_id == merchant_b.pk


# --- the transition table, both ways -------------------------------------------------------------

@pytest.mark.parametrize(("source", "target"), [(s, t) for s in SETTLEMENT_MOVES for t in S.values])
def test_every_settlement_transition_is_allowed_or_refused_as_the_table_says(db, source, target):
    account = SettlementAccount.objects.create(merchant=make_merchant(), kind="corporate", account_name="T",
                                               bank_name="B", account_number=CORPORATE_NUMBER,
                                               account_number_hash=keyed_hash(CORPORATE_NUMBER),
                                               account_number_masked=mask(CORPORATE_NUMBER), status=source)
    if target in SETTLEMENT_MOVES[source]:
        advance(account, to=target, moves=SETTLEMENT_MOVES, actor=None, action="settlement_account.verified")
        assert SettlementAccount.objects.get(pk=account.pk).status == target
        assert AuditEvent.objects.filter(action="settlement_account.verified", before={"status": source},
                                         after={"status": target}).exists()
    else:
        with pytest.raises(TransitionNotAllowed):
            advance(account, to=target, moves=SETTLEMENT_MOVES, actor=None, action="settlement_account.verified")
        assert SettlementAccount.objects.get(pk=account.pk).status == source
        assert not AuditEvent.objects.filter(action="settlement_account.verified").exists()


def test_every_settlement_status_has_a_row_in_the_table():
    assert set(SETTLEMENT_MOVES) == set(S.values)


SERVICES = {"verify": (S.VERIFIED, "settlement_account.verified"),
            "approve": (S.ACTIVE, "settlement_account.approved"),
            "reject": (S.REJECTED, "settlement_account.rejected")}


@pytest.mark.parametrize(("service", "source"), [(s, f) for s in SERVICES for f in S.values])
def test_each_settlement_service_moves_only_from_the_statuses_the_table_allows(
        users, manager, second_manager, pending, service, source):
    SettlementAccount.objects.filter(pk=pending.pk).update(status=source, verified_by=second_manager)
    account = SettlementAccount.objects.get(pk=pending.pk)
    target, action = SERVICES[service]
    before = AuditEvent.objects.count()
    if service == "verify":
        def call():
            return svc.settlement_account_verify(actor=manager, account=account)
    elif service == "approve":
        def call():
            return svc.settlement_account_approve(actor=manager, account=account)
    else:
        def call():
            return svc.settlement_account_reject(actor=manager, account=account, reason="Not in order")
    if target in SETTLEMENT_MOVES[source]:
        call()
        assert SettlementAccount.objects.get(pk=pending.pk).status == target
        assert actions(pending)[-1] == action
    else:
        with pytest.raises(TransitionNotAllowed):
            call()
        assert SettlementAccount.objects.get(pk=pending.pk).status == source
        assert AuditEvent.objects.count() == before


def test_every_settlement_move_is_audited_with_who_and_what(users, manager, second_manager, active, enterprise_a):
    rejected = request(users["merchant_a"], enterprise_a, account_number="6222000011112222333")
    svc.settlement_account_reject(actor=manager, account=rejected, reason="Unreadable proof")
    new = request(users["merchant_a"], enterprise_a, account_number="6222000011112222444")
    svc.settlement_account_verify(actor=manager, account=new)
    svc.settlement_account_approve(actor=second_manager, account=new)
    expected = [
        (active, "settlement_account.requested", users["merchant_a"]),
        (active, "settlement_account.verified", manager),
        (active, "settlement_account.approved", second_manager),
        (rejected, "settlement_account.requested", users["merchant_a"]),
        (rejected, "settlement_account.rejected", manager),
        (new, "settlement_account.requested", users["merchant_a"]),
        (new, "settlement_account.verified", manager),
        (active, "settlement_account.replaced", second_manager),
        (new, "settlement_account.approved", second_manager),
    ]
    events = list(AuditEvent.objects.filter(action__startswith="settlement_account.").order_by("id"))
    assert [(e.target_id, e.action, e.actor_id) for e in events] == [
        (str(account.pk), action, actor.pk) for account, action, actor in expected]
    assert all(e.merchant_id == enterprise_a.pk for e in events)
    moves = [e for e in events if e.action != "settlement_account.requested"]
    assert all(e.before and e.after and e.data.get("account_number", "").count("*") > 0 for e in moves)


# --- pages ---------------------------------------------------------------------------------------

def test_the_ops_settlement_queue_keeps_a_constant_number_of_queries(users, clients, manager,
                                                                     django_assert_max_num_queries):
    client = clients[roles.OPERATIONS_MANAGER]
    queue = reverse("ops:settlement-queue")

    def add(count):
        for _n in range(count):
            merchant = set_merchant(make_merchant(), merchant_type="micro")
            account = request(users[roles.ONBOARDING_REVIEWER], merchant)
            if _n % 2:
                svc.settlement_account_verify(actor=manager, account=account)

    add(2)
    client.get(queue)  # warm caches (session, permissions)
    with CaptureQueriesContext(connection) as few:
        assert client.get(queue).status_code == 200
    baseline = len(few)
    add(8)
    with django_assert_max_num_queries(baseline):
        page = client.get(queue).content.decode()
    assert page.count("data-account=") == 10 and page.count('data-status="verified"') == 5


def test_the_queue_lists_only_open_requests_oldest_first(users, manager, second_manager, active, enterprise_a,
                                                         clients):
    other = set_merchant(make_merchant(), merchant_type="micro")
    waiting = request(users[roles.ONBOARDING_REVIEWER], other)
    response = clients[roles.OPERATIONS_MANAGER].get(reverse("ops:settlement-queue"))
    assert [a.pk for a in response.context["accounts"]] == [waiting.pk]
    assert response.context["can_decide"] is True
    read_only = clients[roles.COMPLIANCE_OFFICER].get(reverse("ops:settlement-queue"))
    assert read_only.status_code == 200 and read_only.context["can_decide"] is False
    assert reverse("ops:settlement-verify", kwargs={"pk": waiting.pk}) not in read_only.content.decode()


def test_a_refused_request_in_the_portal_keeps_the_language_of_the_page(clients, enterprise_a):
    response = clients["merchant_a"].post(reverse("portal:settlement-request"), {
        "kind": "personal", "account_name": OWNER, "bank_name": "ICBC", "account_number": make_card_number()})
    assert response.status_code == 200 and not SettlementAccount.objects.exists()
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        start = gettext("An enterprise must settle to a corporate account in its own name, not to a "
                        "personal account: expected a corporate account named “%(name)s”.")
    assert response.context["form"].non_field_errors() == [start % {"name": enterprise_a.legal_name}]
