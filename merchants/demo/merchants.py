"""Demo merchants in every state, built through the real services (so the audit trail is real too).

Called by ``seed_demo``; idempotent: a merchant that already left *draft* is left alone.
"""

import io
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from stdnum import luhn
from stdnum.cn import ric, uscc

from acquirer.models import User
from merchants.models import Merchant, MerchantDocument


def _one_page_pdf() -> bytes:
    """A real (blank) one-page PDF: uploads are parsed, so a bare header is refused."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _photo_png() -> bytes:
    """A real (plain grey) photo: uploads are decoded and re-encoded, so a broken image is refused."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 200, 200)).save(out, format="PNG")
    return out.getvalue()


PDF = _one_page_pdf()
PNG = _photo_png()
FEES = [("debit", "0.5000", "20.00"), ("credit", "0.6000", None), ("unionpay_qr", "0.3800", None),
        ("contactless", "0.6000", None), ("other_qr", "0.3800", None)]


def _uscc(n: int) -> str:
    body = f"91310000MA1D{n:05d}"
    return body + uscc.calc_check_digit(body)


def _rid(n: int) -> str:
    body = f"31010119800101{n:03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum wants the number with a (placeholder) check digit


def _card(n: int) -> str:
    body = f"62220210000000{n:04d}"
    return body + luhn.calc_check_digit(body)


def fill(merchant: Merchant, actor: User, n: int, *, mcc="5812", premises="fixed", volume="180000.00",
         kind="enterprise") -> None:
    from merchants.services.applications import merchant_application_update
    from merchants.services.documents import document_upload
    from merchants.services.settlement import settlement_account_request

    rep = merchant.legal_rep_name or ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄强"][n % 8]
    merchant_application_update(actor=actor, merchant=merchant, data={
        "merchant_type": kind, "uscc": _uscc(n) if kind != "micro" else "", "legal_rep_name": rep,
        "business_scope": "餐饮服务；预包装食品销售", "mcc": mcc, "industry": "餐饮", "region_code": "2900",
        "address": f"上海市黄浦区南京东路{100 + n}号", "premises": premises, "business_started_on": date(2016, 3, 1),
        "expected_monthly_volume": Decimal(volume), "average_ticket": Decimal("78.00"), "contact_name": rep,
        "contact_phone": f"+86139{n:08d}", "contact_email": f"shop{n}@merchant.example"}, legal_rep_id=_rid(n))
    merchant.refresh_from_db()
    expiry = timezone.localdate() + timedelta(days=900 if n % 3 else 20)  # some expire soon
    files = [("business_licence", "营业执照.pdf", PDF, expiry), ("id_front", "身份证正面.png", PNG, expiry),
             ("id_back", "身份证反面.png", PNG, expiry), ("settlement_proof", "开户许可证.pdf", PDF, None),
             ("premises_photo", "门头照.png", PNG, None)]
    for kind_name, name, data, expires in files:
        if kind_name == "business_licence" and kind == "micro":
            continue
        document_upload(actor=actor, merchant=merchant, kind=kind_name, expires_on=expires,
                        uploaded_file=SimpleUploadedFile(name, data))
    account_kind = "corporate" if kind == "enterprise" else "personal"
    account_name = merchant.legal_name if kind == "enterprise" else merchant.legal_rep_name
    number = f"3100661{n:012d}" if kind == "enterprise" else _card(n)
    settlement_account_request(actor=actor, merchant=merchant, kind=account_kind, account_name=account_name,
                               bank_name="中国工商银行", branch_name="上海黄浦支行", account_number=number)


def accept_documents(merchant: Merchant, reviewer: User) -> None:
    from merchants.services.documents import document_decide

    for document in MerchantDocument.objects.filter(merchant=merchant, superseded=False, decision="pending"):
        document_decide(actor=reviewer, document=document, decision="accepted")


def make_active(merchant: Merchant, owner: User, staff: dict[str, User]) -> None:
    from merchants.services import applications as app
    from merchants.services.contracts import contract_accept, contract_countersign, contract_draft, contract_offer
    from merchants.services.settlement import settlement_account_approve, settlement_account_verify

    merchant.refresh_from_db()
    if merchant.status == Merchant.Status.SUBMITTED:
        merchant = app.merchant_start_review(actor=staff["reviewer"], merchant=merchant)
    accept_documents(merchant, staff["reviewer"])
    merchant = app.merchant_approve(actor=staff["reviewer"], merchant=merchant, note="资料齐全")
    if merchant.status != "approved":  # high risk: second approval
        merchant = app.merchant_approve(actor=staff["ops"], merchant=merchant, note="复核通过")
    today = timezone.localdate()
    contract = contract_draft(
        actor=staff["ops"], merchant=merchant, deposit=Decimal("500.00"), monthly_rent=Decimal("30.00"),
        fees=[{"channel": c, "rate_percent": Decimal(r), "cap": Decimal(cap) if cap else None} for c, r, cap in FEES],
        settlement_cycle="T+1", settlement_method="auto", start_date=today - timedelta(days=90),
        end_date=today + timedelta(days=640))  # in force for the 60 days of demo transactions
    contract_offer(actor=staff["ops"], contract=contract)
    contract.refresh_from_db()
    contract_accept(actor=owner, contract=contract, sha256=contract.text_sha256, ip="203.0.113.10")
    contract_countersign(actor=staff["ops"], contract=contract)
    account = merchant.settlement_accounts.get(status="pending")
    settlement_account_verify(actor=staff["reviewer"], account=account)
    settlement_account_approve(actor=staff["ops"], account=account)
    app.merchant_activate(actor=staff["ops"], merchant=merchant)


