"""The ledger and the reconciliation breaks as exports (declared in ``transactions/plugin.py``; written by
``acquirer.exports``), as CSV written by PostgreSQL's COPY. The ledger: the search's rows, amounts in yuan with
two decimals, the card masked (BIN ``******`` last four: the ledger holds nothing more); auditors and staff who
may view transactions may take it away. The breaks: the queue's rows with what differs and how far each was
worked. Asking for either is recorded in the audit trail. The merchant statement's CSV uses the ledger's
columns."""

from django.db.models import F, Func, TextField, Value
from django.db.models.functions import Concat
from django.utils.translation import gettext_lazy as _

from acquirer import exports
from acquirer.access import is_auditor, is_staff_user
from acquirer.registry import Exporter
from transactions import roles
from transactions.forms.ledger import TransactionSearchForm
from transactions.forms.recon import ReconExceptionFilterForm
from transactions.models import ReconException, Transaction
from transactions.selectors.ledger import resolve_filters, transaction_list
from transactions.selectors.recon import recon_exception_list


class _Digits(Func):
    """Text that starts with a digit (a BIN, a wall-clock time): no formula guard needed (``acquirer.exports``)."""

    output_field = TextField()
    formula_safe = True


def yuan(field: str) -> Func:
    """``amount_minor`` -1234 -> ``'-12.34`` (yuan, two decimals) in integer arithmetic by PostgreSQL, with the
    formula guard's apostrophe in front of a negative amount written here (the core's guard of a number would
    evaluate the expression twice)."""
    return _Digits(F(field), template=(
        "CASE WHEN %(expressions)s < 0 THEN '''-' ELSE '' END || (abs(%(expressions)s) / 100)::text || '.' || "
        "lpad((abs(%(expressions)s) %%%% 100)::text, 2, '0')"))


def card() -> Func:
    """BIN + ``******`` + last four; empty for a payment without a card."""
    return _Digits(Concat(F("bin"), Value("******"), F("last4")),
                         template="CASE WHEN bin = '' THEN NULL ELSE %(expressions)s END")


def columns() -> list[tuple[str, object]]:
    """The ledger's columns as SQL expressions (labels in the active language)."""
    return [
        ("id", F("id")), ("local_date", exports.iso_date("local_date")),
        ("local_time", _Digits(F("local_time"), template="to_char(%(expressions)s, 'YYYY-MM-DD HH24:MI:SS')")),
        ("merchant_id", F("merchant_id")), ("mid", exports.own_text("mid")), ("tid", exports.own_text("tid")),
        ("type", exports.choice_label("type", Transaction.Type.choices)),
        ("channel", exports.choice_label("channel", Transaction.Channel.choices)),
        ("scheme", exports.own_text("scheme")), ("card", card()),
        ("amount", yuan("amount_minor")), ("fee", yuan("fee_minor")), ("net", yuan("net_minor")),
        ("currency", exports.own_text("currency")), ("stan", exports.own_text("stan")),
        ("rrn", F("rrn")), ("auth_code", F("auth_code")), ("response_code", F("response_code")),
        ("status", exports.choice_label("status", Transaction.Status.choices)),
        ("settlement_date", exports.iso_date("settlement_date")),
    ]


def search_filters(data) -> dict | None:
    return TransactionSearchForm(data or None).json_filters() if data else {}


def _rows(actor, filters: dict):
    form = TransactionSearchForm(filters or None)
    cleaned = form.cleaned_data if form.is_bound and form.is_valid() else {}
    return transaction_list(actor=actor, filters=resolve_filters(actor=actor, cleaned=cleaned))


def _allowed(actor) -> bool:
    return is_auditor(actor) or (is_staff_user(actor) and actor.has_perm(roles.VIEW_TRANSACTION))


LEDGER = Exporter(
    kind="transactions.ledger", title=_("Transactions"), filename="transactions", allowed=_allowed,
    queryset=_rows, columns=columns, audit_action="transactions.exported", filters=search_filters,
    formats=("csv",))


# --- reconciliation breaks ------------------------------------------------------------------------------------------

def break_columns() -> list[tuple[str, object]]:
    """A break per row: where it was found, what differs, and how far it has been worked (labels translated)."""
    return [
        ("id", F("id")), ("run", F("run_id")), ("business_date", exports.iso_date("business_date")),
        ("found", exports.local_time("created_at")),
        ("category", exports.choice_label("category", ReconException._meta.get_field("category").choices)),
        ("status", exports.choice_label("status", ReconException.Status.choices)),
        ("merchant_id", F("merchant_id")), ("mid", exports.own_text("mid")), ("tid", exports.own_text("tid")),
        ("rrn", exports.own_text("rrn")), ("payout_reference", exports.own_text("reference")),
        ("ours", yuan("ours_minor")), ("theirs", yuan("theirs_minor")),  # NULL (empty) when that side has none
        ("difference", yuan("difference_minor")), ("currency", exports.own_text("currency")),
        ("assigned_to", exports.own_text("assigned_to__username")),
        ("resolution", exports.choice_label("resolution", ReconException.Resolution.choices)),
        ("note", F("note")),
        ("resolved", exports.local_time("resolved_at")),
    ]


def break_filters(data) -> dict | None:
    if not data:
        return {}
    form = ReconExceptionFilterForm(data)
    if not form.is_valid():
        return None
    return {name: value for name, value in form.cleaned_data.items() if value not in (None, "")}


def _breaks(actor, filters: dict):
    return recon_exception_list(actor=actor, filters=filters or {})


def _breaks_allowed(actor) -> bool:
    return is_auditor(actor) or (is_staff_user(actor) and actor.has_perm(roles.VIEW_EXCEPTION))


BREAKS = Exporter(
    kind="transactions.recon_breaks", title=_("Reconciliation breaks"), filename="reconciliation-breaks",
    allowed=_breaks_allowed, queryset=_breaks, columns=break_columns, audit_action="recon_breaks.exported",
    filters=break_filters, formats=("csv",))
