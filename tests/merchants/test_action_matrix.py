"""Every merchant action × every actor, through the real views (POST; the export and the downloads are
GET-only views): allowed exactly where the README roles table says, refused everywhere else — with a
403, or with a domain error that changes nothing (no state change, no audit event by that actor).

The roles table (README, "Areas and roles"; see also merchants/roles.py):

    onboarding reviewer   queue, review, documents, request information, approve (four eyes), reject,
                          settlement accounts (verify / approve: two different people)
    operations manager    everything a reviewer can + second approval of high-risk merchants, contracts,
                          activate, reactivate, suspend, terminate, blacklist, risk override, export,
                          inspections, KYC secrets in clear
    risk analyst          read, blacklist, risk override, suspend, KYC secrets in clear
    compliance officer    read, inspections, export, KYC secrets in clear
    field engineer        on-site inspections
    customer service      read merchants, their documents and contracts (and the team lead)
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from acquirer import roles
from acquirer.models import AuditEvent
from merchants.models import BlacklistEntry, Contract, Inspection, Merchant, MerchantDocument, SettlementAccount
from merchants.services import applications as svc
from merchants.services import contracts as contract_svc
from merchants.services import settlement as settlement_svc
from merchants.services.blacklist import blacklist_add
from merchants.services.documents import document_upload
from merchants.services.inspections import CHECKLIST
from tests.conftest import ACTORS
from tests.factories import make_merchant, make_merchant_user, make_user
from tests.merchants.kyc_data import make_card_number, make_uscc, pdf_file, png_file
from tests.merchants.test_applications import accept_documents, fill_application, request_account, upload_documents

REVIEWER, MANAGER, RISK = roles.ONBOARDING_REVIEWER, roles.OPERATIONS_MANAGER, roles.RISK_ANALYST
COMPLIANCE, FIELD, SERVICE = roles.COMPLIANCE_OFFICER, roles.FIELD_ENGINEER, roles.CUSTOMER_SERVICE
SERVICE_LEAD = roles.CUSTOMER_SERVICE_LEAD

REVIEW = {REVIEWER, MANAGER}
MANAGER_ONLY = {MANAGER}
RISK_DESK = {RISK, MANAGER}
SECRETS = {RISK, COMPLIANCE, MANAGER}
EXPORT = {COMPLIANCE, MANAGER}
INSPECT = {FIELD, COMPLIANCE, MANAGER}
READ_DOCUMENTS = {REVIEWER, MANAGER, RISK, COMPLIANCE, SERVICE, SERVICE_LEAD}
READ_INSPECTIONS = {REVIEWER, MANAGER, RISK, COMPLIANCE, FIELD}

M = Merchant.Status
FEES = [{"channel": c, "rate_percent": Decimal("0.50"), "cap": None}
        for c in ("debit", "credit", "unionpay_qr", "contactless", "other_qr")]


class World:
    """Builds each action's starting point. Setup is done by people outside the matrix (a merchant
    owner, a setup reviewer and a setup manager), so four-eyes rules never hide a role's right."""

    def __init__(self, users):
        self.users = users
        self.reviewer = make_user(username="setupreviewer", roles=[REVIEWER])
        self.manager = make_user(username="setupmanager", roles=[MANAGER])

    # --- merchants in each state ---------------------------------------------------------------
    def merchant(self, status: str = M.DRAFT, **fields) -> Merchant:
        merchant = make_merchant()
        make_merchant_user(merchant)
        if status != M.DRAFT or fields:
            Merchant.objects.filter(pk=merchant.pk).update(status=status, **fields)
            merchant.refresh_from_db()
        return merchant

    def owner(self, merchant):
        return merchant.memberships.get(role="owner").user

    def complete_draft(self) -> Merchant:
        merchant = self.merchant()
        owner = self.owner(merchant)
        fill_application(merchant, owner)
        upload_documents(merchant, owner)
        request_account(merchant, owner)
        merchant.refresh_from_db()
        return merchant

    def submitted(self) -> Merchant:
        merchant = self.complete_draft()
        return svc.merchant_submit(actor=self.owner(merchant), merchant=merchant)

    def under_review(self) -> Merchant:
        merchant = svc.merchant_start_review(actor=self.reviewer, merchant=self.submitted())
        accept_documents(merchant, self.reviewer)
        return merchant

    def first_approved_high_risk(self) -> Merchant:
        merchant = self.under_review()
        svc.merchant_risk_override(actor=self.manager, merchant=merchant, level="high",
                                   reason="Matrix: needs a second approval")
        return svc.merchant_approve(actor=self.reviewer, merchant=merchant)

    def ready_to_go_live(self) -> Merchant:
        merchant = svc.merchant_approve(actor=self.reviewer, merchant=self.under_review())
        self.contract(merchant, until="active")
        account = merchant.settlement_accounts.get()
        settlement_svc.settlement_account_verify(actor=self.reviewer, account=account)
        settlement_svc.settlement_account_approve(actor=self.manager, account=account)
        return merchant

    # --- contracts, accounts, documents ----------------------------------------------------------
    def contract(self, merchant=None, *, until: str = "draft") -> Contract:
        merchant = merchant or self.merchant(M.ACTIVE)
        today = timezone.localdate()
        contract = contract_svc.contract_draft(
            actor=self.manager, merchant=merchant, fees=FEES, deposit=Decimal("99.00"), monthly_rent=Decimal("10.00"),
            settlement_cycle="T+1", settlement_method="auto", start_date=today, end_date=today + timedelta(days=365))
        for step in ("offered", "accepted", "active"):
            if contract.status == until:
                break
            if step == "offered":
                contract = contract_svc.contract_offer(actor=self.manager, contract=contract)
            elif step == "accepted":
                contract = contract_svc.contract_accept(actor=self.owner(merchant), contract=contract,
                                                        sha256=contract.text_sha256, ip="127.0.0.1")
            else:
                contract = contract_svc.contract_countersign(actor=self.manager, contract=contract)
        assert contract.status == until
        return contract

    def individual(self) -> Merchant:
        return self.merchant(M.ACTIVE, merchant_type="individual", legal_rep_name="张三")

    def account(self, *, verified: bool = False) -> SettlementAccount:
        merchant = self.individual()
        account = settlement_svc.settlement_account_request(
            actor=self.owner(merchant), merchant=merchant, kind="personal", account_name="张三", bank_name="ICBC",
            branch_name="Huangpu", account_number=make_card_number())
        if verified:
            account = settlement_svc.settlement_account_verify(actor=self.reviewer, account=account)
        return account

    def document(self) -> MerchantDocument:
        merchant = self.merchant()
        return document_upload(actor=self.owner(merchant), merchant=merchant, kind="settlement_proof",
                               uploaded_file=pdf_file())

    def with_resident_id(self) -> Merchant:
        merchant = self.merchant()
        fill_application(merchant, self.owner(merchant))
        return merchant

    def inspection_photo(self):
        from merchants.services.inspections import inspection_record

        inspection = inspection_record(actor=self.manager, merchant=self.merchant(M.ACTIVE),
                                       performed_on=timezone.localdate(), checklist=dict.fromkeys(CHECKLIST, True),
                                       findings="", outcome="passed", photos=[png_file()])
        return inspection.photos.get()


