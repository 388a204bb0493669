"""The MCC and the region code of the merchant application are chosen from lists with their meaning (the
ISO 18245 codes, the region codes of the merchant number), an unknown code is refused with a clear message, and
the meaning is shown next to the code everywhere afterwards (360 page, portal summary, register list)."""

import csv
from collections import Counter

import pytest
from django.urls import reverse
from django.utils.html import escape

from acquirer import roles
from merchants import data as codes
from merchants.forms.merchants import BusinessForm
from merchants.models import Merchant

BUSINESS = {"mcc": "5812", "industry": "餐饮", "region_code": "2900", "address": "上海市黄浦区中山东一路1号",
            "premises": "fixed", "expected_monthly_volume": "150000.00", "average_ticket": "60.00"}
RESTAURANTS = "5812 餐馆 / Eating places and restaurants"


def business_step(client, **changes):
    return client.post(reverse("portal:application-step", kwargs={"step": "business"}), {**BUSINESS, **changes})


def test_the_business_step_offers_the_iso_categories_and_the_regions_with_their_meaning(clients):
    response = clients["merchant_a"].get(reverse("portal:application-step", kwargs={"step": "business"}))
    body = response.content.decode()
    assert response.status_code == 200
    assert f'<option value="5812">{escape(RESTAURANTS)}</option>' in body
    assert '<option value="7399">7399 其他商业服务 / Business services -- not elsewhere classified</option>' in body
    assert '<option value="5933">5933 Pawn shops</option>' in body  # no Chinese name: the English ISO text
    assert '<optgroup label="5700–5999 Miscellaneous outlets">' in body
    assert '<optgroup label="上海市">' in body and '<option value="2900">2900 上海市</option>' in body
    assert '<optgroup label="广东省">' in body and '<option value="5840">5840 深圳市</option>' in body
    # the hint is there before any error, and the search box script is a file (no inline script, no CDN)
    assert "type a code or a word to narrow the list" in body and "e.g. 2900 Shanghai" in body
    assert 'data-filter="mcc"' in body and '<script src="/static/js/select-filter.js" defer></script>' in body
    assert "<script>" not in body


@pytest.mark.parametrize("field,value,message", [
    ("mcc", "0000", "0000 is not an ISO 18245 merchant category code that we accept"),
    ("mcc", "3000", "3000 is not an ISO 18245 merchant category code that we accept"),  # reserved: one airline
    ("mcc", "58120", "58120 is not an ISO 18245 merchant category code that we accept"),
    ("region_code", "9999", "9999 is not a region code of the merchant number"),
    ("region_code", "", "Choose the province and city of the business."),
])
def test_an_unknown_mcc_or_region_is_refused_with_a_clear_message_and_nothing_is_saved(clients, merchant_a, field,
                                                                                     value, message):
    response = business_step(clients["merchant_a"], **{field: value})
    assert response.status_code == 200
    assert escape(message) in response.content.decode()
    merchant_a.refresh_from_db()
    assert merchant_a.mcc == "" and merchant_a.region_code == ""


def test_a_chosen_mcc_and_region_are_saved_and_the_summary_shows_their_meaning(clients, merchant_a):
    response = business_step(clients["merchant_a"])
    assert response.status_code == 302
    merchant_a.refresh_from_db()
    assert (merchant_a.mcc, merchant_a.region_code) == ("5812", "2900")
    body = clients["merchant_a"].get(reverse("portal:application")).content.decode()
    assert escape(RESTAURANTS) in body and "2900 上海市" in body


def test_the_360_page_and_the_register_show_the_meaning_next_to_the_code(clients, merchant_a, merchant_b):
    Merchant.objects.filter(pk=merchant_a.pk).update(mcc="5812", region_code="5840")
    Merchant.objects.filter(pk=merchant_b.pk).update(mcc="0001", region_code="0042")  # old values, not in the tables
    ops = clients[roles.OPERATIONS_MANAGER]
    body = ops.get(reverse("ops:merchant-detail", kwargs={"pk": merchant_a.pk})).content.decode()
    assert f'<dd class="col-sm-9" id="profile-mcc">{escape(RESTAURANTS)}' in body
    assert '<span id="profile-region">5840 广东省 深圳市</span>' in body
    body = ops.get(reverse("ops:merchant-detail", kwargs={"pk": merchant_b.pk})).content.decode()
    assert '<dd class="col-sm-9" id="profile-mcc">0001' in body and '<span id="profile-region">0042</span>' in body
    register = ops.get(reverse("ops:merchant-list")).content.decode()
    assert escape(RESTAURANTS) in register and "5840 广东省 深圳市" in register
    assert '<td class="small" data-mcc="0001">0001</td>' in register
    audit_register = clients["auditor"].get(reverse("audit:merchant-list")).content.decode()
    assert escape(RESTAURANTS) in audit_register


def test_the_codes_used_by_the_demo_and_the_tests_stay_valid():
    for mcc in ("5812", "5411", "5933", "5967", "7995"):
        for region in ("2900", "1000"):
            form = BusinessForm({**BUSINESS, "mcc": mcc, "region_code": region})
            assert form.is_valid(), form.errors


def test_the_region_table_covers_every_mainland_province_with_unique_four_digit_codes():
    with open(codes.HERE / "regions.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert all(len(row["code"]) == 4 and row["code"].isdigit() for row in rows)
    assert not [code for code, count in Counter(row["code"] for row in rows).items() if count > 1]
    assert len({row["province"] for row in rows}) == 31
    provinces = {row["province"] for row in rows}
    assert {"北京市", "天津市", "上海市", "重庆市", "新疆维吾尔自治区", "西藏自治区", "海南省"} <= provinces
    assert codes.region_label("2900") == "2900 上海市" and codes.region_label("1000") == "1000 北京市"


def test_every_chinese_mcc_name_belongs_to_an_offered_iso_code():
    assert len(codes.mcc_zh()) >= 60
    assert all(codes.mcc_known(code) for code in codes.mcc_zh())
    assert codes.mcc_label("5411").startswith("5411 超市")
    assert codes.mcc_label("") == "" and codes.mcc_label("12") == "12"
