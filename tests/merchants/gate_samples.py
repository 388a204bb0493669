"""Gate matrix samples of the merchants URLs (declared in merchants/plugin.py): merchant A made active with a
blacklist entry, a document, a settlement account, a contract and an inspection photo."""

import datetime
from decimal import Decimal

from acquirer import roles


def build(ctx):
    from merchants.models import Merchant
    from merchants.services.blacklist import blacklist_add
    from merchants.services.contracts import contract_draft
    from merchants.services.documents import document_upload
    from merchants.services.inspections import CHECKLIST, inspection_record
    from merchants.services.settlement import settlement_account_request
    from tests.merchants.kyc_data import make_card_number, pdf_file, png_file

    users, merchant_a = ctx["users"], ctx["merchant_a"]
    manager = users[roles.OPERATIONS_MANAGER]
    ctx["blacklist_entry"] = blacklist_add(actor=users[roles.RISK_ANALYST], uscc="91999999GATE000000",
                                           name="Gate sample", reason="gate walk sample", source="internal")
    ctx["document_a"] = document_upload(actor=users["merchant_a"], merchant=merchant_a, kind="settlement_proof",
                                        uploaded_file=pdf_file())
    Merchant.objects.filter(pk=merchant_a.pk).update(status=Merchant.Status.ACTIVE, merchant_type="individual",
                                                     legal_rep_name="张三")
    merchant_a.refresh_from_db()
    ctx["account_a"] = settlement_account_request(actor=users["merchant_a"], merchant=merchant_a, kind="personal",
                                                  account_name="张三", bank_name="ICBC", branch_name="Huangpu",
                                                  account_number=make_card_number())
    today = datetime.date.today()
    ctx["contract_a"] = contract_draft(
        actor=manager, merchant=merchant_a,
        fees=[{"channel": channel, "rate_percent": Decimal("0.50"), "cap": None}
              for channel in ("debit", "credit", "unionpay_qr", "contactless", "other_qr")],
        deposit=Decimal("99.00"), monthly_rent=Decimal("10.00"), settlement_cycle="T+1", settlement_method="auto",
        start_date=today, end_date=today.replace(year=today.year + 1))
    inspection = inspection_record(actor=manager, merchant=merchant_a, performed_on=today,
                                   checklist=dict.fromkeys(CHECKLIST, True), findings="", outcome="passed",
                                   photos=[png_file()])
    ctx["photo_a"] = inspection.photos.get()


def samples(ctx) -> dict:
    merchant = {"pk": ctx["merchant_a"].pk}
    return {
        "ops:merchant-detail": merchant,
        "audit:merchant-detail": merchant,
        "portal:application-step": {"step": "company"},
        "ops:merchant-edit": {**merchant, "step": "company"},
        **{f"ops:merchant-{action}": merchant for action in (
            "submit", "assign", "start-review", "request-info", "approve", "reject", "activate", "suspend",
            "terminate", "risk-override", "risk-refresh")},
        "ops:blacklist-remove": {"pk": ctx["blacklist_entry"].pk},
        "ops:secret-reveal": {"model": "merchant", "pk": ctx["merchant_a"].pk, "field": "legal_rep_id"},
        **{name: {"merchant_pk": ctx["merchant_a"].pk} for name in (
            "ops:document-list", "ops:document-upload", "audit:document-list", "ops:contract-list",
            "ops:contract-create", "ops:settlement-request", "ops:inspection-create")},
        **{name: {"pk": ctx["document_a"].pk} for name in (
            "ops:document-decide", "ops:document-download", "portal:document-download", "audit:document-download")},
        **{name: {"pk": ctx["contract_a"].pk} for name in (
            "ops:contract-detail", "ops:contract-offer", "ops:contract-countersign", "ops:contract-terminate",
            "ops:contract-amend", "ops:contract-withdraw", "ops:contract-pdf", "portal:contract-detail",
            "portal:contract-accept", "portal:contract-pdf", "audit:contract-detail", "audit:contract-pdf")},
        **{name: {"pk": ctx["account_a"].pk} for name in (
            "ops:settlement-verify", "ops:settlement-approve", "ops:settlement-reject")},
        **{name: {"pk": ctx["photo_a"].pk} for name in ("ops:inspection-photo", "audit:inspection-photo")},
    }
