"""Demo risk monitoring: journal rows planted in the demo's trading days so that every shipped rule fires at least
once, through the real ingest and the real evaluation; then cases worked into every state, one settlement hold
left in force and one placed and released by two people.

The planted rows go into the day's journal before its clearing rows are made from it, so reconciliation finds
them cleared like any other row (its planted breaks stay the only ones)."""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

# days ago of each plant (the dormant terminal trades again on DORMANT_BACK, idle since DORMANT_FROM)
SPIKES = 3  # a large ticket, round credit-card amounts, a split sale, night sales, a velocity burst
CARD_BURST = 4
DECLINES = 5
REFUNDS = 2
FAR = 6
DORMANT_FROM, DORMANT_BACK = 40, 1
NEW_VOLUME = range(2, 12)  # the second merchant's large sales: far above its declared monthly volume


def _row(terminal, at: datetime, amount: Decimal, *, stan: int, pan: str = "", channel: str = "chip",
         type_: str = "sale", response: str = "00", **extra) -> dict:
    return {"terminal_id": terminal.tid, "merchant_id": terminal.mid, "local_time": at, "type": type_,
            "channel": channel if pan or channel.endswith("qr") else "unionpay_qr", "pan": pan, "amount": amount,
            "currency": "CNY", "stan": f"{stan % 1000000:06d}", "rrn": "",
            "auth_code": f"{stan % 1000000:06d}" if response == "00" else "", "response_code": response,
            "batch": f"{(at.date() - datetime(2020, 1, 1).date()).days % 1000000:06d}", **extra}


def plant(rng: random.Random, day, ago: int, terminals: list, cards: list) -> None:
    """Add the day's planted rows to ``day.journal`` (a ``transactions.demo.ledger.Day``). Each row gets an RRN of
    its own (prefix 9) so nothing collides with the day's trading."""
    idle = dormant(terminals)
    first = [t for t in terminals if t.merchant_id == terminals[0].merchant_id and t != idle]
    second = [t for t in terminals if t.merchant_id != terminals[0].merchant_id and t != idle] or first
    credit = [pan for pan in cards if pan.startswith(("625", "628"))]
    debit = [pan for pan in cards if pan.startswith("62") and not pan.startswith(("625", "628"))]
    rows: list[dict] = []
    seq = iter(range(9000, 10000))

    def add(terminal, at, amount, **kw):
        n = next(seq)
        row = _row(terminal, at, Decimal(amount), stan=900000 + n, **kw)
        row["rrn"] = f"{day.day:%y%m%d}9{terminal.tid[-1]}{n:04d}"[-12:]
        rows.append(row)
        return row

    base = datetime.combine(day.day, time(0))
    if ago == SPIKES:
        shop = first[0]
        add(shop, base + timedelta(hours=11, minutes=5), "3888.00", pan=rng.choice(debit))  # large ticket
        for hour, amount in ((14, "2000.00"), (15, "3000.00"), (16, "5000.00")):  # round amounts, credit cards
            add(shop, base + timedelta(hours=hour, minutes=12), amount, pan=rng.choice(credit))
        card = rng.choice(debit)  # one card, two sales just under 50,000.00 within half an hour
        add(shop, base + timedelta(hours=17, minutes=2), "48600.00", pan=card)
        add(shop, base + timedelta(hours=17, minutes=19), "47250.00", pan=card)
        for minute in (10, 34, 58):  # sales at night
            add(first[-1], base + timedelta(hours=2, minutes=minute), f"{rng.randint(60, 300)}.00",
                channel="unionpay_qr")
        burst = base + timedelta(hours=19)  # a terminal burst: 64 sales in under ten minutes
        for n in range(64):
            add(second[0], burst + timedelta(seconds=9 * n), f"{rng.randint(10, 40)}.00", channel="unionpay_qr")
    if ago == CARD_BURST:
        card = rng.choice(debit)
        for n in range(6):
            add(first[1 % len(first)], base + timedelta(hours=12, minutes=7 * n), f"{rng.randint(50, 200)}.00",
                pan=card)
    if ago == DECLINES:
        card = rng.choice(credit)
        for n in range(4):
            add(second[-1], base + timedelta(hours=10, minutes=6 * n), "880.00", pan=card, response="51")
    if ago == REFUNDS:
        # refunds without a card: 650 in the day, a third of the second merchant's week of sales
        for n in range(650):
            add(second[n % len(second)], base + timedelta(hours=9, seconds=60 * n), f"{rng.randint(1, 9)}.00",
                type_="refund", channel="unionpay_qr")
    if ago == FAR:
        located = next((t for t in terminals if t.install_latitude is not None), None)
        if located is not None:  # reported about 1,000 km from the installation address
            add(located, base + timedelta(hours=15, minutes=41), "260.00", pan=rng.choice(debit),
                latitude=Decimal(located.install_latitude) + Decimal("9.0"),
                longitude=Decimal(located.install_longitude))
    if ago in NEW_VOLUME:
        for hour in (10, 13, 16):
            add(second[ago % len(second)], base + timedelta(hours=hour, minutes=ago),
                f"{rng.randint(30000, 39000)}.00", pan=rng.choice(debit))
    day.journal.extend(rows)


