"""The issue's journey through the pages, as people would take it: a risk analyst tunes a shipped rule, dry-runs the
change and enables it; an ingested journal triggers it (the task the ingest queued); the case is investigated,
evidence attached, settlement held; the merchant sees the hold in its own words; the next settlement keeps the
money back; a second analyst approves the release and the next settlement pays it."""

import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from acquirer import roles
from acquirer.models import OutboxMessage
from tests.factories import make_user
from tests.transactions.factories import SHANGHAI, live_merchant_with_terminal, make_transaction
from tests.transactions.ingest_support import journal_row
from transactions.demo.files import write_journal_csv
from transactions.models import RiskCase, RiskRule, SettlementBatch, SettlementHold
from transactions.services.ingest import ingest_path
from transactions.services.settlement import settlement_build
from transactions.tasks import risk_evaluate_file

ANALYST = roles.RISK_ANALYST
DAY = date.today() - timedelta(days=2)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 120, 0)).save(buffer, format="PNG")
    return SimpleUploadedFile("receipt.png", buffer.getvalue(), content_type="image/png")


@pytest.mark.django_db
def test_tune_dry_run_enable_trigger_investigate_hold_and_release(clients, users, merchant_a, tmp_path):
    merchant, terminal = live_merchant_with_terminal(merchant_a, users[roles.OPERATIONS_MANAGER])
    for days in range(3, 20):  # a month of 100.00 sales: the merchant's usual ticket
        when = datetime.combine(DAY - timedelta(days=days), time(12))
        make_transaction(merchant=merchant, terminal=terminal, local_date=when.date(), amount_minor=10000,
                         local_time=when, at=when.replace(tzinfo=SHANGHAI))
    analyst = clients[ANALYST]
    rule = RiskRule.objects.get(kind="large_ticket")

    # 1. tune (a sale 4 times the median, from 500.00), dry-run over the days before, enable
    tuned = {"p_multiple": "4", "p_lookback_days": 30, "p_min_amount": "500.00", "severity": "high"}
    dry = analyst.post(reverse("ops:risk-rule-dry-run", args=[rule.pk]), {**tuned, "days": 30})
    assert dry.status_code == 200 and 'id="risk-dry-run-proposed"' in dry.content.decode()
    analyst.post(reverse("ops:risk-rule-edit", args=[rule.pk]),
                 {**tuned, "reason": "Smaller shops: flag from 500.00 at four times the median"})
    analyst.post(reverse("ops:risk-rule-enable", args=[rule.pk]), {"reason": "Tuned and dry-run; switching on"})
    rule.refresh_from_db()
    assert rule.current.number == 3 and rule.current.enabled and rule.current.params["min_amount"] == 50000

    # 2. a journal arrives with a 900.00 sale; the ingest queued the evaluation, which opens a case
    path = tmp_path / "journal.csv"
    write_journal_csv(path, [journal_row(merchant, terminal, when=datetime.combine(DAY, time(15)),
                                         amount=Decimal("900.00"))])
    ingested = ingest_path(kind="journal-csv", path=path)
    assert ingested.new == 1
    message = OutboxMessage.objects.get(task_name="transactions.tasks.risk_evaluate_file")
    risk_evaluate_file.apply(kwargs=message.kwargs).get()
    case = RiskCase.objects.get(merchant=merchant, rule=rule)
    assert case.version_id == rule.current_id and case.status == "open"

    # 3. investigate: take it, attach a file, hold 500.00 of the settlement
    case_url = reverse("ops:risk-case-detail", args=[case.pk])
    assert "900.00" in analyst.get(case_url).content.decode()
    analyst.post(reverse("ops:risk-case-take", args=[case.pk]))
    analyst.post(reverse("ops:risk-case-attach", args=[case.pk]), {"file": _png()})
    analyst.post(reverse("ops:risk-case-hold", args=[case.pk]), {
        "amount": "500.00", "reason": "Ticket far above usual; receipts asked for",
        "merchant_reason": "We are reviewing a recent large sale.",
        "review_date": (date.today() + timedelta(days=7)).isoformat()})
    case.refresh_from_db()
    hold = SettlementHold.objects.get(case=case)
    assert case.status == "investigating" and case.evidence.filter(kind="file").count() == 1
    assert hold.status == "active" and hold.amount_minor == 50000

    # 4. the merchant sees the hold in its words, never the internal reason or the rule
    portal = clients["merchant_a"].get(reverse("portal:hold-list")).content.decode()
    assert "We are reviewing a recent large sale." in portal
    assert "receipts asked for" not in portal and rule.name not in portal

    # 5. the next settlement keeps 500.00 back
    settlement_build(day=DAY)
    batch = SettlementBatch.objects.get(merchant=merchant, settlement_date=DAY)
    assert batch.held_minor == 50000 and batch.payout_minor == batch.net_minor - 50000

    # 6. a second analyst approves the release the first one asked for; the next settlement pays it back once
    analyst.post(reverse("ops:risk-hold-request-release", args=[hold.pk]), {"reason": "Receipts checked, all fine"})
    second = make_user(roles=[ANALYST])
    from django.test import Client

    other = Client()
    other.force_login(second)
    other.post(reverse("ops:risk-hold-approve-release", args=[hold.pk]))
    hold.refresh_from_db()
    assert hold.status == "released" and hold.released_by == second
    when = datetime.combine(DAY + timedelta(days=1), time(11))
    make_transaction(merchant=merchant, terminal=terminal, local_date=when.date(), amount_minor=10000,
                     local_time=when, at=when.replace(tzinfo=SHANGHAI))
    settlement_build(day=DAY + timedelta(days=1))
    settlement_build(day=DAY + timedelta(days=1))  # a re-run pays nothing twice
    next_batch = SettlementBatch.objects.get(merchant=merchant, settlement_date=DAY + timedelta(days=1))
    assert next_batch.released_minor == 50000 and next_batch.payout_minor == next_batch.net_minor + 50000
