"""Demo maintenance tickets for merchants A and B, built through the ticket services: one in every status
(a reopened one too), some raised days ago so that they breach their SLA, then the SLA job runs once.
Idempotent: nothing is added when the merchants already have tickets, or when they have no active
terminal."""

from datetime import timedelta
from itertools import cycle

from django.utils import timezone

from merchants.models import MerchantMembership
from terminals.models import Terminal, Ticket
from terminals.services import tickets as svc

# (days ago, channel, category, severity, description, what happens next)
PLAN = [
    (0, "portal", "hardware", "critical", "终端无法读取芯片卡 / chip cards are not read", "open"),
    (5, "phone", "network", "high", "4G 信号中断，交易超时 / 4G drops, transactions time out", "open"),
    (1, "phone", "software", "medium", "签到失败，提示参数错误 / sign-in fails with a parameter error", "diagnosing"),
    (0, "portal", "hardware", "high", "屏幕碎裂，按键失灵 / cracked screen, keys not responding", "dispatched"),
    (3, "phone", "consumables", "low", "打印纸用完 / out of receipt paper", "resolved"),
    (0, "portal", "operator", "low", "收银员不会做退货 / cashier cannot do a refund", "closed"),
    (2, "portal", "other", "medium", "小票抬头显示不全 / receipt header cut off", "reopened"),
]


def _merchant_user(merchant):
    membership = (MerchantMembership.objects.select_related("user")
                  .filter(merchant=merchant, user__is_active=True).order_by("role", "id").first())
    return membership.user if membership else None


def seed(*, staff: dict, merchant_a, merchant_b) -> None:
    service, engineer, ops = staff["service"], staff["engineer"], staff["ops"]
    if Ticket.objects.filter(merchant__in=[merchant_a, merchant_b]).exists():
        return
    now = timezone.now()
    created = False
    for merchant in (merchant_a, merchant_b):
        terminals = list(Terminal.objects.filter(status="active", merchant=merchant).order_by("serial_number"))
        if not terminals:
            continue
        owner = _merchant_user(merchant)
        pick = cycle(terminals)
        for days_ago, channel, category, severity, description, outcome in PLAN:
            terminal = next(pick)
            if channel == "portal" and owner is not None and days_ago == 0:
                ticket = svc.ticket_raise(actor=owner, terminal=terminal, category=category, severity=severity,
                                          description=description, channel="portal")
            else:
                ticket = svc.ticket_raise(actor=service, terminal=terminal, category=category, severity=severity,
                                          description=description, channel="phone",
                                          raised_at=now - timedelta(days=days_ago) if days_ago else None)
            created = True
            if outcome == "diagnosing":
                svc.ticket_diagnose(actor=service, ticket=ticket, note="远程检查：参数版本过旧 / old parameter set")
            elif outcome == "dispatched":
                svc.ticket_diagnose(actor=service, ticket=ticket, note="远程无法修复 / cannot be fixed remotely")
                start = (timezone.localtime(now) + timedelta(days=1)).replace(hour=10, minute=0, second=0,
                                                                               microsecond=0)
                svc.ticket_dispatch(actor=service, ticket=ticket, engineer=engineer, window_start=start,
                                    window_end=start + timedelta(hours=2))
                svc.ticket_add_part(actor=engineer, ticket=ticket, part="LCD 屏幕 / LCD screen", quantity=1)
            elif outcome in ("resolved", "closed", "reopened"):
                svc.ticket_assign(actor=ops, ticket=ticket, assignee=service)
                code = {"resolved": "consumables", "closed": "operator_training", "reopened": "remote_fix"}[outcome]
                svc.ticket_resolve(actor=service, ticket=ticket, resolution_code=code,
                                   notes="已处理 / handled")
                if owner is not None and outcome == "closed":
                    svc.ticket_confirm(actor=owner, ticket=ticket)
                elif owner is not None and outcome == "reopened":
                    svc.ticket_reopen(actor=owner, ticket=ticket, reason="问题仍然存在 / still happens")
    if created:
        svc.tickets_check_sla()