def _contract_form(**changes) -> dict:
    today = timezone.localdate()
    form = {"deposit": "100.00", "monthly_rent": "20.00", "settlement_cycle": "T+1", "settlement_method": "auto",
            "start_date": today.isoformat(), "end_date": (today + timedelta(days=400)).isoformat()}
    for fee in FEES:
        form[f"rate_{fee['channel']}"] = "0.45"
        form[f"cap_{fee['channel']}"] = ""
    form.update(changes)
    return form


def _fresh(model_obj):
    return type(model_obj).objects.get(pk=model_obj.pk)


@dataclass
class Action:
    name: str
    allowed: set
    url_name: str
    setup: Callable  # World -> object
    done: Callable  # (World, object, response) -> bool: did the action take effect?
    audit_action: str
    url_kwargs: Callable = lambda obj: {"pk": obj.pk}
    data: Callable = lambda world, obj: {}
    method: str = "post"
    query: str = ""
    files: bool = False
    extra: dict = field(default_factory=dict)


def _status_is(status):
    return lambda world, obj, response: _fresh(obj).status == status


MERCHANT_PK = {"url_kwargs": lambda obj: {"merchant_pk": obj.pk}}

ACTIONS = [
    # --- onboarding and review ----------------------------------------------------------------
    Action("edit the application", REVIEW, "ops:merchant-edit", lambda w: w.merchant(),
           lambda w, m, r: _fresh(m).trading_name == "Edited by staff", "merchant.application_updated",
           url_kwargs=lambda m: {"pk": m.pk, "step": "company"},
           data=lambda w, m: {"legal_name": m.legal_name, "trading_name": "Edited by staff",
                              "merchant_type": "enterprise", "uscc": make_uscc(), "business_scope": "retail",
                              "business_started_on": "2015-05-01"}),
    Action("submit on the merchant's behalf", REVIEW, "ops:merchant-submit", World.complete_draft,
           _status_is(M.SUBMITTED), "merchant.submitted"),
    Action("assign a reviewer", REVIEW, "ops:merchant-assign", World.submitted,
           lambda w, m, r: _fresh(m).assigned_reviewer_id == w.reviewer.pk, "merchant.assigned",
           data=lambda w, m: {"reviewer": w.reviewer.pk}),
    Action("start the review", REVIEW, "ops:merchant-start-review", World.submitted, _status_is(M.UNDER_REVIEW),
           "merchant.review_started"),
    Action("request information", REVIEW, "ops:merchant-request-info", World.under_review,
           _status_is(M.INFO_REQUESTED), "merchant.info_requested", data=lambda w, m: {"reason": "Send the lease"}),
    Action("approve", REVIEW, "ops:merchant-approve", World.under_review, _status_is(M.APPROVED),
           "merchant.approved", data=lambda w, m: {"note": "fine"}),
    Action("second approval of a high-risk merchant", MANAGER_ONLY, "ops:merchant-approve",
           World.first_approved_high_risk, _status_is(M.APPROVED), "merchant.approved",
           data=lambda w, m: {"note": "second"}),
    Action("reject", REVIEW, "ops:merchant-reject", World.under_review, _status_is(M.REJECTED), "merchant.rejected",
           data=lambda w, m: {"reason": "Not eligible"}),
    Action("recompute the risk rating", REVIEW, "ops:merchant-risk-refresh", World.submitted,
           lambda w, m, r: AuditEvent.objects.filter(action="merchant.risk_rated", target_id=str(m.pk),
                                                     actor__isnull=False).exists(), "merchant.risk_rated"),
    Action("decide on a document", REVIEW, "ops:document-decide", World.document,
           lambda w, d, r: _fresh(d).decision == "accepted", "document.accepted",
           data=lambda w, d: {"decision": "accepted"}),
    Action("upload a document on the merchant's behalf", REVIEW, "ops:document-upload", lambda w: w.merchant(),
           lambda w, m, r: MerchantDocument.objects.filter(merchant=m).exists(), "document.uploaded",
           data=lambda w, m: {"kind": "settlement_proof", "file": pdf_file()}, **MERCHANT_PK),
    # --- life of a merchant -------------------------------------------------------------------
    Action("activate (go live)", MANAGER_ONLY, "ops:merchant-activate", World.ready_to_go_live, _status_is(M.ACTIVE),
           "merchant.activated"),
    Action("reactivate a suspended merchant", MANAGER_ONLY, "ops:merchant-activate",
           lambda w: w.merchant(M.SUSPENDED), _status_is(M.ACTIVE), "merchant.reactivated"),
    Action("suspend", RISK_DESK, "ops:merchant-suspend", lambda w: w.merchant(M.ACTIVE), _status_is(M.SUSPENDED),
           "merchant.suspended", data=lambda w, m: {"reason": "Chargeback spike"}),
    Action("terminate", MANAGER_ONLY, "ops:merchant-terminate", lambda w: w.merchant(M.ACTIVE),
           _status_is(M.TERMINATED), "merchant.terminated", data=lambda w, m: {"reason": "Fraud confirmed"}),
    Action("terminate a suspended merchant", MANAGER_ONLY, "ops:merchant-terminate",
           lambda w: w.merchant(M.SUSPENDED), _status_is(M.TERMINATED), "merchant.terminated",
           data=lambda w, m: {"reason": "Fraud confirmed"}),
    Action("override the risk rating", RISK_DESK, "ops:merchant-risk-override", lambda w: w.merchant(M.ACTIVE),
           lambda w, m, r: _fresh(m).risk_override == "high", "merchant.risk_overridden",
           data=lambda w, m: {"level": "high", "reason": "Linked to a chargeback ring"}),
    # --- blacklist ----------------------------------------------------------------------------
    Action("add to the blacklist", RISK_DESK, "ops:blacklist-add", lambda w: make_uscc(),
           lambda w, uscc, r: BlacklistEntry.objects.filter(uscc=uscc).exists(), "blacklist.added",
           url_kwargs=lambda uscc: {}, data=lambda w, uscc: {"uscc": uscc, "name": "Matrix Ltd", "source": "internal",
                                                            "reason": "Known fraud ring"}),
    Action("remove from the blacklist", RISK_DESK, "ops:blacklist-remove",
           lambda w: blacklist_add(actor=w.manager, uscc=make_uscc(), name="Matrix", reason="test", source="internal"),
           lambda w, e, r: not _fresh(e).active, "blacklist.removed", data=lambda w, e: {"reason": "Cleared"}),
    # --- contracts ----------------------------------------------------------------------------
    Action("draft a contract", MANAGER_ONLY, "ops:contract-create", lambda w: w.merchant(M.APPROVED),
           lambda w, m, r: Contract.objects.filter(merchant=m).exists(), "contract.drafted",
           data=lambda w, m: _contract_form(), **MERCHANT_PK),
    Action("offer a contract", MANAGER_ONLY, "ops:contract-offer", World.contract, _status_is("offered"),
           "contract.offered"),
    Action("countersign a contract", MANAGER_ONLY, "ops:contract-countersign",
           lambda w: w.contract(until="accepted"), _status_is("active"), "contract.countersigned"),
    Action("amend a contract", MANAGER_ONLY, "ops:contract-amend", lambda w: w.contract(until="active"),
           lambda w, c, r: Contract.objects.filter(merchant_id=c.merchant_id, version=c.version + 1).exists(),
           "contract.amended", data=lambda w, c: _contract_form(monthly_rent="25.00")),
    Action("terminate a contract", MANAGER_ONLY, "ops:contract-terminate", lambda w: w.contract(until="active"),
           _status_is("terminated"), "contract.terminated", data=lambda w, c: {"reason": "Merchant left"}),
    Action("withdraw a contract", MANAGER_ONLY, "ops:contract-withdraw", World.contract, _status_is("withdrawn"),
           "contract.withdrawn", data=lambda w, c: {"reason": "Wrong terms"}),
    # --- settlement accounts ------------------------------------------------------------------
    Action("enter a settlement account for the merchant", REVIEW, "ops:settlement-request", World.individual,
           lambda w, m, r: SettlementAccount.objects.filter(merchant=m).exists(), "settlement_account.requested",
           data=lambda w, m: {"kind": "personal", "account_name": "张三", "bank_name": "ICBC",
                              "branch_name": "Huangpu", "account_number": make_card_number()}, **MERCHANT_PK),
    Action("verify a settlement account", REVIEW, "ops:settlement-verify", World.account, _status_is("verified"),
           "settlement_account.verified"),
    Action("approve a settlement account", REVIEW, "ops:settlement-approve", lambda w: w.account(verified=True),
           _status_is("active"), "settlement_account.approved"),
    Action("reject a settlement account", REVIEW, "ops:settlement-reject", World.account, _status_is("rejected"),
           "settlement_account.rejected", data=lambda w, a: {"reason": "Name mismatch"}),
    # --- inspections, export, secrets, audited reads ------------------------------------------
    Action("record an on-site inspection", INSPECT, "ops:inspection-create", lambda w: w.merchant(M.ACTIVE),
           lambda w, m, r: Inspection.objects.filter(merchant=m).exists(), "inspection.recorded",
           data=lambda w, m: {"performed_on": timezone.localdate().isoformat(), "outcome": "passed", "findings": "",
                              "photos": [png_file()], **{f"check_{key}": "on" for key in CHECKLIST}},
           **MERCHANT_PK),
    Action("export the merchant register", EXPORT, "ops:merchant-export", lambda w: None,
           lambda w, _none, r: r.status_code == 200 and r["Content-Type"].startswith("text/csv"),
           "merchant.register_exported", url_kwargs=lambda _none: {}, method="get", query="?format=csv"),
    Action("reveal a resident ID number", SECRETS, "ops:secret-reveal", World.with_resident_id,
           lambda w, m, r: r.status_code == 200 and _fresh(m).legal_rep_id in r.content.decode(),
           "kyc.secret_revealed", url_kwargs=lambda m: {"model": "merchant", "pk": m.pk, "field": "legal_rep_id"}),
    Action("reveal a settlement account number", SECRETS, "ops:secret-reveal", World.account,
           lambda w, a, r: r.status_code == 200 and _fresh(a).account_number in r.content.decode(),
           "kyc.secret_revealed",
           url_kwargs=lambda a: {"model": "settlementaccount", "pk": a.pk, "field": "account_number"}),
    Action("download a KYC document", READ_DOCUMENTS, "ops:document-download", World.document,
           lambda w, d, r: r.status_code == 200, "document.downloaded", method="get"),
    Action("download a contract PDF", READ_DOCUMENTS, "ops:contract-pdf", lambda w: w.contract(until="offered"),
           lambda w, c, r: r.status_code == 200 and r["Content-Type"] == "application/pdf", "contract.downloaded",
           method="get"),
    Action("download an inspection photo", READ_INSPECTIONS, "ops:inspection-photo", World.inspection_photo,
           lambda w, p, r: r.status_code == 200, "inspection.photo_downloaded", method="get"),
]


