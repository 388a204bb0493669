"""Demo complaints, built through the complaint services (so the timeline, audit trail and notifications are real):
every status and every channel, some received weeks ago so that they breach their SLA (then the SLA job runs once
and escalates them), one waiting on the complainant (its clock paused), one forwarded by the regulator with its
reference and deadline, one that opened a fault ticket on the merchant's terminal, resolved ones with ratings and a
reopened one. Idempotent: nothing is added when the merchants already have complaints."""

from datetime import datetime, timedelta

from django.utils import timezone

from complaints.models import Category, Complaint, RootCause
from complaints.services import complaints as svc
from complaints.services.sla import complaints_check_sla
from merchants.selectors.merchants import merchant_owner
from terminals.models import Terminal

S = Complaint.Status


def _cat(code: str) -> Category:
    return Category.objects.get(code=code)


def _phone_call(staff, merchant, *, days_ago: int, now: datetime, **fields) -> Complaint:
    """A complaint customer service recorded from a call (or a letter, a visit, a forwarded case)."""
    fields.setdefault("channel", "hotline")
    fields.setdefault("complainant_kind", "cardholder")
    fields.setdefault("complainant_name", "陈女士 / Ms Chen")
    fields.setdefault("complainant_phone", "13912345678")
    received = now - timedelta(days=days_ago, hours=1) if days_ago else None
    return svc.complaint_file(actor=staff, merchant=merchant, received_at=received, **fields)


def _resolve(staff, complaint: Complaint, *, remedy: str = "explanation", amount: int | None = None,
             cause: str = "misunderstanding", summary: str = "") -> Complaint:
    return svc.complaint_resolve(
        actor=staff, complaint=complaint, root_cause=RootCause.objects.get(code=cause), remedy=remedy,
        remedy_minor=amount,
        summary=summary or "已核实并向您说明原因。/ We checked and explained what happened.")


