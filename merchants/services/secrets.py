"""Showing an encrypted KYC value in clear: only to roles with a recorded need, and every time audited
(the field name, never the value)."""

from django.db import transaction
from django.utils.translation import gettext as _

from acquirer import audit, policy
from acquirer.access import get_scoped
from acquirer.exceptions import DomainError, NotPermitted
from acquirer.models import User
from merchants.models import Merchant, SettlementAccount
from merchants.policy import REVEAL_SECRET

# model name -> (model, fields that may be revealed). Each field has a ``<field>_masked`` column.
REVEALABLE = {
    "merchant": (Merchant, ("legal_rep_id",)),
    "settlementaccount": (SettlementAccount, ("account_number",)),
}


def can_reveal(actor) -> bool:
    return policy.allows(actor, REVEAL_SECRET)


def is_revealable(model: str, field: str) -> bool:
    return model in REVEALABLE and field in REVEALABLE[model][1]


@transaction.atomic
def kyc_secret_reveal(*, actor: User, model: str, pk: int, field: str) -> tuple[object, str]:
    """The object and the clear value of one of its encrypted fields; audited ``kyc.secret_revealed``.
    Another merchant's or a missing object is a 404 (``get_scoped``)."""
    if not can_reveal(actor):
        raise NotPermitted(_("Your role does not allow seeing identity or account numbers in clear."))
    if not is_revealable(model, field):
        raise DomainError(_("This value cannot be revealed."))
    model_class = REVEALABLE[model][0]
    obj = get_scoped(model_class.objects.all(), actor, pk=pk)
    value = getattr(obj, field) or ""
    audit.record("kyc.secret_revealed", actor=actor, target=obj,
                 data={"field": field, "masked": getattr(obj, f"{field}_masked", "")})
    return obj, value
