"""Contracts: drafting with a fee schedule for every channel, offer (exact text + SHA-256), acceptance by the
merchant in the portal, countersignature, amendment, termination, withdrawal, PDF downloads, renewal
reminders; every move follows ``CONTRACT_MOVES``, is audited, and a refusal changes nothing."""

import hashlib
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from acquirer import roles
from acquirer.exceptions import DomainError, NotPermitted, TransitionNotAllowed
from acquirer.models import AuditEvent, Notification
from acquirer.workflow import advance
from merchants.contract_pdf import contract_pdf
from merchants.forms.contracts import ContractAcceptForm, ContractForm
from merchants.models import Contract, ContractFee, Merchant
from merchants.selectors.contracts import contract_get, contract_in_force, contract_list
from merchants.services import contracts as svc
from merchants.workflow import CONTRACT_MOVES
from tests.factories import make_merchant, make_merchant_user, make_user
from tests.merchants.kyc_data import make_uscc

C = Contract.Status
CHANNELS = ["debit", "credit", "unionpay_qr", "contactless", "other_qr"]
RATES = {"debit": ("0.5000", "20.00"), "credit": ("0.6000", None), "unionpay_qr": ("0.3825", None),
         "contactless": ("0.5500", "25.00"), "other_qr": ("0.3800", None)}
SHA = re.compile(r'name="sha256" value="([0-9a-f]{64})"')


def fee_schedule(**changes) -> list[dict]:
    """A valid fee schedule for all 5 channels; ``changes`` replace a channel's entry (None drops it)."""
    fees = {channel: {"channel": channel, "rate_percent": Decimal(rate), "cap": Decimal(cap) if cap else None}
            for channel, (rate, cap) in RATES.items()}
    for channel, fee in changes.items():
        if fee is None:
            fees.pop(channel)
        else:
            fees[channel] = {"channel": channel, **fee}
    return list(fees.values())


def terms(**changes) -> dict:
    today = timezone.localdate()
    values = {"fees": fee_schedule(), "deposit": Decimal("500.00"), "monthly_rent": Decimal("30.00"),
              "settlement_cycle": "T+1", "settlement_method": "auto", "start_date": today,
              "end_date": today + timedelta(days=730)}
    values.update(changes)
    return values


def form_data(**changes) -> dict:
    """The ops contract form, filled in like a person would."""
    today = timezone.localdate()
    data = {"deposit": "500.00", "monthly_rent": "30.00", "settlement_cycle": "T+1", "settlement_method": "auto",
            "start_date": today.isoformat(), "end_date": (today + timedelta(days=730)).isoformat()}
    for channel, (rate, cap) in RATES.items():
        data[f"rate_{channel}"] = rate
        data[f"cap_{channel}"] = cap or ""
    data.update(changes)
    return data


def set_merchant(merchant, status="approved", **fields):
    values = {"status": status, "merchant_type": "enterprise", "legal_rep_name": "张三", "uscc": make_uscc(),
              "address": "上海市黄浦区中山东一路1号", **fields}
    Merchant.objects.filter(pk=merchant.pk).update(**values)
    merchant.refresh_from_db()
    return merchant


def shown_errors(response) -> list[str]:
    """The error messages of a rendered page (checked to be on the page itself)."""
    found = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    page = response.content.decode()
    assert all(escape(message) in page for message in found), found
    return found


def actions(contract) -> list[str]:
    return list(AuditEvent.objects.filter(target_type="merchants.contract", target_id=str(contract.pk))
                .order_by("id").values_list("action", flat=True))


@pytest.fixture
def manager(users):
    return users[roles.OPERATIONS_MANAGER]


@pytest.fixture
def approved_a(users, merchant_a):
    return set_merchant(merchant_a, mid="898290058120001")


@pytest.fixture
def draft(manager, approved_a):
    return svc.contract_draft(actor=manager, merchant=approved_a, **terms())


@pytest.fixture
def offered(manager, draft):
    return svc.contract_offer(actor=manager, contract=draft)


@pytest.fixture
def accepted(users, offered):
    return svc.contract_accept(actor=users["merchant_a"], contract=offered, sha256=offered.text_sha256,
                               ip="198.51.100.4")


@pytest.fixture
def active(manager, accepted):
    return svc.contract_countersign(actor=manager, contract=accepted)


def url(name, contract):
    return reverse(name, kwargs={"pk": contract.pk})


# --- the transition table, both ways -------------------------------------------------------------

@pytest.mark.parametrize(("source", "target"), [(s, t) for s in CONTRACT_MOVES for t in C.values])
def test_every_contract_transition_is_allowed_or_refused_as_the_table_says(db, source, target):
    merchant = make_merchant()
    today = timezone.localdate()
    contract = Contract.objects.create(merchant=merchant, version=1, status=source, start_date=today,
                                       end_date=today + timedelta(days=365))
    if target in CONTRACT_MOVES[source]:
        advance(contract, to=target, moves=CONTRACT_MOVES, actor=None, action="contract.amended")
        assert Contract.objects.get(pk=contract.pk).status == target
        assert AuditEvent.objects.filter(action="contract.amended", target_id=str(contract.pk),
                                         before={"status": source}, after={"status": target}).exists()
    else:
        with pytest.raises(TransitionNotAllowed):
            advance(contract, to=target, moves=CONTRACT_MOVES, actor=None, action="contract.amended")
        assert Contract.objects.get(pk=contract.pk).status == source
        assert not AuditEvent.objects.filter(action="contract.amended").exists()