@pytest.fixture
def world(users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return World(users)


def _error_messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request) if m.level == message_levels.ERROR]


def _attempt(action: Action, world: World, client, obj):
    url = reverse(action.url_name, kwargs=action.url_kwargs(obj)) + action.query
    if action.method == "get":
        return client.get(url)
    return client.post(url, action.data(world, obj))


@pytest.mark.django_db
@pytest.mark.parametrize("action", ACTIONS, ids=[a.name for a in ACTIONS])
def test_each_merchant_action_is_allowed_exactly_to_the_roles_the_readme_names(action, world, clients, users):
    failures = []
    obj = None
    for actor in ACTORS:
        if obj is None:
            obj = action.setup(world)
        user = users.get(actor)
        response = _attempt(action, world, clients[actor], obj)
        took_effect = response.status_code in (200, 302) and action.done(world, obj, response)
        audited = user is not None and AuditEvent.objects.filter(actor=user, action=action.audit_action).exists()
        if actor in action.allowed:
            if not (took_effect and audited):
                failures.append(f"{actor} should be able to {action.name}: {response.status_code}, "
                                f"took effect={took_effect}, audited={audited}, errors={_error_messages(response)}")
            obj = None  # the next actor needs a fresh starting point
            continue
        if took_effect or audited:
            failures.append(f"{actor} must not be able to {action.name}, but it went through")
            obj = None
            continue
        if actor == "anonymous":
            refused = response.status_code == 302 and "/accounts/login/" in response["Location"]
        else:
            refused = response.status_code == 403 or bool(_error_messages(response))
        if not refused:
            failures.append(f"{actor} trying to {action.name}: {response.status_code} without a refusal")
    assert not failures, "\n".join(failures)


