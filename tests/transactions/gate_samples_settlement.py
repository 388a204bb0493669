"""Gate matrix samples of the settlement URLs: merchant A's settlement built for its transaction's day (from
gate_samples_ledger) and a payout file with it (the file is really written, under the test's MEDIA_ROOT)."""

from transactions.services.settlement import payout_file_create, settlement_build


def build(ctx) -> None:
    from merchants.models import SettlementAccount
    from tests.transactions import gate_samples_ledger

    gate_samples_ledger.build(ctx)  # merchant A's transaction (once, whichever module runs first)
    merchant = ctx["merchant_a"]
    SettlementAccount.objects.create(merchant=merchant, kind="corporate", account_name=merchant.legal_name,
                                     bank_name="中国银行", account_number="6217000010001234567",
                                     account_number_hash="gate-a", account_number_masked="6217****4567",
                                     status="active")
    day = ctx["transaction_a"]["local_date"]
    settlement_build(day=day)
    ctx["payout_file"] = payout_file_create(payout_date=day.replace(year=day.year + 1))


def samples(ctx) -> dict:
    return {"ops:payout-file-download": {"pk": ctx["payout_file"].pk}}