def test_every_contract_status_has_a_row_in_the_table():
    assert set(CONTRACT_MOVES) == set(C.values)


def _call(service, contract, users):
    manager = users[roles.OPERATIONS_MANAGER]
    if service == "offer":
        return svc.contract_offer(actor=manager, contract=contract)
    if service == "accept":
        return svc.contract_accept(actor=users["merchant_a"], contract=contract, sha256=contract.text_sha256,
                                   ip="198.51.100.4")
    if service == "countersign":
        return svc.contract_countersign(actor=manager, contract=contract)
    if service == "terminate":
        return svc.contract_terminate(actor=manager, contract=contract, reason="Merchant closed the shop")
    return svc.contract_withdraw(actor=manager, contract=contract, reason="Terms renegotiated")


SERVICE_TARGET = {"offer": C.OFFERED, "accept": C.ACCEPTED, "countersign": C.ACTIVE, "terminate": C.TERMINATED,
                  "withdraw": C.WITHDRAWN}
SERVICE_ACTION = {"offer": "contract.offered", "accept": "contract.accepted", "countersign": "contract.countersigned",
                  "terminate": "contract.terminated", "withdraw": "contract.withdrawn"}


@pytest.mark.parametrize(("service", "source"), [(s, f) for s in SERVICE_TARGET for f in C.values])
def test_each_contract_service_moves_only_from_the_statuses_the_table_allows(users, draft, service, source):
    text = svc.contract_text(draft)
    sha = svc.text_sha256(text)
    Contract.objects.filter(pk=draft.pk).update(status=source, text=text, text_sha256=sha, accepted_sha256=sha)
    contract = Contract.objects.get(pk=draft.pk)
    target = SERVICE_TARGET[service]
    before = AuditEvent.objects.count()
    if target in CONTRACT_MOVES[source]:
        _call(service, contract, users)
        assert Contract.objects.get(pk=draft.pk).status == target
        assert actions(contract)[-1] == SERVICE_ACTION[service]
    else:
        with pytest.raises(TransitionNotAllowed):
            _call(service, contract, users)
        assert Contract.objects.get(pk=draft.pk).status == source
        assert AuditEvent.objects.count() == before


# --- drafting ------------------------------------------------------------------------------------

def test_a_contract_is_drafted_with_a_fee_for_every_channel_and_audited(manager, approved_a):
    contract = svc.contract_draft(actor=manager, merchant=approved_a, **terms())
    assert contract.status == C.DRAFT and contract.version == 1 and contract.currency == "CNY"
    assert contract.text == "" and contract.text_sha256 == ""
    fees = {fee.channel: fee for fee in contract.fees.all()}
    assert sorted(fees) == sorted(CHANNELS)
    assert fees["unionpay_qr"].rate_percent == Decimal("0.3825") and fees["debit"].cap == Decimal("20.00")
    event = AuditEvent.objects.get(action="contract.drafted", target_id=str(contract.pk))
    assert event.actor == manager and event.merchant_id == approved_a.pk
    assert event.after["version"] == 1 and len(event.after["fees"]) == 5


@pytest.mark.parametrize("status", ["draft", "submitted", "under_review", "rejected", "terminated"])
def test_drafting_is_refused_for_a_merchant_that_has_not_passed_review(manager, merchant_a, status):
    set_merchant(merchant_a, status=status)
    with pytest.raises(DomainError):
        svc.contract_draft(actor=manager, merchant=merchant_a, **terms())
    assert not Contract.objects.exists() and not ContractFee.objects.exists()
    assert not AuditEvent.objects.filter(action="contract.drafted").exists()


@pytest.mark.parametrize("status", ["approved", "active", "suspended"])
def test_drafting_is_allowed_for_an_approved_active_or_suspended_merchant(manager, merchant_a, status):
    set_merchant(merchant_a, status=status)
    assert svc.contract_draft(actor=manager, merchant=merchant_a, **terms()).status == C.DRAFT