def _seed_merchant(merchant, *, owner, service, lead, now: datetime, full: bool) -> int:
    made = 0
    # the merchant files in the portal: a new one nobody has answered yet
    if owner is not None:
        svc.complaint_file(actor=owner, category=_cat("fees"), subcategory=_cat("fees-unexpected"),
                           subject="本月账单出现不明扣费 / Unexpected charge on this month's statement",
                           description="账单上有一笔 38 元的服务费，合同里没有。/ A 38 yuan service fee is on the "
                                       "statement but not in the contract.",
                           channel="portal", complainant_kind="merchant", complainant_name="")
        made += 1
    # a cardholder calls the hotline: acknowledged
    complaint = _phone_call(service, merchant, days_ago=1, now=now, category=_cat("service"),
                            subject="收银员态度恶劣 / Cashier was rude",
                            description="持卡人称收银员拒绝刷卡并态度恶劣。/ "
                                        "The cardholder says the cashier refused the card and was rude.")
    svc.complaint_acknowledge(actor=service, complaint=complaint,
                              message="您好，我们已收到您的投诉，将在一个工作日内回复。/ We received your complaint.")
    made += 1
    # breached: received three weeks ago, still new (the job escalates it to the team lead and the manager)
    _phone_call(service, merchant, days_ago=21, now=now, category=_cat("settlement"),
                subcategory=_cat("settlement-late"), priority="high", channel="email",
                complainant_kind="merchant", complainant_name="财务 王先生 / Mr Wang, accounts",
                complainant_email="accounts@example.test",
                subject="结算款三天未到账 / Settlement three days late",
                description="11 月的结算款至今未到账，影响发工资。/ November's settlement has not arrived; payroll is "
                            "at risk.")
    made += 1
    if not full:
        return made
    # in person, investigating, with an internal note
    complaint = _phone_call(service, merchant, days_ago=2, now=now, category=_cat("contract"), channel="in_person",
                            complainant_kind="merchant", complainant_name="店长 李女士 / Ms Li, manager",
                            subject="合同续签条款有争议 / Dispute over the renewal terms",
                            description="店长认为续签合同的押金条款与销售承诺不符。/ The manager says the deposit "
                                        "clause differs from what sales promised.")
    svc.complaint_take(actor=service, complaint=complaint)
    svc.complaint_acknowledge(actor=service, complaint=complaint)
    svc.complaint_investigate(actor=service, complaint=complaint)
    svc.complaint_note(actor=service, complaint=complaint,
                       body="销售经理承认口头承诺过免押金，需主管决定。/ "
                            "Sales admits promising no deposit; lead to decide.")
    made += 1
    # waiting on the complainant: the resolution clock is paused
    complaint = _phone_call(service, merchant, days_ago=3, now=now, category=_cat("fees"),
                            subcategory=_cat("fees-wrong-rate"), channel="email", complainant_kind="merchant",
                            complainant_name="老板 赵先生 / Mr Zhao, owner", complainant_email="owner@example.test",
                            subject="信用卡费率高于合同 / Credit card rate above the contract",
                            description="10 月信用卡手续费按 0.6% 收取，合同是 0.55%。/ October's credit card fee was "
                                        "0.6%, the contract says 0.55%.")
    svc.complaint_acknowledge(actor=service, complaint=complaint)
    svc.complaint_request_info(actor=service, complaint=complaint,
                               message="请提供 10 月对账单截图。/ Please send a screenshot of October's statement.")
    made += 1
    # forwarded by the regulator, with its reference and a deadline sooner than the policy's
    complaint = _phone_call(service, merchant, days_ago=1, now=now, category=_cat("privacy"), channel="regulator",
                            priority="high", external_reference=f"PBOC-SH-{now:%Y}-{merchant.pk:04d}",
                            external_deadline=now + timedelta(days=3),
                            subject="商户泄露持卡人信息 / Merchant exposed cardholder data",
                            description="人民银行转来投诉：小票打印了完整卡号。/ "
                                        "Forwarded by the PBOC: receipts print the full card number.")
    svc.complaint_acknowledge(actor=service, complaint=complaint, message="已收到监管转办件。/ Received.")
    svc.complaint_investigate(actor=service, complaint=complaint)
    made += 1
    # forwarded by the card network: new
    _phone_call(service, merchant, days_ago=0, now=now, category=_cat("fraud"), channel="network",
                external_reference=f"CUP-{now:%Y%m}-{merchant.pk:05d}", external_deadline=now + timedelta(days=10),
                subject="疑似盗刷 / Suspected fraudulent transactions",
                description="银联转来：同一张卡在该商户五分钟内三笔交易。/ Forwarded by UnionPay: three charges on one "
                            "card within five minutes.")
    made += 1
    # a broken terminal: the complaint opens a fault ticket
    terminal = (Terminal.objects.filter(status=Terminal.Status.ACTIVE, merchant=merchant)
                .order_by("serial_number").first())
    if terminal is not None:
        complaint = _phone_call(service, merchant, days_ago=0, now=now, category=_cat("terminal"),
                                subcategory=_cat("terminal-hardware"), complainant_kind="merchant",
                                complainant_name="收银员 / cashier", terminal=terminal,
                                subject="终端频繁死机 / Terminal keeps freezing",
                                description="终端每天死机多次，需要重启才能收款。/ "
                                            "The terminal freezes several times a day and must be restarted.")
        svc.complaint_acknowledge(actor=service, complaint=complaint)
        svc.complaint_open_ticket(actor=service, complaint=complaint, severity="high")
        made += 1
    # rejected as out of scope
    complaint = _phone_call(service, merchant, days_ago=4, now=now, category=_cat("other"),
                            complainant_kind="other", complainant_name="路人 / passer-by",
                            subject="门店门口停车难 / No parking at the shop",
                            description="投诉门店门口无法停车。/ Complains there is no parking in front of the shop.")
    svc.complaint_reject(actor=service, complaint=complaint,
                         reason="与收单服务无关，请联系商户或物业。/ "
                                "Not about our services; ask the shop or the landlord.")
    made += 1
    # breached while being investigated (received two weeks ago)
    complaint = _phone_call(service, merchant, days_ago=14, now=now, category=_cat("settlement"),
                            subcategory=_cat("settlement-short"), complainant_kind="merchant",
                            complainant_name="出纳 孙女士 / Ms Sun, cashier",
                            subject="到账金额少了 120 元 / Paid 120 yuan short",
                            description="11 月 3 日结算少到账 120 元。/ "
                                        "The settlement of 3 November was 120 yuan short.")
    svc.complaint_take(actor=service, complaint=complaint)
    svc.complaint_acknowledge(actor=service, complaint=complaint)
    made += 1
    if owner is not None:
        # resolved with a refund, rated; closed, rated; reopened by the merchant
        for rating, close, amount in ((4, False, 3800), (5, True, None)):
            complaint = svc.complaint_file(
                actor=owner, category=_cat("fees"), subject="手续费多扣 / Fee charged twice",
                description="同一笔交易被收了两次手续费。/ The same sale was charged the fee twice.",
                channel="portal", complainant_kind="merchant", complainant_name="")
            svc.complaint_acknowledge(actor=service, complaint=complaint)
            if amount:
                _resolve(service, complaint, remedy="refund", amount=amount, cause="system",
                         summary="系统重复扣费，已退还 38 元。/ A system fault charged twice; 38 yuan refunded.")
            else:
                _resolve(service, complaint)
            if close:
                svc.complaint_close(actor=service, complaint=complaint)
            svc.complaint_rate(actor=owner, complaint=complaint, rating=rating,
                               comment="处理及时 / Handled quickly" if rating == 5 else "")
            made += 1
        complaint = svc.complaint_file(
            actor=owner, category=_cat("settlement"), subject="结算时间不稳定 / Settlement time varies",
            description="最近结算有时上午到账，有时下午。/ "
                        "Settlement arrives in the morning some days, afternoon others.",
            channel="portal", complainant_kind="merchant", complainant_name="")
        _resolve(lead, complaint, cause="third-party")
        svc.complaint_reopen(actor=owner, complaint=complaint, reason="今天又是下午才到账。/ Arrived late again today.")
        made += 1
    return made


def seed_complaints(*, merchants, staff: dict, now: datetime | None = None) -> int:
    """Demo complaints for ``merchants`` (the first gets the full set, the others a few), handled by
    ``staff["service"]`` (customer service; ``staff["lead"]``, a team lead, resolves one when given). Returns how
    many complaints were filed (0 when the merchants already have complaints)."""
    merchants = [merchant for merchant in merchants if merchant is not None]
    if not merchants or Complaint.objects.filter(merchant__in=merchants).exists():
        return 0
    now = now or timezone.now()
    service = staff["service"]
    lead = staff.get("lead") or service
    made = 0
    for n, merchant in enumerate(merchants):
        made += _seed_merchant(merchant, owner=merchant_owner(merchant.pk), service=service, lead=lead, now=now,
                               full=n == 0)
    complaints_check_sla(now=now)
    return made
