"""Gate-matrix samples of the work-order URLs: merchant A's work order (done, with a photo)."""

from datetime import timedelta

from django.utils import timezone

from acquirer import roles
from merchants.models import Merchant
from terminals.services import workorders as svc
from tests.merchants.kyc_data import png_file
from tests.terminals.factories import make_terminal


def build(ctx):
    users, merchant = ctx["users"], ctx["merchant_a"]
    if merchant.status not in svc.VISITABLE:
        Merchant.objects.filter(pk=merchant.pk).update(status=Merchant.Status.ACTIVE)
        merchant.refresh_from_db()
    manager, engineer = users[roles.OPERATIONS_MANAGER], users[roles.FIELD_ENGINEER]
    terminal = make_terminal(status="active", merchant=merchant)
    start = timezone.now().replace(microsecond=0)
    work_order = svc.work_order_create(actor=manager, kind="repair", merchant=merchant, terminal=terminal,
                                       address="Gate street 1", instructions="gate sample")
    svc.work_order_assign(actor=manager, work_order=work_order, engineer=engineer, window_start=start,
                          window_end=start + timedelta(hours=2))
    svc.work_order_start(actor=engineer, work_order=work_order)
    svc.work_order_complete(actor=engineer, work_order=work_order, checklist=dict.fromkeys(svc.CHECKLISTS["repair"],
                                                                                          True),
                            signed_off_by="Zhang San", minutes_spent=30, photos=[png_file("gate.png")])
    ctx["work_order_a"] = work_order
    ctx["work_order_photo_a"] = work_order.photos.get()


def samples(ctx) -> dict:
    work_order = {"pk": ctx["work_order_a"].pk}
    photo = {"pk": ctx["work_order_photo_a"].pk}
    return {
        **{f"ops:workorder-{action}": work_order for action in ("detail", "assign", "start", "complete", "cancel")},
        "audit:workorder-detail": work_order,
        "ops:workorder-photo": photo,
        "audit:workorder-photo": photo,
    }
