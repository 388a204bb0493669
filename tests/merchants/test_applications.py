"""Onboarding: sign-up → application → review (four eyes, high-risk second approval) → MID →
contract and settlement account → go-live; every move audited; refusals change nothing."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from acquirer import roles
from acquirer.exceptions import DomainError, NotPermitted, TransitionNotAllowed
from acquirer.models import AuditEvent, User
from acquirer.workflow import advance
from merchants.models import Merchant, MerchantDocument
from merchants.services import applications as svc
from merchants.workflow import MERCHANT_MOVES
from tests.factories import make_user
from tests.merchants.kyc_data import make_resident_id, make_uscc, pdf_file, png_file

FEES = [{"channel": c, "rate_percent": Decimal(r), "cap": Decimal(cap) if cap else None}
        for c, r, cap in [("debit", "0.5000", "20.00"), ("credit", "0.6000", None), ("unionpay_qr", "0.3800", None),
                          ("contactless", "0.6000", None), ("other_qr", "0.3800", None)]]


def fill_application(merchant, actor, *, mcc="5812", premises="fixed", volume="200000.00", uscc_code=None):
    rid = make_resident_id()
    svc.merchant_application_update(actor=actor, merchant=merchant, data={
        "legal_name": merchant.legal_name, "trading_name": "Riverside", "merchant_type": "enterprise",
        "uscc": uscc_code or make_uscc(), "legal_rep_name": "张三", "business_scope": "餐饮服务", "mcc": mcc,
        "industry": "Restaurants", "region_code": "2900", "address": "上海市黄浦区中山东一路1号",
        "premises": premises, "business_started_on": date(2015, 5, 1), "expected_monthly_volume": Decimal(volume),
        "average_ticket": Decimal("85.00"), "contact_name": "张三", "contact_phone": "+8613912345678",
        "contact_email": "owner@example.test", "language": "zh-hans"}, legal_rep_id=rid)
    merchant.refresh_from_db()
    return rid


def upload_documents(merchant, actor):
    from merchants.services.documents import document_upload

    expiry = timezone.localdate() + timedelta(days=700)
    document_upload(actor=actor, merchant=merchant, kind="business_licence", uploaded_file=pdf_file(),
                    expires_on=expiry)
    document_upload(actor=actor, merchant=merchant, kind="id_front", uploaded_file=png_file(), expires_on=expiry)
    document_upload(actor=actor, merchant=merchant, kind="id_back", uploaded_file=png_file(), expires_on=expiry)
    document_upload(actor=actor, merchant=merchant, kind="settlement_proof", uploaded_file=pdf_file("proof.pdf"))
    document_upload(actor=actor, merchant=merchant, kind="premises_photo", uploaded_file=png_file("shop.png"))


def request_account(merchant, actor):
    from merchants.services.settlement import settlement_account_request

    return settlement_account_request(actor=actor, merchant=merchant, kind="corporate",
                                      account_name=merchant.legal_name, bank_name="中国工商银行",
                                      branch_name="上海分行", account_number="310066" + "1234567890123")


def accept_documents(merchant, reviewer):
    from merchants.services.documents import document_decide

    for document in MerchantDocument.objects.filter(merchant=merchant, superseded=False):
        document_decide(actor=reviewer, document=document, decision="accepted")


def sign_up(language: str = "zh-hans"):
    """Sign up (the login name is the e-mail address), then open the confirmation link mailed to it in the
    same browser: only then is the account signed in and usable."""
    import re

    from django.core import mail
    from django.core.cache import cache

    cache.clear()  # the one-confirmation-mail-per-address throttle of an earlier sign-up
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    response = client.post(reverse("account_signup"), {
        "email": "newshop@example.test", "password1": "Shop-pass-2026x",
        "password2": "Shop-pass-2026x", "legal_name": "上海新店餐饮有限公司"})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(username="newshop@example.test")
    confirmation = next(m for m in reversed(mail.outbox) if m.to == ["newshop@example.test"])
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", confirmation.body).group(1)
    assert client.post(link)["Location"] == reverse("portal:application")
    return user, client


@pytest.fixture
def applicant(db, role_groups):
    return sign_up()


def test_sign_up_creates_a_merchant_user_with_a_draft_application(applicant):
    user, client = applicant
    assert user.kind == "merchant" and user.merchant_id
    merchant = Merchant.objects.get(pk=user.merchant_id)
    assert merchant.status == "draft" and merchant.legal_name == "上海新店餐饮有限公司"
    assert AuditEvent.objects.filter(action="merchant.signed_up", merchant_id=merchant.pk).exists()
    page = client.get(reverse("portal:application")).content.decode()
    assert "id=\"application-gaps\"" in page


def _ok(response, what):
    assert response.status_code in (200, 302), (what, response.status_code)
    if response.status_code == 302:
        return response
    raise AssertionError(f"{what} did not go through: {response.content.decode()[-2500:]}")


@pytest.mark.parametrize("language,title", [("zh-hans", "商户入网申请"), ("en", "Merchant application")])
def test_a_new_merchant_goes_from_sign_up_to_active_and_every_step_is_audited(users, settings, tmp_path,
                                                                             language, title):
    """Every step through the pages, as the people doing it would, in either language: sign-up,
    application, documents, settlement account, submission; review, decisions, approval; contract
    drafted, offered, accepted, countersigned; account verified and approved by two people; activation."""
    settings.MEDIA_ROOT = tmp_path / "media"
    user, client = sign_up(language)
    assert user.language == language
    assert title in client.get(reverse("portal:application")).content.decode()
    merchant = Merchant.objects.get(pk=user.merchant_id)
    # the merchant fills the application in the portal, step by step (saved as draft each time)
    steps = {
        "company": {"legal_name": merchant.legal_name, "trading_name": "新店", "merchant_type": "enterprise",
                    "uscc": make_uscc(), "business_scope": "餐饮服务", "business_started_on": "2015-05-01"},
        "representative": {"legal_rep_name": "李四", "legal_rep_id": make_resident_id()},
        "business": {"mcc": "5812", "industry": "餐饮", "region_code": "2900", "address": "上海市黄浦区1号",
                     "premises": "fixed", "expected_monthly_volume": "150000.00", "average_ticket": "60.00"},
        "contact": {"contact_name": "李四", "contact_phone": "13912345678", "contact_email": "a@example.test",
                    "language": "zh-hans"},
    }
    for step, data in steps.items():
        _ok(client.post(reverse("portal:application-step", kwargs={"step": step}), data), step)
    expiry = (timezone.localdate() + timedelta(days=700)).isoformat()
    for kind, upload in [("business_licence", pdf_file()), ("id_front", png_file()), ("id_back", png_file()),
                         ("settlement_proof", pdf_file("proof.pdf")), ("premises_photo", png_file("shop.png"))]:
        data = {"kind": kind, "file": upload}
        if kind in ("business_licence", "id_front", "id_back"):
            data["expires_on"] = expiry
        _ok(client.post(reverse("portal:document-upload"), data), kind)
    _ok(client.post(reverse("portal:settlement-request"), {
        "kind": "corporate", "account_name": merchant.legal_name, "bank_name": "中国工商银行",
        "branch_name": "上海分行", "account_number": "3100661234567890123"}), "settlement account")
    assert "application-gaps" not in client.get(reverse("portal:application")).content.decode()
    _ok(client.post(reverse("portal:application-submit")), "submit")
    merchant.refresh_from_db()
    assert merchant.status == "submitted", svc.application_gaps(merchant)

    reviewer, manager = users[roles.ONBOARDING_REVIEWER], users[roles.OPERATIONS_MANAGER]
    second_manager = make_user(roles=[roles.OPERATIONS_MANAGER], username="manager2")
    ops = Client()
    ops.force_login(reviewer)
    assert merchant.legal_name in ops.get(reverse("ops:onboarding-queue")).content.decode()
    _ok(ops.post(reverse("ops:merchant-start-review", kwargs={"pk": merchant.pk})), "start review")
    for document in MerchantDocument.objects.filter(merchant=merchant, superseded=False):
        _ok(ops.post(reverse("ops:document-decide", kwargs={"pk": document.pk}), {"decision": "accepted"}), "decide")
    _ok(ops.post(reverse("ops:merchant-approve", kwargs={"pk": merchant.pk}), {"note": "all good"}), "approve")
    merchant.refresh_from_db()
    assert merchant.status == "approved" and len(merchant.mid) == 15 and merchant.mid.startswith("89829005812")

    ops.force_login(manager)
    form = {"deposit": "500.00", "monthly_rent": "30.00", "settlement_cycle": "T+1", "settlement_method": "auto",
            "start_date": timezone.localdate().isoformat(),
            "end_date": (timezone.localdate() + timedelta(days=730)).isoformat()}
    for fee in FEES:
        form[f"rate_{fee['channel']}"] = str(fee["rate_percent"])
        form[f"cap_{fee['channel']}"] = "" if fee["cap"] is None else str(fee["cap"])
    _ok(ops.post(reverse("ops:contract-create", kwargs={"merchant_pk": merchant.pk}), form), "contract draft")
    contract = merchant.contracts.get()
    _ok(ops.post(reverse("ops:contract-offer", kwargs={"pk": contract.pk})), "offer")
    contract.refresh_from_db()
    assert contract.status == "offered"
    page = client.get(reverse("portal:contract-detail", kwargs={"pk": contract.pk})).content.decode()
    assert contract.text_sha256 in page
    _ok(client.post(reverse("portal:contract-accept", kwargs={"pk": contract.pk}),
                    {"sha256": contract.text_sha256, "accept": "on"}), "accept")
    _ok(ops.post(reverse("ops:contract-countersign", kwargs={"pk": contract.pk})), "countersign")
    contract.refresh_from_db()
    assert contract.status == "active" and contract.accepted_ip

    account = merchant.settlement_accounts.get()
    _ok(ops.post(reverse("ops:settlement-verify", kwargs={"pk": account.pk})), "verify account")
    ops.force_login(second_manager)
    _ok(ops.post(reverse("ops:settlement-approve", kwargs={"pk": account.pk})), "approve account")
    account.refresh_from_db()
    assert account.status == "active"
    _ok(ops.post(reverse("ops:merchant-activate", kwargs={"pk": merchant.pk})), "activate")
    merchant.refresh_from_db()
    assert merchant.status == "active" and merchant.next_inspection_due

    actions = set(AuditEvent.objects.filter(merchant_id=merchant.pk).values_list("action", flat=True))
    for expected in ["merchant.signed_up", "merchant.application_updated", "document.uploaded",
                     "settlement_account.requested", "merchant.submitted", "merchant.review_started",
                     "document.accepted", "merchant.approved", "contract.drafted", "contract.offered",
                     "contract.accepted", "contract.countersigned", "settlement_account.verified",
                     "settlement_account.approved", "merchant.activated"]:
        assert expected in actions, expected
    # the merchant sees its profile and contract in force; the ops 360 page shows every part
    home = client.get(reverse("portal:home")).content.decode()
    assert merchant.mid in home
    page = ops.get(reverse("ops:merchant-detail", kwargs={"pk": merchant.pk})).content.decode()
    for part in ("panel-documents", "panel-contracts", "panel-settlement", "panel-inspections", "panel-history"):
        assert part in page, part


def _submitted(merchant_user, merchant, *, actor=None, **kwargs):
    fill_application(merchant, actor or merchant_user, **kwargs)
    upload_documents(merchant, actor or merchant_user)
    request_account(merchant, actor or merchant_user)
    return svc.merchant_submit(actor=actor or merchant_user, merchant=merchant)


def test_an_incomplete_application_is_refused_with_what_is_missing(users, merchant_a):
    with pytest.raises(DomainError) as error:
        svc.merchant_submit(actor=users["merchant_a"], merchant=merchant_a)
    assert "legal representative" in str(error.value).lower() or "法定代表人" in str(error.value)
    merchant_a.refresh_from_db()
    assert merchant_a.status == "draft"


def test_a_blacklisted_applicant_cannot_submit(users, merchant_a):
    from merchants.services.blacklist import blacklist_add

    rid = fill_application(merchant_a, users["merchant_a"])
    upload_documents(merchant_a, users["merchant_a"])
    request_account(merchant_a, users["merchant_a"])
    blacklist_add(actor=users[roles.RISK_ANALYST], person_id=rid, name="张三", reason="fraud ring", source="internal")
    with pytest.raises(DomainError):
        svc.merchant_submit(actor=users["merchant_a"], merchant=merchant_a)
    merchant_a.refresh_from_db()
    assert merchant_a.status == "draft"
    assert AuditEvent.objects.filter(action="merchant.blacklist_blocked", merchant_id=merchant_a.pk).exists()


def test_a_reviewer_cannot_approve_an_application_they_submitted(users, merchant_a):
    reviewer = users[roles.ONBOARDING_REVIEWER]
    _submitted(users["merchant_a"], merchant_a, actor=reviewer)
    svc.merchant_start_review(actor=reviewer, merchant=merchant_a)
    accept_documents(merchant_a, users[roles.OPERATIONS_MANAGER])
    with pytest.raises(NotPermitted):
        svc.merchant_approve(actor=reviewer, merchant=merchant_a)
    merchant_a.refresh_from_db()
    assert merchant_a.status == "under_review" and merchant_a.mid is None
    other = make_user(roles=[roles.ONBOARDING_REVIEWER], username="reviewer2")
    assert svc.merchant_approve(actor=other, merchant=merchant_a).status == "approved"


def test_a_high_risk_approval_waits_for_a_manager(users, merchant_a):
    _submitted(users["merchant_a"], merchant_a, mcc="7995", premises="none", volume="2000000.00")
    merchant_a.refresh_from_db()
    assert merchant_a.risk_level == "high" and merchant_a.risk_reasons
    reviewer = users[roles.ONBOARDING_REVIEWER]
    svc.merchant_start_review(actor=reviewer, merchant=merchant_a)
    accept_documents(merchant_a, reviewer)
    first = svc.merchant_approve(actor=reviewer, merchant=merchant_a)
    assert first.status == "under_review" and first.first_approval_by == reviewer and first.mid is None
    other_reviewer = make_user(roles=[roles.ONBOARDING_REVIEWER], username="reviewer3")
    with pytest.raises(NotPermitted):
        svc.merchant_approve(actor=other_reviewer, merchant=merchant_a)
    with pytest.raises(NotPermitted):
        svc.merchant_approve(actor=reviewer, merchant=merchant_a)
    final = svc.merchant_approve(actor=users[roles.OPERATIONS_MANAGER], merchant=merchant_a)
    assert final.status == "approved" and final.approved_by == users[roles.OPERATIONS_MANAGER]


def test_merchant_numbers_are_sequential_unique_and_never_reused(users, merchant_a, merchant_b):
    from merchants.models import MidSequence

    for merchant in (merchant_a, merchant_b):
        merchant.region_code, merchant.mcc = "2900", "5812"
    first, second = svc.allocate_mid(merchant_a), svc.allocate_mid(merchant_b)
    assert first == "898290058120001" and second == "898290058120002"
    assert MidSequence.objects.get(prefix="89829005812").last == 2


@pytest.mark.parametrize("source", list(MERCHANT_MOVES))
def test_every_merchant_transition_is_allowed_or_refused_as_the_table_says(db, source):
    merchant = Merchant.objects.create(legal_name="T", status=source)
    for target in Merchant.Status.values:
        merchant.status = source
        if target in MERCHANT_MOVES[source]:
            advance(merchant, to=target, moves=MERCHANT_MOVES, actor=None, action="merchant.application_updated")
            assert Merchant.objects.get(pk=merchant.pk).status == target
            Merchant.objects.filter(pk=merchant.pk).update(status=source)
        else:
            with pytest.raises(TransitionNotAllowed):
                advance(merchant, to=target, moves=MERCHANT_MOVES, actor=None, action="merchant.application_updated")


def test_risk_override_needs_a_written_reason_and_is_audited(users, merchant_a):
    risk = users[roles.RISK_ANALYST]
    with pytest.raises(DomainError):
        svc.merchant_risk_override(actor=risk, merchant=merchant_a, level="high", reason="short")
    svc.merchant_risk_override(actor=risk, merchant=merchant_a, level="high", reason="Linked to a chargeback ring")
    merchant_a.refresh_from_db()
    assert merchant_a.effective_risk == "high"
    assert AuditEvent.objects.filter(action="merchant.risk_overridden", merchant_id=merchant_a.pk).exists()
    with pytest.raises(NotPermitted):
        svc.merchant_risk_override(actor=users[roles.FIELD_ENGINEER], merchant=merchant_a, level="low",
                                   reason="I think it is fine really")


def test_an_invalid_credit_code_is_refused_next_to_the_field_and_nothing_is_saved(clients, merchant_a):
    client = clients["merchant_a"]
    response = client.post(reverse("portal:application-step", kwargs={"step": "company"}), {
        "legal_name": "Changed name", "merchant_type": "enterprise", "uscc": "91310000MA1FL8TQ30",
        "business_scope": "x"})
    assert response.status_code == 200
    assert "uscc" in response.context["form"].errors
    merchant_a.refresh_from_db()
    assert merchant_a.legal_name != "Changed name"


def test_an_invalid_resident_id_is_refused(clients, merchant_a):
    response = clients["merchant_a"].post(reverse("portal:application-step", kwargs={"step": "representative"}),
                                          {"legal_rep_name": "王五", "legal_rep_id": "110101198503120000"})
    assert response.status_code == 200 and "legal_rep_id" in response.context["form"].errors
    merchant_a.refresh_from_db()
    assert merchant_a.legal_rep_name == ""


def test_the_resident_id_is_never_stored_or_shown_in_clear(users, merchant_a, clients):
    from django.db import connection

    rid = fill_application(merchant_a, users["merchant_a"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT legal_rep_id FROM merchants_merchant WHERE id = %s", [merchant_a.pk])
        stored = cursor.fetchone()[0]
    assert rid not in stored and stored.startswith("enc1:")
    ops_page = reverse("ops:merchant-detail", kwargs={"pk": merchant_a.pk})
    for client, url in [(clients["merchant_a"], reverse("portal:application")),
                        (clients[roles.ONBOARDING_REVIEWER], ops_page)]:
        assert rid not in client.get(url).content.decode()
    assert not AuditEvent.objects.filter(data__icontains=rid).exists()


def test_the_register_export_is_excel_safe_and_audited(users, merchant_a, clients):
    fill_application(merchant_a, users["merchant_a"])
    Merchant.objects.filter(pk=merchant_a.pk).update(trading_name="=HYPERLINK(\"x\")")
    client = clients[roles.COMPLIANCE_OFFICER]
    response = client.get(reverse("ops:merchant-export"), {"format": "csv"})
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff") and "'=HYPERLINK" in body
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][0] == "id" and merchant_a.legal_name in body
    xlsx = client.get(reverse("ops:merchant-export"), {"format": "xlsx"})
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    uscc_col = values[0].index("uscc")
    assert all(isinstance(row[uscc_col], str) for row in values[1:] if row[uscc_col])
    assert AuditEvent.objects.filter(action="merchant.register_exported").count() == 2
    assert clients[roles.FIELD_ENGINEER].get(reverse("ops:merchant-export")).status_code == 403


def test_onboarding_queue_keeps_a_constant_number_of_queries(users, clients, django_assert_max_num_queries):
    from tests.factories import make_merchant

    for _n in range(6):
        m = make_merchant()
        Merchant.objects.filter(pk=m.pk).update(status="submitted", submitted_at=timezone.now())
    with django_assert_max_num_queries(12):
        response = clients[roles.ONBOARDING_REVIEWER].get(reverse("ops:onboarding-queue"))
    assert response.status_code == 200 and len(response.context["rows"]) >= 6


def test_merchant_b_cannot_act_on_merchant_a(users, merchant_a, clients):
    assert clients["merchant_b"].get(reverse("ops:merchant-detail", kwargs={"pk": merchant_a.pk})).status_code == 403
    with pytest.raises(NotPermitted):
        svc.merchant_application_update(actor=users["merchant_b"], merchant=merchant_a, data={"trading_name": "x"})



@pytest.mark.parametrize("actor,name", [(roles.OPERATIONS_MANAGER, "ops:merchant-detail"),
                                        ("auditor", "audit:merchant-detail")])
def test_the_merchant_360_page_keeps_a_constant_number_of_queries(users, clients, merchant_a, settings, tmp_path,
                                                                  actor, name, django_assert_max_num_queries):
    """Profile, documents, contracts, accounts, inspections and history: the page's queries do not grow
    with the number of rows in any panel."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from merchants.services.documents import document_upload

    settings.MEDIA_ROOT = tmp_path / "media"
    fill_application(merchant_a, users["merchant_a"])
    url = reverse(name, kwargs={"pk": merchant_a.pk})
    document_upload(actor=users["merchant_a"], merchant=merchant_a, kind="premises_photo", uploaded_file=png_file())
    with CaptureQueriesContext(connection) as few:
        assert clients[actor].get(url).status_code == 200
    upload_documents(merchant_a, users["merchant_a"])
    for _n in range(4):
        document_upload(actor=users["merchant_a"], merchant=merchant_a, kind="premises_photo",
                        uploaded_file=png_file())
    request_account(merchant_a, users["merchant_a"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = clients[actor].get(url)
    page = response.content.decode()
    assert page.count("data-document=") >= 10 and "data-account=" in page


def test_no_clear_resident_id_or_account_number_reaches_the_logs(users, merchant_a, clients, caplog):
    """Saving, refusing and exporting KYC data logs nothing that contains the clear numbers, even with
    every SQL statement logged."""
    import logging

    from django.db import connection

    rid, account = make_resident_id(), "3100661234567890123"
    sql_logger = logging.getLogger("django.db.backends")
    sql_logger.addHandler(caplog.handler)  # whatever the LOGGING setting says about propagation
    connection.force_debug_cursor = True  # every statement is logged with its parameters
    try:
        _log_kyc_traffic(clients, merchant_a, rid, account, caplog)
    finally:
        connection.force_debug_cursor = False
        sql_logger.removeHandler(caplog.handler)
    merchant_a.refresh_from_db()
    assert merchant_a.legal_rep_id == rid  # it was saved (encrypted) ...
    assert any("merchants_merchant" in record.getMessage() for record in caplog.records)  # ... and SQL was logged
    assert rid not in caplog.text and rid[:-1] not in caplog.text
    assert account not in caplog.text


def _log_kyc_traffic(clients, merchant_a, rid, account, caplog):
    import logging

    with caplog.at_level(logging.DEBUG), caplog.at_level(logging.DEBUG, logger="django.db.backends"):
        client = clients["merchant_a"]
        client.post(reverse("portal:application-step", kwargs={"step": "representative"}),
                    {"legal_rep_name": "王五", "legal_rep_id": rid})
        client.post(reverse("portal:application-step", kwargs={"step": "representative"}),
                    {"legal_rep_name": "王五", "legal_rep_id": rid[:-1] + ("0" if rid[-1] != "0" else "1")})
        client.post(reverse("portal:settlement-request"), {
            "kind": "personal", "account_name": "someone else", "bank_name": "ICBC", "account_number": account})
        clients[roles.OPERATIONS_MANAGER].get(reverse("ops:merchant-export") + "?format=csv")
        clients[roles.OPERATIONS_MANAGER].get(reverse("ops:merchant-detail", kwargs={"pk": merchant_a.pk}))