OWNERS = [
    ("merchant", "上海江畔咖啡有限公司", "江畔咖啡 Riverside Coffee", "zh-hans", "owner of merchant A"),
    ("merchant2", "杭州西湖面馆有限公司", "West Lake Noodle House", "en", "owner of merchant B"),
]


def seed(*, password: str, force_password: bool) -> list[tuple[str, str]]:
    """Merchants A and B active; others submitted, under review (one high-risk waiting for the second
    approval), asked for information, rejected, blacklisted (suspended) and draft."""
    from django.utils.translation import gettext_lazy as _

    from acquirer.services.accounts import ensure_demo_user
    from acquirer.services.notifications import notify
    from merchants.services import applications as app
    from merchants.services.blacklist import blacklist_add

    staff = {name: User.objects.get(username=name) for name in ("ops", "reviewer", "risk")}
    logins = []
    for n, (username, legal, trading, language, what) in enumerate(OWNERS, start=1):
        owner, created = ensure_demo_user(username=username, password=password, force_password=force_password,
                                          kind=User.Kind.MERCHANT, email=f"{username}@merchant.example",
                                          language=language)
        logins.append((username, f"{what} ({trading})"))
        if owner.merchant_id is None:
            app.merchant_signup(user=owner, legal_name=legal)
            owner = User.objects.get(pk=owner.pk)
            Merchant.objects.filter(pk=owner.merchant_id).update(trading_name=trading)
            notify(recipient=owner, kind="welcome", title=_("Welcome to the merchant portal"),
                   body=_("Your account for %(merchant)s is ready."), params={"merchant": trading},
                   url=reverse("portal:home"))
        merchant = Merchant.objects.get(pk=owner.merchant_id)
        if merchant.status == "draft":
            fill(merchant, owner, n)
            app.merchant_submit(actor=owner, merchant=merchant)
            make_active(merchant, owner, staff)

    scenarios = [
        ("shop-submitted", "上海晨光便利店有限公司", "submitted", {}),
        ("shop-review", "上海悦来茶饮有限公司", "under_review", {}),
        ("shop-highrisk", "上海金桥贵金属回收有限公司", "under_review", {"mcc": "5933", "premises": "none",
                                                                     "volume": "2500000.00"}),
        ("shop-info", "上海小城面馆", "info_requested", {"kind": "individual_business"}),
        ("shop-rejected", "上海速达电子商务有限公司", "rejected", {"mcc": "5967"}),
        ("shop-blacklisted", "上海旺角娱乐有限公司", "blacklisted", {}),
        ("shop-draft", "上海花间花艺工作室", "draft", {}),
    ]
    for n, (username, legal_name, target, options) in enumerate(scenarios, start=3):
        logins.append((username, f"applicant: {target.replace('_', ' ')}"))
        if User.objects.filter(username=username).exists():
            continue
        from acquirer.services.accounts import user_create

        owner = user_create(actor=None, username=username, password=password, kind=User.Kind.MERCHANT,
                            email=f"{username}@merchant.example")
        merchant = app.merchant_signup(user=owner, legal_name=legal_name)
        if target == "draft":
            continue
        if options.get("kind") == "individual_business":
            merchant.legal_rep_name = "周杰"
            merchant.legal_name = legal_name
        fill(merchant, owner, n, **options)
        merchant = app.merchant_submit(actor=owner, merchant=merchant)
        if target == "submitted":
            continue
        merchant = app.merchant_start_review(actor=staff["reviewer"], merchant=merchant)
        if target == "under_review":
            if options.get("mcc") == "5933":
                accept_documents(merchant, staff["reviewer"])
                app.merchant_approve(actor=staff["reviewer"], merchant=merchant, note="需要经理复核")
            continue
        if target == "info_requested":
            app.merchant_request_info(actor=staff["reviewer"], merchant=merchant,
                                      note="请补充经营场所租赁合同。Please add the premises lease.")
        elif target == "rejected":
            app.merchant_reject(actor=staff["reviewer"], merchant=merchant,
                                reason="经营范围与申请行业不符 / business scope does not match the MCC")
        elif target == "blacklisted":
            make_active(merchant, owner, staff)
            blacklist_add(actor=staff["risk"], uscc=merchant.uscc, name=legal_name,
                          reason="银联风险信息共享：涉嫌套现 / UnionPay risk sharing: suspected cash-out",
                          source="unionpay")
    return logins
