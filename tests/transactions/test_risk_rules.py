"""The rules engine over real ledger rows: each kind finds what it should and nothing just under its threshold;
evaluation is idempotent and groups alerts into cases."""

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from acquirer.models import AuditEvent
from tests.factories import make_merchant
from tests.transactions.factories import SHANGHAI, live_merchant_with_terminal, make_transaction
from transactions.models import RiskAlert, RiskCase, RiskRule
from transactions.models.risk import RuleKind
from transactions.services.risk_alerts import group_alerts
from transactions.services.risk_rules import defaults, describe, evaluate_file, evaluate_window, findings

K = RuleKind
DAY = timezone.localdate() - timedelta(days=2)
CARD_B = "6225880000000019"
CARD_C = "6225880000000027"


@pytest.fixture
def shop(db, users):
    return live_merchant_with_terminal(make_merchant("风控商户"))


def at(day, hour, minute=0, second=0):
    return datetime.combine(day, time(hour)) + timedelta(minutes=minute, seconds=second)


def txn(shop, when: datetime, amount: int = 10000, **extra) -> dict:
    merchant, terminal = shop
    return make_transaction(merchant=merchant, terminal=terminal, local_date=when.date(), amount_minor=amount,
                            local_time=when, at=when.replace(tzinfo=SHANGHAI), **extra)


def found(kind, day=DAY, **params):
    return findings(kind, {**defaults(kind), **params}, first=day, last=day)


# --- each kind: triggers, and does not just under the threshold ----------------------------------------------------

def test_large_ticket_against_the_merchants_median(shop):
    for n in range(10):
        txn(shop, at(DAY - timedelta(days=1 + n), 10), 145000)
    big = txn(shop, at(DAY, 11), 145000 * 5)
    txn(shop, at(DAY, 12), 145000 * 5 - 1)  # just under 5 times
    result = found(K.LARGE_TICKET)
    assert [f.key for f in result] == [f"txn:{DAY}:{big['id']}"]
    assert result[0].facts["median_minor"] == 145000
    assert "7,250.00" in describe(K.LARGE_TICKET, result[0].facts)
    assert "1,450.00" in describe(K.LARGE_TICKET, result[0].facts)


def test_large_ticket_needs_the_minimum_amount(shop):
    for n in range(5):
        txn(shop, at(DAY - timedelta(days=1 + n), 10), 1000)
    txn(shop, at(DAY, 11), 99999)  # 100 x the median, under 1,000.00
    assert found(K.LARGE_TICKET) == []


def test_card_velocity_counts_one_card_within_the_window(shop):
    for n in range(5):
        txn(shop, at(DAY, 10, n * 14))  # five within 56 minutes
    for n in range(4):
        txn(shop, at(DAY, 14, n * 10), pan=CARD_B)  # four only
    for n in range(5):
        txn(shop, at(DAY, 18, n * 16), pan=CARD_C)  # five over 64 minutes
    result = found(K.CARD_VELOCITY)
    assert len(result) == 1
    assert result[0].key.startswith("card:") and result[0].transactions == 5
    assert len(result[0].linked) == 5
    assert "5 transactions on one card within 60 minutes" in describe(K.CARD_VELOCITY, result[0].facts)


def test_terminal_velocity(shop):
    for n in range(6):
        txn(shop, at(DAY, 9, 0, n * 50), pan=f"62258800000{n:05d}")
    for n in range(5):
        txn(shop, at(DAY, 15, n), pan=f"62258800001{n:05d}")
    result = found(K.TERMINAL_VELOCITY, count=6, minutes=5)
    assert len(result) == 1 and result[0].terminal_id == shop[1].pk and result[0].transactions == 6
    assert result[0].key == f"terminal:{shop[1].pk}:{DAY.strftime('%Y%m%d')}01"


def test_split_sales_just_under_the_limit(shop):
    txn(shop, at(DAY, 10, 0), 4_900_000)
    txn(shop, at(DAY, 10, 20), 4_600_000)
    txn(shop, at(DAY, 13, 0), 4_900_000, pan=CARD_B)
    txn(shop, at(DAY, 13, 10), 4_400_000, pan=CARD_B)  # below the band (45,000.00)
    result = found(K.SPLIT_SALES)
    assert len(result) == 1 and result[0].transactions == 2 and result[0].amount_minor == 9_500_000
    assert "50,000.00" in describe(K.SPLIT_SALES, result[0].facts)


def test_off_hours(shop):
    for hour in (1, 2, 23):
        txn(shop, at(DAY, hour))
    other = live_merchant_with_terminal(make_merchant("夜间商户"))
    for when in (at(DAY, 2), at(DAY, 6, 59), at(DAY, 7, 0), at(DAY, 22, 59)):
        txn(other, when)
    result = found(K.OFF_HOURS)
    assert [f.merchant_id for f in result] == [shop[0].pk]
    assert result[0].key == f"hours:{DAY}" and result[0].facts["count"] == 3


