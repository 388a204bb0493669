"""Gate matrix samples of the ledger URLs: one transaction of merchant A's."""

from tests.transactions.factories import live_merchant_with_terminal, make_transaction


def live_a(ctx):
    """Merchant A live with an active terminal (another app's samples may have made it live already)."""
    from merchants.models import Contract
    from terminals.models import Terminal
    from tests.terminals.factories import make_terminal

    merchant = ctx["merchant_a"]
    merchant.refresh_from_db()
    if not Contract.objects.filter(merchant=merchant).exists():
        return live_merchant_with_terminal(merchant)
    if not Contract.objects.filter(merchant=merchant, status="active").exists() or not merchant.mid:
        # another app's samples gave A a contract that is not in force: add one that is, as the next version
        from datetime import timedelta
        from decimal import Decimal

        from django.db.models import Max
        from django.utils import timezone

        from merchants.models import ContractFee, Merchant

        today = timezone.localdate()
        version = Contract.objects.filter(merchant=merchant).aggregate(v=Max("version"))["v"] + 1
        if not merchant.mid:
            Merchant.objects.filter(pk=merchant.pk).update(mid="898290058129999")
        merchant.refresh_from_db()
        contract = Contract.objects.create(
            merchant=merchant, version=version, currency="CNY", settlement_cycle="T+1", start_date=today - timedelta(
                days=60), end_date=today + timedelta(days=600), status="active", text="test", text_sha256="0" * 64)
        ContractFee.objects.bulk_create([ContractFee(contract=contract, channel=channel, rate_percent=Decimal("0.5"))
                                         for channel in ContractFee.Channel.values])
    return merchant, make_terminal(status=Terminal.Status.ACTIVE, merchant=merchant)


def build(ctx) -> None:
    if "transaction_a" in ctx:
        return
    merchant, terminal = live_a(ctx)
    ctx["ledger_terminal_a"] = terminal
    ctx["transaction_a"] = make_transaction(merchant=merchant, terminal=terminal)


def samples(ctx) -> dict:
    row = ctx["transaction_a"]
    kwargs = {"local_date": row["local_date"], "pk": row["id"]}
    return {f"{area}:transaction-detail": kwargs for area in ("ops", "portal", "audit")}