BAD_TERMS = {
    "missing_channel": {"fees": fee_schedule(other_qr=None)},
    "duplicate_channel": {"fees": [*fee_schedule(), {"channel": "debit", "rate_percent": Decimal("0.5"),
                                                     "cap": None}]},
    "unknown_channel": {"fees": [*fee_schedule(), {"channel": "alipay", "rate_percent": Decimal("0.5"),
                                                   "cap": None}]},
    "rate_of_10_percent": {"fees": fee_schedule(credit={"rate_percent": Decimal("10"), "cap": None})},
    "rate_above_10_percent": {"fees": fee_schedule(credit={"rate_percent": Decimal("12.5"), "cap": None})},
    "negative_rate": {"fees": fee_schedule(credit={"rate_percent": Decimal("-0.1"), "cap": None})},
    "rate_with_5_decimals": {"fees": fee_schedule(credit={"rate_percent": Decimal("0.12345"), "cap": None})},
    "float_rate": {"fees": fee_schedule(credit={"rate_percent": 0.6, "cap": None})},
    "negative_cap": {"fees": fee_schedule(debit={"rate_percent": Decimal("0.5"), "cap": Decimal("-1.00")})},
    "negative_deposit": {"deposit": Decimal("-0.01")},
    "negative_rent": {"monthly_rent": Decimal("-30.00")},
    "rent_in_thousandths": {"monthly_rent": Decimal("30.001")},
    "end_before_start": {"end_date": timezone.localdate() - timedelta(days=1)},
    "end_on_start": {"end_date": timezone.localdate()},
    "unknown_cycle": {"settlement_cycle": "T+7"},
    "unknown_method": {"settlement_method": "cash"},
}


@pytest.mark.parametrize("case", list(BAD_TERMS))
def test_drafting_with_bad_terms_is_refused_and_nothing_is_saved(manager, approved_a, case):
    with pytest.raises(DomainError):
        svc.contract_draft(actor=manager, merchant=approved_a, **terms(**BAD_TERMS[case]))
    assert not Contract.objects.exists() and not ContractFee.objects.exists()
    assert not AuditEvent.objects.filter(action="contract.drafted").exists()


def test_a_missing_channel_is_named_in_the_refusal(manager, approved_a):
    with translation.override("en"), pytest.raises(DomainError, match="no rate for: Other QR"):
        svc.contract_draft(actor=manager, merchant=approved_a, **terms(fees=fee_schedule(other_qr=None)))


@pytest.mark.parametrize("role", [roles.CUSTOMER_SERVICE, roles.ONBOARDING_REVIEWER, "merchant_a", "auditor"])
def test_only_contract_managers_may_draft(users, approved_a, role):
    with pytest.raises(NotPermitted):
        svc.contract_draft(actor=users[role], merchant=approved_a, **terms())
    assert not Contract.objects.exists()


def test_ops_drafts_a_contract_through_the_form(clients, approved_a):
    response = clients[roles.OPERATIONS_MANAGER].post(
        reverse("ops:contract-create", kwargs={"merchant_pk": approved_a.pk}), form_data())
    contract = Contract.objects.get(merchant=approved_a)
    assert response.status_code == 302 and response["Location"] == url("ops:contract-detail", contract)
    assert contract.fees.count() == 5 and contract.deposit == Decimal("500.00")


@pytest.mark.parametrize("changes", [{"rate_credit": "10"}, {"rate_debit": "-1"}, {"deposit": "-5.00"},
                                     {"cap_debit": "-2.00"}, {"rate_other_qr": ""},
                                     {"end_date": (timezone.localdate() - timedelta(days=3)).isoformat()}])
def test_the_contract_form_refuses_bad_terms_and_nothing_is_saved(clients, approved_a, changes):
    response = clients[roles.OPERATIONS_MANAGER].post(
        reverse("ops:contract-create", kwargs={"merchant_pk": approved_a.pk}), form_data(**changes))
    assert response.status_code == 200 and response.context["form"].errors
    assert not Contract.objects.exists()


@pytest.mark.parametrize(("language", "message"), [("en", "A rate must be below 10 %."),
                                                  ("zh-hans", "扣率须低于 10%。")])
def test_a_rate_of_10_percent_is_refused_by_the_form_with_a_readable_message(language, message):
    with translation.override(language):
        form = ContractForm(data=form_data(rate_credit="10.0000"))
        assert not form.is_valid()
        assert form.errors["rate_credit"] == [message]
    assert ContractForm(data=form_data(rate_credit="9.9999")).is_valid()


def test_the_contract_form_shows_the_refusal_for_a_merchant_under_review(clients, merchant_a):
    set_merchant(merchant_a, status="submitted")
    response = clients[roles.OPERATIONS_MANAGER].post(
        reverse("ops:contract-create", kwargs={"merchant_pk": merchant_a.pk}), form_data())
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert not Contract.objects.exists()


def test_contract_form_defaults_and_amendment_initial_values(active):
    fresh = ContractForm.initial_for(today=timezone.localdate())
    assert fresh["end_date"] - fresh["start_date"] == timedelta(days=730)
    assert all(f"rate_{channel}" in fresh for channel in CHANNELS)
    amend = ContractForm.initial_for(active)
    assert amend["rate_unionpay_qr"] == Decimal("0.3825") and amend["deposit"] == Decimal("500.00")
    form = ContractForm(data=form_data())
    assert form.is_valid(), form.errors
    assert [fee["channel"] for fee in form.terms()["fees"]] == CHANNELS


# --- offer ---------------------------------------------------------------------------------------