def test_round_amounts_on_credit_cards(shop):
    for amount in (100000, 200000, 500000):
        txn(shop, at(DAY, 10), amount)
    other = live_merchant_with_terminal(make_merchant("整数商户"))
    txn(other, at(DAY, 10), 100000)
    txn(other, at(DAY, 10), 200000)
    txn(other, at(DAY, 10), 300050)  # not round
    txn(other, at(DAY, 10), 400000, funding="debit")
    result = found(K.ROUND_AMOUNTS)
    assert [f.merchant_id for f in result] == [shop[0].pk]
    assert result[0].amount_minor == 800000


def test_refund_ratio(shop):
    for n in range(10):
        txn(shop, at(DAY - timedelta(days=n % 5), 10))
    for _n in range(3):
        txn(shop, at(DAY, 11), -10000, type="refund")
    other = live_merchant_with_terminal(make_merchant("退款商户"))
    for n in range(10):
        txn(other, at(DAY - timedelta(days=n % 5), 10))
    for _n in range(2):
        txn(other, at(DAY, 11), -10000, type="refund")  # 0.2
    result = found(K.REFUND_RATIO)
    assert [f.merchant_id for f in result] == [shop[0].pk]
    assert result[0].facts["ratio"] == "0.30" and result[0].transactions == 3


def test_repeated_declines(shop):
    for n in range(3):
        txn(shop, at(DAY, 10, n * 5), status="declined")
    for n in range(2):
        txn(shop, at(DAY, 12, n * 5), status="declined", pan=CARD_B)
    txn(shop, at(DAY, 12, 7), pan=CARD_B)  # approved: not a decline
    result = found(K.REPEATED_DECLINES)
    assert len(result) == 1 and result[0].transactions == 3 and result[0].key.startswith("declines:")


def test_far_location(shop):
    merchant, terminal = shop
    terminal.install_latitude, terminal.install_longitude = Decimal("31.230400"), Decimal("121.473700")
    terminal.save(update_fields=["install_latitude", "install_longitude"])
    far = txn(shop, at(DAY, 10), latitude=Decimal("31.300000"), longitude=Decimal("121.473700"))  # ~7.8 km
    txn(shop, at(DAY, 11), latitude=Decimal("31.260000"), longitude=Decimal("121.473700"))  # ~3.3 km
    txn(shop, at(DAY, 12))  # no location reported
    result = found(K.FAR_LOCATION)
    assert [f.key for f in result] == [f"txn:{DAY}:{far['id']}"]
    assert Decimal(result[0].facts["km"]) > 5


def test_dormant_terminal(shop):
    txn(shop, at(DAY - timedelta(days=40), 10))
    txn(shop, at(DAY, 10))
    txn(shop, at(DAY, 11))
    other = live_merchant_with_terminal(make_merchant("常用商户"))
    txn(other, at(DAY - timedelta(days=29), 10))
    txn(other, at(DAY, 10))
    result = found(K.DORMANT_TERMINAL)
    assert [f.key for f in result] == [f"terminal:{shop[1].pk}:{DAY}"]
    assert result[0].facts["idle_days"] == 40


def test_new_merchant_volume(shop):
    merchant = shop[0]
    merchant.expected_monthly_volume = Decimal("1000.00")
    merchant.approved_at = timezone.now() - timedelta(days=20)
    merchant.save(update_fields=["expected_monthly_volume", "approved_at"])
    txn(shop, at(DAY - timedelta(days=5), 10), 150000)
    txn(shop, at(DAY, 10), 150001)  # 3,000.01
    other = live_merchant_with_terminal(make_merchant("新商户"))
    other[0].expected_monthly_volume, other[0].approved_at = Decimal("1000.00"), timezone.now() - timedelta(days=20)
    other[0].save(update_fields=["expected_monthly_volume", "approved_at"])
    txn(other, at(DAY, 10), 300000)  # exactly 3 times
    result = found(K.NEW_MERCHANT_VOLUME)
    assert [f.merchant_id for f in result] == [merchant.pk]
    assert "3,000.01" in describe(K.NEW_MERCHANT_VOLUME, result[0].facts)


def test_scope_narrows_to_mccs_risk_ratings_and_one_merchant(shop):
    merchant = shop[0]
    merchant.mcc, merchant.risk_level = "5812", "high"
    merchant.save(update_fields=["mcc", "risk_level"])
    for hour in (1, 2, 3):
        txn(shop, at(DAY, hour))
    params = defaults(K.OFF_HOURS)
    assert findings(K.OFF_HOURS, params, first=DAY, last=DAY, mccs=["5812"])
    assert not findings(K.OFF_HOURS, params, first=DAY, last=DAY, mccs=["5411"])
    assert findings(K.OFF_HOURS, params, first=DAY, last=DAY, levels=["high"])
    assert not findings(K.OFF_HOURS, params, first=DAY, last=DAY, levels=["low", "medium"])
    assert not findings(K.OFF_HOURS, params, first=DAY, last=DAY, merchant_id=shop[0].pk + 1000)


# --- evaluation ----------------------------------------------------------------------------------------------------

