"""The suspicious-transaction report: PDF and XLSX that parse, with the case facts, the linked transactions with
masked cards only (never a token or a full card number), amounts in yuan, and the evidence index; downloaded by
those who report and by auditors (audited), refused to others and for an undecided case."""

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader

from acquirer import roles
from acquirer.exceptions import DomainError, NotPermitted
from acquirer.models import AuditEvent
from tests.transactions.factories import TEST_PAN, live_merchant_with_terminal, make_transaction
from tests.transactions.risk_factories import make_case
from transactions.cards import masked
from transactions.models import RiskCase
from transactions.risk_report import report_download, report_pdf, report_xlsx
from transactions.services import risk_cases as svc

ANALYST, MANAGER, COMPLIANCE = roles.RISK_ANALYST, roles.OPERATIONS_MANAGER, roles.COMPLIANCE_OFFICER


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def decided(merchant_a, users):
    merchant, terminal = live_merchant_with_terminal(merchant_a, users[MANAGER])
    case = make_case(merchant=merchant, terminal=terminal, status=RiskCase.Status.INVESTIGATING, day=date(2026, 11, 20))
    analyst = users[ANALYST]
    svc.case_add_note(actor=analyst, case=case, text="商户承认套现 the merchant admitted cash-out")
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 90, 200)).save(buffer, format="PNG")
    item = svc.case_attach_file(actor=analyst, case=case,
                                uploaded_file=SimpleUploadedFile("收据.png", buffer.getvalue(), "image/png"))
    extra = make_transaction(merchant=merchant, terminal=terminal, local_date=date(2026, 11, 21), amount_minor=123456)
    svc.case_link_transaction(actor=analyst, case=case, local_date=extra["local_date"], transaction_id=extra["id"])
    svc.case_decide(actor=analyst, case=case, outcome=RiskCase.Status.CONFIRMED, reason="套现 confirmed cash-out",
                    major=True)
    case.refresh_from_db()
    return case, extra, item


def _no_card_secrets(text: str, row: dict) -> None:
    assert row["card_token"] and row["card_token"] not in text
    assert TEST_PAN not in text


@pytest.mark.django_db
def test_report_pdf_parses_with_facts_masked_cards_and_evidence(decided):
    case, extra, item = decided
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(report_pdf(case))).pages)
    assert masked(extra["bin"], extra["last4"]) in text
    assert "1,234.56" in text and "8,800.00" in text and "8,800.01" in text
    assert case.merchant.mid in text and "v1" in text and "confirmed cash-out" in text
    assert item.sha256[:32] in text.replace("\n", "")
    assert "the merchant admitted cash-out" in text
    assert case.report_due.strftime("%Y-%m-%d") in text
    _no_card_secrets(text, extra)


@pytest.mark.django_db
def test_report_xlsx_parses_with_facts_masked_cards_and_evidence(decided):
    case, extra, item = decided
    book = load_workbook(io.BytesIO(report_xlsx(case)))
    assert book.sheetnames == ["Case", "Transactions", "Evidence"]
    facts = {row[0]: row[1] for row in book["Case"].iter_rows(values_only=True)}
    assert facts["商户 Merchant"] == case.merchant.legal_name and facts["规则 Rule"] == case.rule.name
    assert facts["结论 Outcome"] == "Confirmed" and facts["重大风险事件 Major risk event"] == "是 Yes"
    assert facts["报送期限 Report due"] == f"{case.report_due:%Y-%m-%d}"
    rows = list(book["Transactions"].iter_rows(values_only=True))
    cards = {row[5] for row in rows[1:-1]}
    assert cards == {masked(extra["bin"], extra["last4"])}
    assert len(rows) == 1 + 3 + 1  # header, two alert rows and the linked one, total
    assert rows[-1][6] == "18,834.57"  # 8,800.00 + 8,800.01 + 1,234.56
    evidence = list(book["Evidence"].iter_rows(values_only=True))
    assert [row[0] for row in evidence[1:]] == ["Note", "File", "Linked transaction"]
    assert evidence[2][1] == "收据.png" and evidence[2][2] == item.sha256
    everything = " ".join(str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                          for cell in row)
    _no_card_secrets(everything, extra)


@pytest.mark.django_db
@pytest.mark.parametrize("who", [COMPLIANCE, ANALYST, "auditor"])
def test_report_download_by_those_who_report_and_auditors(who, decided, users):
    case, _extra, _item = decided
    response = report_download(actor=users[who], case=case, fmt="pdf")
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    event = AuditEvent.objects.get(action="risk_case.report_downloaded")
    assert event.data == {"format": "pdf"} and event.actor == users[who]


@pytest.mark.django_db
@pytest.mark.parametrize("who", [MANAGER, roles.CUSTOMER_SERVICE, "merchant_a", "merchant_b"])
def test_report_download_refused_to_others(who, decided, users):
    with pytest.raises(NotPermitted):
        report_download(actor=users[who], case=decided[0], fmt="xlsx")
    assert not AuditEvent.objects.filter(action="risk_case.report_downloaded").exists()


@pytest.mark.django_db
def test_report_download_needs_a_decided_case_and_a_format(users, decided):
    undecided = make_case(merchant=decided[0].merchant, decided_at=None)
    with pytest.raises(DomainError, match="not decided"):
        report_download(actor=users[COMPLIANCE], case=undecided, fmt="pdf")
    with pytest.raises(DomainError, match="PDF or XLSX"):
        report_download(actor=users[COMPLIANCE], case=decided[0], fmt="csv")