def test_offering_fixes_the_exact_text_and_its_sha256(manager, draft, users):
    contract = svc.contract_offer(actor=manager, contract=draft)
    stored = Contract.objects.get(pk=draft.pk)
    assert stored.status == C.OFFERED
    assert stored.text and stored.text_sha256 == hashlib.sha256(stored.text.encode("utf-8")).hexdigest()
    assert contract.text_sha256 == stored.text_sha256
    assert stored.merchant.legal_name in stored.text and "898290058120001" in stored.text
    assert "0.3825%" in stored.text and "0.50%" in stored.text and "20.00 CNY" in stored.text
    event = AuditEvent.objects.get(action="contract.offered", target_id=str(draft.pk))
    assert event.data["sha256"] == stored.text_sha256 and event.after == {"status": "offered"}
    assert Notification.objects.filter(recipient=users["merchant_a"], kind="contract.offered").exists()


def test_the_offered_text_does_not_change_when_the_merchant_changes_later(offered):
    Merchant.objects.filter(pk=offered.merchant_id).update(address="北京市朝阳区2号")
    stored = Contract.objects.get(pk=offered.pk)
    assert "北京市朝阳区2号" not in stored.text
    assert svc.text_sha256(stored.text) == stored.text_sha256


def test_a_draft_has_no_text_and_merchants_cannot_see_it(clients, users, draft):
    assert clients["merchant_a"].get(url("portal:contract-detail", draft)).status_code == 404
    assert clients["merchant_a"].get(url("portal:contract-pdf", draft)).status_code == 404
    assert draft not in contract_list(actor=users["merchant_a"], merchant=draft.merchant)
    assert clients[roles.OPERATIONS_MANAGER].get(url("ops:contract-detail", draft)).status_code == 200


# --- acceptance ----------------------------------------------------------------------------------

