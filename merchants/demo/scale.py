"""The merchants of the scale data set (``acquirer.scale``): active merchants with a MID and a countersigned
contract in force (rent and deposit), loaded with COPY. The first one is the big chain; it gets an owner account
(``scale-owner``) so its portal pages can be measured. It leaves the merchants' ids in ``plan["merchant_ids"]``."""

import secrets
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from acquirer.bulk import copy_rows
from acquirer.models import User
from acquirer.services.accounts import user_create
from merchants.models import Contract, Merchant, MerchantMembership
from merchants.services.core import merchant_user_link

CHUNK = 20_000
_CITIES = ("北京", "上海", "广州", "深圳", "杭州", "成都", "武汉", "南京")
_TRADES = ("便利店", "餐饮", "超市", "药房", "服装", "加油站", "酒店", "书店")


def seed(plan: dict, log=print) -> None:
    count = plan["merchants"]
    first = (Merchant.objects.aggregate(top=Max("id"))["top"] or 0) + 1
    now = timezone.now()
    today = timezone.localdate()
    for start in range(0, count, CHUNK):
        numbers = range(first + start, first + min(count, start + CHUNK))
        with transaction.atomic():
            copy_rows(Merchant, (
                {"legal_name": f"{_CITIES[n % 8]}{_TRADES[n // 8 % 8]}规模测试第{n}号有限公司",
                 "trading_name": f"Scale shop {n}", "uscc": f"91{n:016d}", "mcc": "5411", "region_code": "1101",
                 "status": Merchant.Status.ACTIVE, "mid": f"9{n:014d}", "created_at": now - timedelta(minutes=n),
                 "status_changed_at": now, "risk_level": "low", "expected_monthly_volume": Decimal("50000.00")}
                for n in numbers))
        log(f"merchants: {min(count, start + CHUNK)}/{count}")
    # the ids of the merchants just loaded, the big chain first; the terminals seeder places terminals with them
    ids = plan["merchant_ids"] = list(Merchant.objects.filter(id__gte=first).order_by("id")
                                      .values_list("id", flat=True)[:count])
    for start in range(0, len(ids), CHUNK):
        with transaction.atomic():
            copy_rows(Contract, (
                {"merchant_id": pk, "version": 1, "status": Contract.Status.ACTIVE, "monthly_rent": Decimal("30.00"),
                 "deposit": Decimal("200.00"), "start_date": today - timedelta(days=365),
                 "end_date": today + timedelta(days=365), "countersigned_at": now, "accepted_at": now}
                for pk in ids[start:start + CHUNK]))
        log(f"contracts: {min(len(ids), start + CHUNK)}/{len(ids)}")
    if ids and not User.objects.filter(username="scale-owner").exists():
        with transaction.atomic():
            owner = user_create(actor=None, username="scale-owner", password=secrets.token_urlsafe(24) + "7a",
                                kind=User.Kind.MERCHANT, email="scale-owner@example.test")
            merchant_user_link(actor=None, merchant=Merchant.objects.get(pk=ids[0]), user=owner,
                               role=MerchantMembership.Role.OWNER)
