"""Code tables of the merchant application, and the labels that show a code's meaning next to it.

* Merchant category codes: ISO 18245 from the ``iso18245`` package (the ranges ISO reserves for private use,
  3000–3999, the individual airlines, hotels and car rentals of the card schemes, are not offered), with our own
  Chinese names for the common acquiring categories (``mcc_zh.csv``); the other codes show the English ISO
  description (or a card scheme's when ISO gives none).
* Region codes: the four-digit UnionPay / PBoC area codes used in the merchant number (MID = institution code 3 +
  region code 4 + MCC 4 + sequence 4), one row per province-level division of the mainland and its main
  prefecture-level cities (``regions.csv``: code, province, city; a municipality is its own city).

An unknown code (e.g. an old value) is shown as the code itself.
"""

from csv import DictReader
from functools import cache
from pathlib import Path

import iso18245

HERE = Path(__file__).resolve().parent


def _read(name: str) -> list[dict[str, str]]:
    with open(HERE / name, encoding="utf-8", newline="") as handle:
        return list(DictReader(handle))


# --- merchant category codes ----------------------------------------------------------------------

def _english(mcc: iso18245.MCC) -> str:
    for text in (mcc.iso_description, mcc.visa_description, mcc.mastercard_description, mcc.amex_description,
                 mcc.stripe_description, mcc.usda_description):
        if text and text.strip():
            return text.strip()
    return mcc.range.description


@cache
def mcc_zh() -> dict[str, str]:
    """Our Chinese names of the common acquiring categories, by code."""
    return {row["mcc"]: row["zh"] for row in _read("mcc_zh.csv")}


@cache
def _mccs() -> dict[str, iso18245.MCC]:
    """The ISO 18245 codes a merchant may choose (every range but the one reserved for private use)."""
    return {mcc.mcc: mcc for mcc in iso18245.get_all_mccs() if not mcc.range.reserved}


def mcc_known(code: str) -> bool:
    return code in _mccs()


def _mcc_meaning(code: str) -> str:
    mcc = _mccs().get(code)
    if mcc is None:
        try:
            mcc = iso18245.get_mcc(code)
        except (iso18245.MCCNotFound, ValueError):
            return ""
    english = _english(mcc)
    zh = mcc_zh().get(code)
    return f"{zh} / {english}" if zh else english


def mcc_label(code: str | None) -> str:
    """"5812 餐馆 / Eating places and restaurants"; an unknown code shows as itself, an empty one as ""."""
    if not code:
        return ""
    meaning = _mcc_meaning(code)
    return f"{code} {meaning}" if meaning else code


@cache
def mcc_choices() -> list:
    """Choices for a <select>, grouped by ISO range ("5700–5999 Miscellaneous outlets")."""
    groups: dict[str, list] = {}
    for code in sorted(_mccs()):
        mcc = _mccs()[code]
        group = f"{mcc.range.start}–{mcc.range.end} {mcc.range.description}"
        groups.setdefault(group, []).append((code, mcc_label(code)))
    return list(groups.items())


# --- region codes -------------------------------------------------------------------------------------

@cache
def _regions() -> dict[str, tuple[str, str]]:
    return {row["code"]: (row["province"], row["city"]) for row in _read("regions.csv")}


def region_known(code: str) -> bool:
    return code in _regions()


def region_label(code: str | None) -> str:
    """"2900 上海市", "5840 广东省 深圳市"; an unknown code shows as itself, an empty one as ""."""
    if not code:
        return ""
    place = _regions().get(code)
    if place is None:
        return code
    province, city = place
    return f"{code} {city}" if city == province else f"{code} {province} {city}"


@cache
def region_choices() -> list:
    """Choices for a <select>: one group per province-level division, its cities inside."""
    groups: dict[str, list] = {}
    for code, (province, city) in _regions().items():
        groups.setdefault(province, []).append((code, f"{code} {city}"))
    return [(province, sorted(cities)) for province, cities in groups.items()]