def dormant(terminals: list):
    """The terminal left idle from :data:`DORMANT_FROM` days ago until :data:`DORMANT_BACK` (none with one
    terminal)."""
    return terminals[-1] if len(terminals) > 1 else None


def seed(*, staff: dict, merchants: list, first, last) -> None:
    """Evaluate the rules over the demo's days (the ingest queued the same per file; evaluation is idempotent),
    then work the cases and the holds as people would."""
    from transactions.services.risk_rules import evaluate_window

    evaluate_window(first=first, last=last, source="nightly")
    _work_cases(staff)


def _work_cases(staff: dict) -> None:
    from transactions.models import RiskCase, RuleKind
    from transactions.services import risk_cases as cases
    from transactions.services import risk_holds as holds

    risk, ops = staff["risk"], staff["ops"]
    today = timezone.localdate()
    queue = list(RiskCase.objects.filter(status=RiskCase.Status.OPEN).select_related("rule").order_by("id"))
    by_kind = {case.rule.kind: case for case in queue}

    def pick(*kinds):
        for kind in kinds:
            case = by_kind.pop(kind, None)
            if case is not None:
                return case
        return None

    confirmed = pick(RuleKind.SPLIT_SALES, RuleKind.LARGE_TICKET)
    if confirmed:
        cases.case_take(actor=risk, case=confirmed)
        cases.case_add_note(actor=risk, case=confirmed, text=(
            "同一张卡半小时内两笔接近5万元限额的消费，商户无法提供购货凭证。"
            "Two sales just under the 50,000.00 limit on one card within half an hour; the merchant could not "
            "show what was sold."))
        for alert in confirmed.alerts.all()[:1]:
            for local_date, transaction_id in alert.linked[:2]:
                cases.case_link_transaction(actor=risk, case=confirmed, local_date=date.fromisoformat(local_date),
                                            transaction_id=transaction_id)
        holds.hold_place(
            actor=risk, merchant=confirmed.merchant, amount_minor=9_585_000, case=confirmed,
            reason="疑似拆单套现，待调查结束。Suspected split sales for cash-out; until the case ends.",
            merchant_reason="风险核查中，部分结算款暂缓支付。Part of your settlement is held while we review recent "
                            "transactions.",
            review_date=today + timedelta(days=14))
        cases.case_decide(actor=risk, case=confirmed, outcome=RiskCase.Status.CONFIRMED, major=True,
                          reason="拆单规避限额，已确认。Splitting to stay under the limit, confirmed.")
    investigating = pick(RuleKind.ROUND_AMOUNTS, RuleKind.CARD_VELOCITY)
    if investigating:
        cases.case_take(actor=risk, case=investigating)
        cases.case_add_note(actor=risk, case=investigating, text=(
            "已致电商户，等待其提供消费明细。Called the merchant; waiting for the receipts."))
    escalated = pick(RuleKind.FAR_LOCATION, RuleKind.DORMANT_TERMINAL)
    if escalated:
        cases.case_take(actor=risk, case=escalated)
        cases.case_decide(actor=risk, case=escalated, outcome=RiskCase.Status.ESCALATED,
                          reason="终端疑似被移机，转交运营经理现场核查。The terminal may have been moved; passed to "
                                 "the operations manager for a visit.")
    false_positive = pick(RuleKind.OFF_HOURS, RuleKind.TERMINAL_VELOCITY)
    if false_positive:
        cases.case_take(actor=risk, case=false_positive)
        cases.case_decide(actor=risk, case=false_positive, outcome=RiskCase.Status.FALSE_POSITIVE,
                          reason="商户当晚有夜间促销活动，已核实。A night sale the merchant had announced; checked.")
    closed = pick(RuleKind.REPEATED_DECLINES, RuleKind.REFUND_RATIO)
    if closed:
        cases.case_take(actor=risk, case=closed)
        cases.case_decide(actor=risk, case=closed, outcome=RiskCase.Status.FALSE_POSITIVE,
                          reason="持卡人额度不足后换卡支付。The cardholder's credit line ran out; paid with another "
                                 "card.")
        cases.case_close(actor=ops, case=closed, reason="核查完毕，无需进一步处理。Checked; nothing more to do.")
    # a hold placed and released by two people (the risk analyst asks, the manager approves)
    other = next((case for case in RiskCase.objects.exclude(pk=getattr(confirmed, "pk", None)).order_by("id")), None)
    if other is not None:
        released = holds.hold_place(actor=risk, merchant=other.merchant, amount_minor=None,
                                    reason="核查期间暂停结算。Settlement paused during the review.",
                                    merchant_reason="结算暂缓，核查后恢复。Payouts paused for a review.",
                                    review_date=today + timedelta(days=3))
        holds.hold_request_release(actor=risk, hold=released,
                                   reason="核查完毕，未发现异常。Review finished; nothing wrong found.")
        holds.hold_approve_release(actor=ops, hold=released)
