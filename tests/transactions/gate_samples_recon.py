"""Gate matrix samples of the reconciliation URLs: a run over merchant A's day with one break of merchant A."""

from datetime import date, timedelta
from types import SimpleNamespace

from tests.transactions.factories import make_transaction
from transactions.models import ReconException
from transactions.services.recon import recon_start


def build(ctx) -> None:
    day = date.today() - timedelta(days=1)
    # only ids and codes are written to the ledger: whether another app's samples made merchant A live or not
    merchant = SimpleNamespace(pk=ctx["merchant_a"].pk, mid=ctx["merchant_a"].mid or "898290058129990")
    make_transaction(merchant=merchant, terminal=SimpleNamespace(pk=0, tid="GATE0001"), local_date=day,
                     rrn="GATE00000001")
    run = recon_start(side="clearing", business_date=day, chunks=1, wait=True)
    ctx["recon_run_a"] = run
    ctx["recon_exception_a"] = ReconException.objects.get(run=run, merchant_id=merchant.pk, rrn="GATE00000001")


def samples(ctx) -> dict:
    run = {"pk": ctx["recon_run_a"].pk}
    exception = {"pk": ctx["recon_exception_a"].pk}
    return {
        "ops:recon-run-detail": run,
        "audit:recon-run-detail": run,
        **{name: exception for name in (
            "ops:recon-exception-detail", "ops:recon-exception-take", "ops:recon-exception-assign",
            "ops:recon-exception-propose", "ops:recon-exception-approve", "ops:recon-exception-reject",
            "audit:recon-exception-detail")},
    }