def test_evaluate_window_raises_alerts_once_and_groups_them_into_a_case(shop):
    for hour in (1, 2, 3):
        txn(shop, at(DAY, hour))
    for n in range(5):
        txn(shop, at(DAY, 10, n * 5), pan=CARD_B)
    first = evaluate_window(first=DAY, last=DAY)
    assert first["by_rule"]["Off-hours activity"] == 1 and first["by_rule"]["Card velocity"] == 1
    alerts = RiskAlert.objects.filter(merchant=shop[0])
    assert alerts.count() == first["alerts"] and all(a.case_id for a in alerts)
    again = evaluate_window(first=DAY, last=DAY)
    assert again["alerts"] == 0 and again["cases"] == 0
    assert alerts.count() == first["alerts"]
    case = RiskCase.objects.get(merchant=shop[0], rule__kind=K.OFF_HOURS)
    assert case.alert_count == 1 and case.version.number == 1 and case.status == "open"
    assert AuditEvent.objects.filter(action="risk_case.opened", target_id=str(case.pk)).exists()


def test_alerts_within_the_window_join_one_case_and_later_ones_open_another(shop):
    for day in (DAY - timedelta(days=20), DAY - timedelta(days=17), DAY):
        for hour in (1, 2, 3):
            txn(shop, at(day, hour))
    evaluate_window(first=DAY - timedelta(days=20), last=DAY - timedelta(days=20))
    evaluate_window(first=DAY - timedelta(days=17), last=DAY - timedelta(days=17))
    cases = RiskCase.objects.filter(merchant=shop[0], rule__kind=K.OFF_HOURS)
    assert cases.count() == 1 and cases.get().alert_count == 2
    evaluate_window(first=DAY, last=DAY)
    assert cases.count() == 2
    assert sorted(cases.values_list("alert_count", flat=True)) == [1, 2]


def test_grouping_many_alerts_in_one_pass_opens_cases_by_runs(shop):
    days = [DAY - timedelta(days=n) for n in (30, 28, 26, 10, 9)]
    for day in days:
        for hour in (1, 2, 3):
            txn(shop, at(day, hour))
    rule = RiskRule.objects.get(kind=K.OFF_HOURS)
    RiskRule.objects.exclude(pk=rule.pk).update(current=None)
    result = evaluate_window(first=days[0], last=days[-1])
    assert result["alerts"] == 5 and result["cases"] == 2
    counts = sorted(RiskCase.objects.filter(merchant=shop[0]).values_list("alert_count", flat=True))
    assert counts == [2, 3]
    assert group_alerts([]) == 0


def test_evaluate_file_reads_only_the_files_rows(shop):
    from transactions.models import IngestFile

    file = IngestFile.objects.create(kind="journal", original_name="j.iso", sha256="a" * 64, status="done")
    for hour in (1, 2, 3):
        txn(shop, at(DAY, hour), ingest_file_id=file.pk)
    other = live_merchant_with_terminal(make_merchant("别的文件"))
    for hour in (1, 2, 3):
        txn(other, at(DAY, hour))
    result = evaluate_file(ingest_file_id=file.pk)
    assert result["by_rule"]["Off-hours activity"] == 1
    alert = RiskAlert.objects.get(rule__kind=K.OFF_HOURS)
    assert alert.merchant_id == shop[0].pk and alert.source == "batch" and alert.ingest_file_id == file.pk
    assert evaluate_file(ingest_file_id=file.pk)["alerts"] == 0
    assert evaluate_window(first=DAY, last=DAY)["by_rule"]["Off-hours activity"] == 1  # only the other merchant


def test_disabled_rules_do_not_run(shop):
    for hour in (1, 2, 3):
        txn(shop, at(DAY, hour))
    RiskRule.objects.filter(kind=K.OFF_HOURS).update(current=None)
    assert "Off-hours activity" not in evaluate_window(first=DAY, last=DAY)["by_rule"]


def test_a_journal_with_new_rows_queues_its_risk_evaluation_and_the_task_raises_alerts(shop, tmp_path):
    from acquirer.models import OutboxMessage
    from tests.transactions.ingest_support import journal_row
    from transactions.demo.files import write_journal_csv
    from transactions.services.ingest import ingest_path
    from transactions.tasks import risk_evaluate_file

    merchant, terminal = shop
    path = tmp_path / "night.csv"
    write_journal_csv(path, [journal_row(merchant, terminal, when=at(DAY, hour)) for hour in (1, 2, 3)])
    record = ingest_path(kind="journal-csv", path=path)
    message = OutboxMessage.objects.get(task_name="transactions.tasks.risk_evaluate_file")
    assert message.kwargs == {"ingest_file_id": record.pk}
    assert risk_evaluate_file.apply(kwargs=message.kwargs).get()["by_rule"]["Off-hours activity"] == 1
    again = ingest_path(kind="journal-csv", path=path)  # nothing new: nothing queued
    assert again.new == 0
    assert OutboxMessage.objects.filter(task_name="transactions.tasks.risk_evaluate_file").count() == 1
