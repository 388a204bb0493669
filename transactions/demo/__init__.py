"""Demo data of the transactions app (``seed_demo``): see ``transactions.demo.ledger``."""

from acquirer.models import User

STAFF = {"ops": "ops", "risk": "risk"}


def seed(*, password: str, force_password: bool) -> list[tuple[str, str]]:
    from merchants.models import Merchant
    from transactions.demo import ledger

    staff = {key: User.objects.get(username=username) for key, username in STAFF.items()}
    owners = User.objects.filter(username__in=("merchant", "merchant2")).order_by("username")
    merchants = list(Merchant.objects.filter(pk__in=[owner.merchant_id for owner in owners]))
    ledger.seed(staff=staff, merchants=merchants)
    return []
