"""The merchant register as an export (declared in ``merchants/plugin.py``; written by ``acquirer.exports``):
CSV (UTF-8 with BOM, written by PostgreSQL's COPY) or XLSX, every cell guarded against formulas and written as
text, so long digit strings (USCC, MID, phone numbers) stay exact. Secrets appear masked (the stored masked
column). Asking for it is recorded in the audit trail."""

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import gettext_lazy as _

from acquirer import audit, exports
from acquirer.access import is_staff_user
from acquirer.registry import Exporter
from merchants import roles
from merchants.models import Merchant
from merchants.selectors.merchants import merchant_register


def columns() -> list[tuple[str, object]]:
    """The register's columns as SQL expressions (labels in the active language, times in local time). Codes
    the application assigns or validates (MID, region, risk, currency) need no formula guard; the rest is
    guarded."""
    return [
        ("id", F("id")), ("mid", exports.own_text("mid")), ("legal_name", F("legal_name")),
        ("trading_name", F("trading_name")),
        ("type", exports.choice_label("merchant_type", Merchant.Type.choices)), ("uscc", F("uscc")),
        ("legal_rep", F("legal_rep_name")), ("legal_rep_id", F("legal_rep_id_masked")), ("mcc", F("mcc")),
        ("region", exports.own_text("region_code")), ("address", F("address")),
        ("status", exports.choice_label("status", Merchant.Status.choices)),
        ("risk", exports.own_text(Coalesce(NullIf("risk_override", Value("")), "risk_level"))),  # the code
        ("currency", exports.own_text("currency")),
        ("expected_monthly_volume", F("expected_monthly_volume")),  # plain decimal
        ("contact_phone", F("contact_phone")),  # stored as E.164, which is how a number prints
        ("approved_at", exports.local_time("approved_at")),
        ("next_inspection_due", exports.iso_date("next_inspection_due")),
    ]


def _allowed(actor) -> bool:
    return is_staff_user(actor) and actor.has_perm(roles.EXPORT)


REGISTER = Exporter(
    kind="merchants.register", title=_("Merchant register"), filename="merchant-register", allowed=_allowed,
    queryset=lambda actor, filters: merchant_register(actor=actor), columns=columns,
    audit_action="merchant.register_exported", sheet_title=_("Merchants"))


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
