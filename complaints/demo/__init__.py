"""Demo data of the complaints app (``manage.py seed_demo``, after the terminals' demo: one complaint opens a fault
ticket on an active terminal): help articles and training first, then complaints in every state and channel. Each
part is idempotent; ``seed_demo`` then runs every job once (the SLA check escalates the breached complaints and the
monthly job writes last month's statistics for the regulator)."""

from acquirer.models import User
from merchants.models import Merchant


def seed(*, password: str, force_password: bool) -> list[tuple[str, str]]:
    import importlib

    from django.apps import apps

    from complaints.demo.complaints import seed_complaints
    from complaints.demo.help import seed_help

    # the starter taxonomy of migration 0003 (idempotent; a database flushed since its migration lacks it)
    importlib.import_module("complaints.migrations.0003_taxonomy_seed").forwards(apps, None)

    service = User.objects.get(username="service")
    lead = User.objects.filter(username="servicelead").first()
    merchants = [Merchant.objects.get(pk=User.objects.get(username=username).merchant_id)
                 for username in ("merchant", "merchant2")]
    seed_help(staff=service, merchants=merchants)
    seed_complaints(merchants=merchants, staff={"service": service, "lead": lead})
    return []
