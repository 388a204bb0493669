"""Writes about merchants that the platform needs now (creation, linking a user)."""

from django.db import transaction
from django.utils.translation import gettext as _

from acquirer import audit
from acquirer.exceptions import DomainError
from acquirer.models import User
from merchants.models import Merchant, MerchantMembership


@transaction.atomic
def merchant_create(*, actor: User | None, legal_name: str, trading_name: str = "") -> Merchant:
    if not legal_name.strip():
        raise DomainError(_("A merchant needs a legal name."))
    merchant = Merchant.objects.create(legal_name=legal_name.strip(), trading_name=trading_name.strip())
    audit.record("merchant.created", actor=actor, target=merchant,
                 after={"legal_name": merchant.legal_name, "trading_name": merchant.trading_name})
    return merchant


@transaction.atomic
def merchant_user_link(*, actor: User | None, merchant: Merchant, user: User,
                       role: str = MerchantMembership.Role.STAFF) -> MerchantMembership:
    """Attach a merchant-kind user to exactly one merchant."""
    if user.kind != User.Kind.MERCHANT:
        raise DomainError(_("Only merchant users can be linked to a merchant."))
    if MerchantMembership.objects.filter(user=user).exists():
        raise DomainError(_("This user already belongs to a merchant."))
    membership = MerchantMembership.objects.create(user=user, merchant=merchant, role=role)
    audit.record("merchant.user_linked", actor=actor, target=merchant, data={"user": user.username, "role": role})
    return membership
