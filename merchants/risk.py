"""Risk rating of a merchant: points per factor, with the reasons shown to reviewers.

Pure functions of the merchant's data plus look-ups passed in by the caller; the service
(`merchants.services.applications.merchant_risk_refresh`) stores level, score and reasons.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

# MCCs that card schemes and the PBOC treat as high risk (cash-like, gambling, remote selling, …).
HIGH_RISK_MCC = {"4829", "5933", "5960", "5962", "5966", "5967", "5993", "6051", "6211", "7273", "7995", "7800",
                 "7801", "7802", "9754"}
ELEVATED_MCC = {"4722", "5122", "5816", "5912", "5944", "5999", "7011", "7399"}

HIGH_AT = 50
MEDIUM_AT = 25


# The text of each factor; stored reasons keep code, points and parameters, so the page shows them in
# the reader's language.
TEXTS = {
    "blacklist": _("The entity or its legal representative is blacklisted."),
    "mcc_high": _("High-risk industry (MCC %(mcc)s)."),
    "mcc_elevated": _("Elevated-risk industry (MCC %(mcc)s)."),
    "no_premises": _("No fixed business premises."),
    "micro": _("Individual / micro merchant without a business licence."),
    "volume_high": _("Expected monthly volume above 1,000,000."),
    "volume_medium": _("Expected monthly volume above 300,000."),
    "ticket_high": _("Average ticket above 5,000."),
    "age_unknown": _("Business start date unknown."),
    "age_young": _("In business for less than a year."),
    "id_warning": _("The legal representative's ID has an unrecognised region code."),
    "documents": _("Some documents were rejected or need revision."),
    "related_history": _("The same legal representative or credit code appears on a rejected, suspended or "
                         "terminated merchant."),
}


@dataclass(frozen=True)
class Reason:
    code: str
    points: int
    params: dict = field(default_factory=dict)

    @property
    def text(self) -> str:
        return str(TEXTS[self.code] % self.params) if self.params else str(TEXTS[self.code])

    def as_dict(self) -> dict:
        return {"code": self.code, "points": self.points, "params": self.params, "text": self.text}


def reason_text(stored: dict) -> str:
    """A stored reason in the active language (the stored text if its code is unknown)."""
    code = stored.get("code")
    if code not in TEXTS:
        return stored.get("text", "")
    params = stored.get("params") or {}
    return str(TEXTS[code] % params) if params else str(TEXTS[code])


def assess(merchant, *, today: date, id_warnings: int = 0, document_problems: int = 0,
           blacklisted: bool = False, related_bad_history: bool = False) -> tuple[str, int, list[Reason]]:
    reasons: list[Reason] = []
    if blacklisted:
        reasons.append(Reason("blacklist", 100))
    if merchant.mcc in HIGH_RISK_MCC:
        reasons.append(Reason("mcc_high", 40, {"mcc": merchant.mcc}))
    elif merchant.mcc in ELEVATED_MCC:
        reasons.append(Reason("mcc_elevated", 15, {"mcc": merchant.mcc}))
    if merchant.premises == "none":
        reasons.append(Reason("no_premises", 20))
    if merchant.merchant_type == "micro":
        reasons.append(Reason("micro", 10))
    volume = merchant.expected_monthly_volume or Decimal("0")
    if volume > Decimal("1000000"):
        reasons.append(Reason("volume_high", 20))
    elif volume > Decimal("300000"):
        reasons.append(Reason("volume_medium", 10))
    if (merchant.average_ticket or Decimal("0")) > Decimal("5000"):
        reasons.append(Reason("ticket_high", 15))
    started = merchant.business_started_on
    if started is None:
        reasons.append(Reason("age_unknown", 15))
    elif (today - started).days < 365:
        reasons.append(Reason("age_young", 15))
    if id_warnings:
        reasons.append(Reason("id_warning", 5))
    if document_problems:
        reasons.append(Reason("documents", 10))
    if related_bad_history:
        reasons.append(Reason("related_history", 30))
    score = min(sum(r.points for r in reasons), 999)
    level = "high" if score >= HIGH_AT else "medium" if score >= MEDIUM_AT else "low"
    return level, score, reasons