def test_the_merchant_accepts_in_the_portal_posting_the_sha256_shown(clients, users, offered):
    client = clients["merchant_a"]
    page = client.get(url("portal:contract-detail", offered)).content.decode()
    shown = SHA.search(page).group(1)
    assert shown == offered.text_sha256 and 'id="contract-text"' in page
    response = client.post(url("portal:contract-accept", offered), {"sha256": shown, "accept": "on"},
                           REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 302 and response["Location"] == url("portal:contract-detail", offered)
    contract = Contract.objects.get(pk=offered.pk)
    assert contract.status == C.ACCEPTED and contract.accepted_by == users["merchant_a"]
    assert contract.accepted_ip == "203.0.113.7" and contract.accepted_sha256 == offered.text_sha256
    assert abs(timezone.now() - contract.accepted_at) < timedelta(minutes=1)
    event = AuditEvent.objects.get(action="contract.accepted", target_id=str(offered.pk))
    assert event.actor == users["merchant_a"] and event.merchant_id == offered.merchant_id
    assert event.data["sha256"] == offered.text_sha256 and event.data["ip"] == "203.0.113.7"
    assert event.data["user"] == "merchanta" and event.data["at"] == contract.accepted_at.isoformat()
    assert event.ip == "203.0.113.7"
    assert Notification.objects.filter(recipient=users[roles.OPERATIONS_MANAGER], kind="contract.accepted").exists()
    after = client.get(url("portal:contract-detail", offered)).content.decode()
    assert "contract-accept-form" not in after and "203.0.113.7" in after


@pytest.mark.parametrize("posted", ["0" * 64, "f" * 64])
def test_a_wrong_sha256_is_refused_and_the_contract_stays_offered(clients, offered, posted):
    response = clients["merchant_a"].post(url("portal:contract-accept", offered), {"sha256": posted, "accept": "on"})
    assert response.status_code == 200
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        expected = gettext("The contract text changed since you opened it: please read it again before accepting.")
    assert shown_errors(response) == [expected]
    contract = Contract.objects.get(pk=offered.pk)
    assert contract.status == C.OFFERED and contract.accepted_at is None and contract.accepted_sha256 == ""
    assert not AuditEvent.objects.filter(action="contract.accepted").exists()


def test_a_stale_sha256_is_refused_after_the_text_changed(clients, offered):
    client = clients["merchant_a"]
    shown = SHA.search(client.get(url("portal:contract-detail", offered)).content.decode()).group(1)
    new_text = offered.text + "附加条款 / Additional clause.\n"
    Contract.objects.filter(pk=offered.pk).update(text=new_text, text_sha256=svc.text_sha256(new_text))
    response = client.post(url("portal:contract-accept", offered), {"sha256": shown, "accept": "on"})
    assert response.status_code == 200
    contract = Contract.objects.get(pk=offered.pk)
    assert contract.status == C.OFFERED and contract.accepted_by is None
    # the page now shows the new fingerprint; accepting that one goes through
    fresh = SHA.search(response.content.decode()).group(1)
    assert fresh == svc.text_sha256(new_text)
    client.post(url("portal:contract-accept", offered), {"sha256": fresh, "accept": "on"})
    contract = Contract.objects.get(pk=offered.pk)
    assert contract.status == C.ACCEPTED and contract.accepted_sha256 == fresh


def test_a_text_altered_behind_the_fingerprint_cannot_be_accepted(users, offered):
    Contract.objects.filter(pk=offered.pk).update(text=offered.text.replace("0.3825%", "0.0100%"))
    with pytest.raises(DomainError):
        svc.contract_accept(actor=users["merchant_a"], contract=offered, sha256=offered.text_sha256, ip=None)
    assert Contract.objects.get(pk=offered.pk).status == C.OFFERED


def test_accepting_without_ticking_the_box_is_refused(clients, offered):
    response = clients["merchant_a"].post(url("portal:contract-accept", offered), {"sha256": offered.text_sha256})
    assert response.status_code == 200 and "accept" in response.context["accept_form"].errors
    assert Contract.objects.get(pk=offered.pk).status == C.OFFERED


def test_the_accept_form_requires_a_well_formed_fingerprint():
    assert not ContractAcceptForm(data={"sha256": "not-a-hash", "accept": "on"}).is_valid()
    assert ContractAcceptForm(data={"sha256": "A" * 64, "accept": "on"}).is_valid()


@pytest.mark.parametrize("name", ["portal:contract-detail", "portal:contract-pdf", "portal:contract-accept"])
def test_merchant_b_gets_404_on_merchant_a_contract_like_a_missing_one(clients, offered, name):
    client = clients["merchant_b"]
    data = {"sha256": offered.text_sha256, "accept": "on"}

    def hit(pk):
        target = reverse(name, kwargs={"pk": pk})
        return client.post(target, data) if name == "portal:contract-accept" else client.get(target)

    assert hit(offered.pk).status_code == hit(999999).status_code == 404
    assert Contract.objects.get(pk=offered.pk).status == C.OFFERED
    assert not AuditEvent.objects.filter(action__in=["contract.accepted", "contract.downloaded"]).exists()


def test_merchant_b_does_not_see_merchant_a_contracts(users, clients, offered):
    with pytest.raises(Http404):
        contract_get(actor=users["merchant_b"], pk=offered.pk)
    assert not contract_list(actor=users["merchant_b"], merchant=offered.merchant).exists()
    page = clients["merchant_b"].get(reverse("portal:contract-list")).content.decode()
    assert f'data-contract="{offered.pk}"' not in page


@pytest.mark.parametrize("who", [roles.OPERATIONS_MANAGER, roles.ONBOARDING_REVIEWER, "merchant_b", "auditor"])
def test_only_a_user_of_the_merchant_can_accept_its_contract(users, offered, who):
    with pytest.raises(NotPermitted):
        svc.contract_accept(actor=users[who], contract=offered, sha256=offered.text_sha256, ip="198.51.100.4")
    assert Contract.objects.get(pk=offered.pk).status == C.OFFERED


def test_a_staff_member_of_the_merchant_can_accept_too(offered, approved_a):
    clerk = make_merchant_user(approved_a, role="staff", username="clerka")
    contract = svc.contract_accept(actor=clerk, contract=offered, sha256=offered.text_sha256, ip="2001:db8::1")
    assert contract.status == C.ACCEPTED and Contract.objects.get(pk=offered.pk).accepted_by == clerk


def test_a_contract_is_accepted_only_once(users, accepted):
    with pytest.raises(TransitionNotAllowed):
        svc.contract_accept(actor=users["merchant_a"], contract=accepted, sha256=accepted.text_sha256, ip=None)
    assert AuditEvent.objects.filter(action="contract.accepted").count() == 1


def test_an_invalid_ip_is_stored_as_unknown(users, offered):
    contract = svc.contract_accept(actor=users["merchant_a"], contract=offered, sha256=offered.text_sha256.upper(),
                                   ip="not an ip")
    stored = Contract.objects.get(pk=offered.pk)
    assert contract.status == C.ACCEPTED and stored.accepted_ip is None
    assert stored.accepted_sha256 == offered.text_sha256


# --- countersignature ----------------------------------------------------------------------------

def test_countersigning_puts_the_accepted_contract_in_force(clients, users, accepted):
    response = clients[roles.OPERATIONS_MANAGER].post(url("ops:contract-countersign", accepted))
    assert response.status_code == 302
    contract = Contract.objects.get(pk=accepted.pk)
    assert contract.status == C.ACTIVE and contract.countersigned_by == users[roles.OPERATIONS_MANAGER]
    assert contract.countersigned_at is not None
    assert contract_in_force(contract.merchant) == contract
    assert actions(contract)[-1] == "contract.countersigned"
    assert Notification.objects.filter(recipient=users["merchant_a"], kind="contract.countersigned").exists()


def test_an_offer_not_yet_accepted_cannot_be_countersigned(clients, offered):
    response = clients[roles.OPERATIONS_MANAGER].post(url("ops:contract-countersign", offered), follow=True)
    assert response.status_code == 200 and shown_errors(response)
    assert Contract.objects.get(pk=offered.pk).status == C.OFFERED


def test_a_contract_is_not_put_in_force_if_the_accepted_text_differs(manager, accepted):
    Contract.objects.filter(pk=accepted.pk).update(accepted_sha256="0" * 64)
    with pytest.raises(DomainError):
        svc.contract_countersign(actor=manager, contract=accepted)
    assert Contract.objects.get(pk=accepted.pk).status == C.ACCEPTED


def test_a_contract_is_not_put_in_force_for_a_terminated_merchant(manager, accepted):
    Merchant.objects.filter(pk=accepted.merchant_id).update(status="terminated")
    with pytest.raises(DomainError):
        svc.contract_countersign(actor=manager, contract=accepted)
    assert Contract.objects.get(pk=accepted.pk).status == C.ACCEPTED


@pytest.mark.parametrize("role", [roles.CUSTOMER_SERVICE, roles.COMPLIANCE_OFFICER, roles.RISK_ANALYST])
def test_roles_without_contract_management_cannot_offer_or_countersign(clients, users, accepted, role):
    assert clients[role].post(url("ops:contract-countersign", accepted)).status_code == 403
    with pytest.raises(NotPermitted):
        svc.contract_countersign(actor=users[role], contract=accepted)
    assert Contract.objects.get(pk=accepted.pk).status == C.ACCEPTED


# --- amendment -----------------------------------------------------------------------------------

def test_an_amendment_is_a_new_draft_version_and_the_old_one_stays_in_force_until_countersigned(
        clients, users, manager, active):
    ops, portal = clients[roles.OPERATIONS_MANAGER], clients["merchant_a"]
    response = ops.post(url("ops:contract-amend", active), form_data(rate_credit="0.5800", monthly_rent="25.00"))
    v2 = Contract.objects.get(merchant=active.merchant, version=2)
    assert response.status_code == 302 and response["Location"] == url("ops:contract-detail", v2)
    assert v2.status == C.DRAFT and v2.monthly_rent == Decimal("25.00")
    assert v2.fees.get(channel="credit").rate_percent == Decimal("0.5800")
    assert v2.fees.get(channel="unionpay_qr").rate_percent == Decimal("0.3825")
    event = AuditEvent.objects.get(action="contract.amended", target_id=str(v2.pk))
    assert event.data["amends"] == active.pk and event.data["amends_version"] == 1
    assert Contract.objects.get(pk=active.pk).status == C.ACTIVE
    assert contract_in_force(active.merchant).pk == active.pk

    svc.contract_offer(actor=manager, contract=v2)
    v2.refresh_from_db()
    assert "0.58%" in v2.text and v2.text_sha256 != active.text_sha256
    svc.contract_accept(actor=users["merchant_a"], contract=v2, sha256=v2.text_sha256, ip="198.51.100.9")
    assert Contract.objects.get(pk=active.pk).status == C.ACTIVE
    assert portal.get(url("portal:contract-detail", active)).status_code == 200

    svc.contract_countersign(actor=manager, contract=v2)
    assert Contract.objects.get(pk=v2.pk).status == C.ACTIVE
    old = Contract.objects.get(pk=active.pk)
    assert old.status == C.SUPERSEDED and old.text == active.text
    assert Contract.objects.filter(merchant=active.merchant, status=C.ACTIVE).count() == 1
    superseded = AuditEvent.objects.get(action="contract.superseded", target_id=str(active.pk))
    assert superseded.data["superseded_by"] == v2.pk
    page = portal.get(url("portal:contract-detail", active))
    assert page.status_code == 200 and 'data-status="superseded"' in page.content.decode()
    listing = portal.get(reverse("portal:contract-list")).content.decode()
    assert f'data-contract="{active.pk}"' in listing and f'data-contract="{v2.pk}"' in listing


def test_only_the_contract_in_force_can_be_amended(manager, offered):
    with pytest.raises(DomainError):
        svc.contract_amend(actor=manager, contract=offered, monthly_rent=Decimal("1.00"))
    assert Contract.objects.count() == 1


def test_an_amendment_of_unknown_terms_or_with_bad_fees_is_refused(manager, active):
    with pytest.raises(DomainError):
        svc.contract_amend(actor=manager, contract=active, merchant_id=99)
    with pytest.raises(DomainError):
        svc.contract_amend(actor=manager, contract=active,
                           fees=[{"channel": "credit", "rate_percent": Decimal("11"), "cap": None}])
    assert Contract.objects.count() == 1


# --- termination and withdrawal ------------------------------------------------------------------

@pytest.mark.parametrize("reason", ["", "  ", "no"])
def test_terminating_needs_a_reason(manager, active, reason):
    with pytest.raises(DomainError):
        svc.contract_terminate(actor=manager, contract=active, reason=reason)
    assert Contract.objects.get(pk=active.pk).status == C.ACTIVE


def test_terminating_records_the_reason(clients, users, active):
    ops = clients[roles.OPERATIONS_MANAGER]
    ops.post(url("ops:contract-terminate", active), {"reason": ""})
    assert Contract.objects.get(pk=active.pk).status == C.ACTIVE
    response = ops.post(url("ops:contract-terminate", active), {"reason": "Merchant ceased trading"})
    assert response.status_code == 302
    contract = Contract.objects.get(pk=active.pk)
    assert contract.status == C.TERMINATED and contract.termination_reason == "Merchant ceased trading"
    assert contract.terminated_at is not None and contract_in_force(contract.merchant) is None
    event = AuditEvent.objects.get(action="contract.terminated", target_id=str(active.pk))
    assert event.data["reason"] == "Merchant ceased trading"
    assert Notification.objects.filter(recipient=users["merchant_a"], kind="contract.terminated").exists()


@pytest.mark.parametrize("reason", ["", "x"])
def test_withdrawing_needs_a_reason(manager, offered, reason):
    with pytest.raises(DomainError):
        svc.contract_withdraw(actor=manager, contract=offered, reason=reason)
    assert Contract.objects.get(pk=offered.pk).status == C.OFFERED


def test_withdrawing_an_offer_records_the_reason_and_tells_the_merchant(clients, users, offered):
    ops = clients[roles.OPERATIONS_MANAGER]
    ops.post(url("ops:contract-withdraw", offered), {})
    assert Contract.objects.get(pk=offered.pk).status == C.OFFERED
    ops.post(url("ops:contract-withdraw", offered), {"reason": "Rates renegotiated"})
    assert Contract.objects.get(pk=offered.pk).status == C.WITHDRAWN
    assert AuditEvent.objects.get(action="contract.withdrawn").data["reason"] == "Rates renegotiated"
    assert Notification.objects.filter(recipient=users["merchant_a"], kind="contract.withdrawn").exists()
    # the merchant saw the text, so the withdrawn offer stays readable but cannot be accepted
    response = clients["merchant_a"].post(url("portal:contract-accept", offered),
                                          {"sha256": offered.text_sha256, "accept": "on"})
    assert response.status_code == 200 and Contract.objects.get(pk=offered.pk).status == C.WITHDRAWN


def test_a_contract_in_force_cannot_be_withdrawn(manager, active):
    with pytest.raises(TransitionNotAllowed):
        svc.contract_withdraw(actor=manager, contract=active, reason="Changed our mind")
    assert Contract.objects.get(pk=active.pk).status == C.ACTIVE


def test_ops_offers_through_the_page_and_a_second_offer_is_refused(clients, draft):
    ops = clients[roles.OPERATIONS_MANAGER]
    response = ops.post(url("ops:contract-offer", draft))
    assert response.status_code == 302 and response["Location"] == url("ops:contract-detail", draft)
    first = Contract.objects.get(pk=draft.pk)
    assert first.status == C.OFFERED and first.text_sha256
    again = ops.post(url("ops:contract-offer", draft), follow=True)
    assert again.status_code == 200 and shown_errors(again)
    assert Contract.objects.get(pk=draft.pk).text_sha256 == first.text_sha256
    assert actions(draft).count("contract.offered") == 1


def test_the_ops_page_offers_only_the_allowed_moves(clients, draft, manager):
    ops = clients[roles.OPERATIONS_MANAGER]
    page = ops.get(url("ops:contract-detail", draft)).content.decode()
    assert 'id="contract-offer"' in page and 'id="contract-countersign"' not in page
    assert reverse("ops:contract-withdraw", kwargs={"pk": draft.pk}) in page
    assert reverse("ops:contract-terminate", kwargs={"pk": draft.pk}) not in page
    read_only = clients[roles.CUSTOMER_SERVICE].get(url("ops:contract-detail", draft)).content.decode()
    assert 'id="contract-offer"' not in read_only


# --- PDF -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("who", "name"), [(roles.OPERATIONS_MANAGER, "ops:contract-pdf"),
                                           (roles.CUSTOMER_SERVICE, "ops:contract-pdf"),
                                           ("merchant_a", "portal:contract-pdf"),
                                           ("auditor", "audit:contract-pdf")])
