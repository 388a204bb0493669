"""Demo terminals, built through the real services (so the timeline and audit trail are real too).

Called by ``seed_demo`` after the merchants' demo; idempotent. Order matters: the lifecycle puts
terminals in every state, then stock intake, field work, tickets (some breaching their SLA), and
firmware, deposits, rent and health flags use the active ones.
"""

from acquirer.models import User
from merchants.models import Merchant

STAFF = {"ops": "ops", "reviewer": "reviewer", "engineer": "engineer", "risk": "risk", "service": "service",
         "compliance": "compliance"}


def seed(*, password: str, force_password: bool) -> list[tuple[str, str]]:
    from terminals.demo import lifecycle, money, registry, tickets, workorders

    staff = {key: User.objects.get(username=username) for key, username in STAFF.items()}
    owners = {username: User.objects.get(username=username) for username in ("merchant", "merchant2")}
    merchant_a = Merchant.objects.get(pk=owners["merchant"].merchant_id)
    merchant_b = Merchant.objects.get(pk=owners["merchant2"].merchant_id)
    for module in (registry, lifecycle, workorders, tickets, money):
        module.seed(staff=staff, merchant_a=merchant_a, merchant_b=merchant_b)
    return []