# The buttons of the merchant "360" page ask the same question as the services behind them.
BUTTONS = [
    ("ops:merchant-activate", M.SUSPENDED, MANAGER_ONLY),
    ("ops:merchant-activate", M.APPROVED, MANAGER_ONLY),
    ("ops:merchant-suspend", M.ACTIVE, RISK_DESK),
    ("ops:merchant-terminate", M.ACTIVE, MANAGER_ONLY),
    ("ops:merchant-terminate", M.SUSPENDED, MANAGER_ONLY),
    ("ops:merchant-risk-override", M.ACTIVE, RISK_DESK),
    ("ops:merchant-start-review", M.SUBMITTED, REVIEW),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("url_name", "status", "allowed"), BUTTONS,
                         ids=[f"{name}-{status}" for name, status, _allowed in BUTTONS])
def test_the_merchant_page_offers_an_action_exactly_to_the_roles_allowed_to_take_it(world, clients, url_name, status,
                                                                                   allowed):
    merchant = world.merchant(status)
    action_url = reverse(url_name, kwargs={"pk": merchant.pk})
    page_url = reverse("ops:merchant-detail", kwargs={"pk": merchant.pk})
    for actor in roles.ROLES:
        page = clients[actor].get(page_url)
        assert page.status_code == 200, actor
        shown = f'action="{action_url}"' in page.content.decode()
        assert shown == (actor in allowed), f"{actor}: {url_name} button shown={shown} on a {status} merchant"


@pytest.mark.django_db
def test_the_risk_analyst_may_suspend_but_neither_reactivate_nor_terminate(world):
    """The service refuses whatever the view lets through (forms can be bypassed)."""
    from acquirer.exceptions import NotPermitted

    analyst = world.users[RISK]
    merchant = svc.merchant_suspend(actor=analyst, merchant=world.merchant(M.ACTIVE), reason="Chargeback spike")
    with pytest.raises(NotPermitted):
        svc.merchant_activate(actor=analyst, merchant=merchant)
    with pytest.raises(NotPermitted):
        svc.merchant_terminate(actor=analyst, merchant=merchant, reason="Fraud confirmed")
    assert _fresh(merchant).status == M.SUSPENDED
    assert svc.merchant_activate(actor=world.users[MANAGER], merchant=merchant).status == M.ACTIVE