def test_every_pdf_download_is_an_audited_attachment(clients, users, accepted, who, name):
    for count in (1, 2):
        response = clients[who].get(url(name, accepted))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == 'attachment; filename="contract-898290058120001-v1.pdf"'
        assert response.content.startswith(b"%PDF") and response["Cache-Control"] == "no-store"
        events = AuditEvent.objects.filter(action="contract.downloaded", target_id=str(accepted.pk))
        assert events.count() == count
    event = events.first()
    assert event.actor == users[who] and event.merchant_id == accepted.merchant_id
    assert event.data["sha256"] == accepted.text_sha256 and event.data["bytes"] == len(response.content)


def test_the_pdf_of_a_draft_can_be_read_by_ops(clients, draft):
    response = clients[roles.OPERATIONS_MANAGER].get(url("ops:contract-pdf", draft))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_the_pdf_is_built_for_a_draft_and_for_a_contract_in_force(manager, active):
    fresh = svc.contract_draft(actor=manager, merchant=active.merchant, **terms())
    for contract in (Contract.objects.get(pk=fresh.pk), Contract.objects.get(pk=active.pk)):
        content = contract_pdf(contract)
        assert content.startswith(b"%PDF") and content.rstrip().endswith(b"%%EOF")


# --- renewal reminders ---------------------------------------------------------------------------

