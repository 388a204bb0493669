"""Reads of merchants and their users, through ``acquirer.access.scope`` (``merchant_owner`` aside: services
that already hold the merchant ask it)."""

from django.db.models import Count, Q

from acquirer.access import get_scoped, scope
from acquirer.models import User
from merchants.models import Merchant, MerchantMembership

OPEN = [Merchant.Status.SUBMITTED, Merchant.Status.UNDER_REVIEW, Merchant.Status.INFO_REQUESTED]


REGISTER_ORDER = ("legal_name", "id")  # served by the index merchant_name_id_idx
# the columns the register shows (``acquirer.lists.shown``)
REGISTER_ROW = ("legal_name", "trading_name", "mid", "mcc", "region_code", "status", "risk_level", "risk_override",
                "next_inspection_due", "created_at")


def _identifier(search: str) -> Q:
    """The merchants whose MID or USCC is the whole search text (unique and indexed lookups)."""
    return Q(mid=search) | Q(uscc=search.upper())


def merchant_list(*, actor, search: str = "", attention: str = ""):
    """The register, by legal name; ``search`` matches part of a legal or trading name (trigram indexes) or a
    whole MID or USCC; ``attention`` (a key of ``merchants.selectors.warnings.ATTENTION``) narrows it to the
    merchants behind an early-warning figure. Per-row counts are not joined here: :func:`membership_counts` reads
    them for a page."""
    from merchants.selectors.warnings import ATTENTION

    qs = scope(Merchant.objects.all(), actor)
    if search:
        qs = qs.filter(Q(legal_name__icontains=search) | Q(trading_name__icontains=search) | _identifier(search))
    if attention in ATTENTION:
        qs = qs.filter(ATTENTION[attention][1]())
    return qs.order_by(*REGISTER_ORDER)


def merchant_by_identifier(*, actor, search: str) -> Merchant | None:
    """The one merchant whose MID or USCC is ``search``, or None when none or several are (two applications
    may share a credit code): a whole identifier typed in the register opens the merchant's page."""
    found = list(scope(Merchant.objects.filter(_identifier(search)), actor).order_by("id")[:2]) if search else []
    return found[0] if len(found) == 1 else None


def membership_counts(*, actor, merchant_ids: list[int]) -> dict[int, int]:
    """How many users each listed merchant has: one grouped query over the page's merchants, never the table."""
    rows = (scope(MerchantMembership.objects.filter(merchant_id__in=merchant_ids), actor)
            .order_by().values("merchant_id").annotate(n=Count("id")).values_list("merchant_id", "n"))
    return dict(rows)


def merchant_get(*, actor, pk: int) -> Merchant:
    return get_scoped(Merchant.objects.select_related("assigned_reviewer", "approved_by", "first_approval_by",
                                                      "risk_override_by"), actor, pk=pk)


def merchant_for_user(*, actor) -> Merchant | None:
    """The merchant a portal user acts for."""
    return scope(Merchant.objects.all(), actor).first() if actor.merchant_id else None


def merchant_owner(merchant_id: int) -> User | None:
    """The active owner of a merchant, the one person every notification to the merchant goes to; None when
    the merchant has no owner or its owner's account is deactivated. Not scoped: callers are services that
    already hold the merchant."""
    return merchant_owners([merchant_id]).get(merchant_id)


def merchant_owners(merchant_ids) -> dict[int, User]:
    """:func:`merchant_owner` of many merchants in one query (a batch job's merchants): merchant id -> owner,
    merchants without an active owner left out."""
    memberships = (MerchantMembership.objects.select_related("user")
                   .filter(merchant_id__in=merchant_ids, role=MerchantMembership.Role.OWNER, user__is_active=True)
                   .order_by("merchant_id", "pk").distinct("merchant_id"))
    return {membership.merchant_id: membership.user for membership in memberships}


def membership_list(*, actor, merchant: Merchant):
    return scope(MerchantMembership.objects.select_related("user"), actor).filter(merchant=merchant)


def onboarding_queue(*, actor, filters: dict):
    qs = scope(Merchant.objects.select_related("assigned_reviewer"), actor)
    status = filters.get("status")
    qs = qs.filter(status=status) if status else qs.filter(status__in=OPEN)
    if filters.get("risk"):
        qs = qs.filter(Q(risk_override=filters["risk"]) | Q(risk_override="", risk_level=filters["risk"]))
    if filters.get("reviewer") == "me":
        qs = qs.filter(assigned_reviewer=actor)
    elif filters.get("reviewer") == "none":
        qs = qs.filter(assigned_reviewer__isnull=True)
    if filters.get("q"):
        term = filters["q"]
        qs = qs.filter(Q(legal_name__icontains=term) | Q(trading_name__icontains=term) | Q(uscc=term.upper()))
    return qs.order_by("submitted_at", "id")


def merchant_register(*, actor):
    """Rows of the merchant register export."""
    return scope(Merchant.objects.select_related("approved_by"), actor).order_by("id")


def reviewer_list(*, actor):
    """Active staff who may review applications (for assignment)."""
    from acquirer.selectors import user_list

    permission = Q(groups__permissions__codename="review_merchant") | Q(
        user_permissions__codename="review_merchant") | Q(is_superuser=True)
    return user_list(actor=actor).filter(permission, kind="staff", is_active=True).distinct().order_by("username")
