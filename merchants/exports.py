"""The merchant register as an export (declared in ``merchants/plugin.py``; written by ``acquirer.exports``):
CSV (UTF-8 with BOM) or XLSX, every cell guarded against formulas and written as text, so long digit strings
(USCC, MID, phone numbers) stay exact. Secrets appear masked. Asking for it is recorded in the audit trail."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from acquirer import audit, exports
from acquirer.access import is_staff_user
from acquirer.registry import Exporter
from merchants import roles
from merchants.selectors.merchants import merchant_register

COLUMNS = [
    ("id", lambda m: m.pk), ("mid", lambda m: m.mid or ""), ("legal_name", lambda m: m.legal_name),
    ("trading_name", lambda m: m.trading_name), ("type", lambda m: m.get_merchant_type_display()),
    ("uscc", lambda m: m.uscc), ("legal_rep", lambda m: m.legal_rep_name),
    ("legal_rep_id", lambda m: m.legal_rep_id_masked), ("mcc", lambda m: m.mcc), ("region", lambda m: m.region_code),
    ("address", lambda m: m.address), ("status", lambda m: m.get_status_display()),
    ("risk", lambda m: m.effective_risk), ("currency", lambda m: m.currency),
    ("expected_monthly_volume", lambda m: m.expected_monthly_volume),
    ("contact_phone", lambda m: str(m.contact_phone or "")),
    ("approved_at", lambda m: timezone.localtime(m.approved_at).strftime("%Y-%m-%d %H:%M") if m.approved_at else ""),
    ("next_inspection_due", lambda m: m.next_inspection_due or ""),
]


def header() -> list[str]:
    return [name for name, _getter in COLUMNS]


def _allowed(actor) -> bool:
    return is_staff_user(actor) and actor.has_perm(roles.EXPORT)


REGISTER = Exporter(
    kind="merchants.register", title=_("Merchant register"), filename="merchant-register", allowed=_allowed,
    queryset=lambda actor, filters: merchant_register(actor=actor), header=header,
    row=lambda merchant: [getter(merchant) for _name, getter in COLUMNS], audit_action="merchant.register_exported",
    sheet_title=_("Merchants"))


def export_response(*, actor, fmt: str):
    """The whole register at once while it is small (``acquirer.exports.sync_limit``), else None: the caller
    says to prepare the file instead (a job, every row)."""
    if fmt not in REGISTER.formats:
        fmt = "csv"
    if not exports.small_enough(REGISTER, actor, {}):
        return None
    with transaction.atomic():
        audit.record(REGISTER.audit_action, actor=actor, data={"format": fmt})
    return exports.stream_response(exporter=REGISTER, actor=actor, filters={}, fmt=fmt)