def test_renewal_is_reminded_once_even_when_the_job_runs_twice(users, manager, active):
    today = timezone.localdate()
    Contract.objects.filter(pk=active.pk).update(start_date=today - timedelta(days=700),
                                                 end_date=today + timedelta(days=30))
    other = set_merchant(make_merchant(), status="active")
    far = svc.contract_draft(actor=manager, merchant=other, **terms())
    Contract.objects.filter(pk=far.pk).update(status=C.ACTIVE)
    assert svc.contracts_remind_renewal(today=today) == {"reminded": 1}
    assert svc.contracts_remind_renewal(today=today) == {"reminded": 0}
    assert Contract.objects.get(pk=active.pk).renewal_reminded_on == today
    assert Contract.objects.get(pk=far.pk).renewal_reminded_on is None
    assert AuditEvent.objects.filter(action="contract.renewal_reminded").count() == 1
    owner_notes = Notification.objects.filter(recipient=users["merchant_a"], kind="contract.renewal_due")
    assert owner_notes.count() == 1 and "30" in owner_notes.get().body
    assert Notification.objects.filter(recipient=manager, kind="contract.renewal_due").count() == 1


def test_renewal_reminders_skip_contracts_not_in_force(manager, offered):
    Contract.objects.filter(pk=offered.pk).update(end_date=offered.start_date + timedelta(days=10))
    assert svc.contracts_remind_renewal(today=offered.start_date) == {"reminded": 0}


