"""The scale data generator loads what its plan says, through every app's plugin, with a valid audit chain."""

from django.core.management import call_command

from acquirer import audit
from acquirer.models import AuditEvent, User
from merchants.models import Contract, Merchant
from terminals.models import Terminal, Ticket, WorkOrder


def test_seed_scale_loads_the_plan_with_a_valid_chain(db):
    before = AuditEvent.objects.count()
    call_command("seed_scale", merchants=12, terminals=150, big_merchant_terminals=40, tickets=9, work_orders=7,
                 audit_events=300, stdout=open("/dev/null", "w"))
    assert Merchant.objects.filter(status=Merchant.Status.ACTIVE).count() == 12
    assert Contract.objects.filter(status=Contract.Status.ACTIVE, monthly_rent__gt=0).count() == 12
    assert Terminal.objects.count() == 150
    owner = User.objects.get(username="scale-owner")
    assert Terminal.objects.filter(merchant_id=owner.merchant_id).count() == 40
    assert Ticket.objects.count() == 9 and WorkOrder.objects.count() == 7
    assert AuditEvent.objects.count() >= before + 300
    assert audit.verify_chain().ok