# --- pages ---------------------------------------------------------------------------------------

def _versions(manager, merchant, count):
    """Grow the merchant's contract history: each round drafts a version, offers it and withdraws it."""
    for _n in range(count):
        contract = svc.contract_draft(actor=manager, merchant=merchant, **terms())
        svc.contract_offer(actor=manager, contract=contract)
        svc.contract_withdraw(actor=manager, contract=contract, reason="superseded by negotiation")


def test_ops_contract_list_keeps_a_constant_number_of_queries(clients, manager, active,
                                                              django_assert_max_num_queries):
    client = clients[roles.OPERATIONS_MANAGER]
    list_url = reverse("ops:contract-list", kwargs={"merchant_pk": active.merchant_id})
    _versions(manager, active.merchant, 1)
    client.get(list_url)  # warm caches (session, permissions)
    with CaptureQueriesContext(connection) as few:
        assert client.get(list_url).status_code == 200
    baseline = len(few)
    _versions(manager, active.merchant, 8)
    with django_assert_max_num_queries(baseline):
        page = client.get(list_url).content.decode()
    assert page.count("data-contract=") == 10


def test_ops_contract_detail_keeps_a_constant_number_of_queries(clients, manager, active,
                                                                django_assert_max_num_queries):
    client = clients[roles.OPERATIONS_MANAGER]
    detail_url = url("ops:contract-detail", active)
    client.get(detail_url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(detail_url).status_code == 200
    baseline = len(few)  # now: the captured list is read from the connection's log, which requests clear
    _versions(manager, active.merchant, 6)
    for _n in range(5):
        client.get(url("ops:contract-pdf", active))  # more history rows on the page
    with django_assert_max_num_queries(baseline):
        page = client.get(detail_url).content.decode()
    assert page.count('data-channel="') == 5 and page.count("downloaded the contract") == 5


def test_the_auditor_reads_contracts_but_cannot_post(clients, active):
    client = clients["auditor"]
    page = client.get(url("audit:contract-detail", active))
    assert page.status_code == 200 and active.text_sha256 in page.content.decode()
    assert "contract.countersigned" in page.content.decode()
    assert client.head(url("audit:contract-detail", active)).status_code == 200
    before = AuditEvent.objects.count()
    for name in ("audit:contract-detail", "audit:contract-pdf"):
        assert client.post(url(name, active)).status_code == 405
    assert AuditEvent.objects.count() == before
    for name in ("ops:contract-terminate", "ops:contract-detail"):
        assert client.post(url(name, active), {"reason": "auditors do not act"}).status_code == 403
    assert Contract.objects.get(pk=active.pk).status == C.ACTIVE


def test_merchants_and_auditors_cannot_reach_ops_contract_pages(clients, active):
    for who in ("merchant_a", "auditor"):
        assert clients[who].get(reverse("ops:contract-list", kwargs={"merchant_pk": active.merchant_id})
                                ).status_code == 403
        assert clients[who].get(url("ops:contract-detail", active)).status_code == 403
    assert clients["merchant_a"].get(url("audit:contract-detail", active)).status_code == 403


def test_a_staff_user_cannot_draft_for_a_merchant_through_another_role(db, role_groups, approved_a):
    engineer = make_user(roles=[roles.FIELD_ENGINEER], username="engineer9")
    with pytest.raises(NotPermitted):
        svc.contract_draft(actor=engineer, merchant=approved_a, **terms())
