"""Reconcile a business date from the command line: ``manage.py reconcile --date 2026-11-30 [--side both]``.

The chunks run in this process, one after the other; the output ends with one line per side:
``reconciled side=clearing date=2026-11-30 matched=… amount_mismatch=… missing_ours=… missing_theirs=…
duplicate=… run=<id>``."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from acquirer import audit
from acquirer.exceptions import DomainError
from transactions.models import ReconRun
from transactions.models.recon import Category
from transactions.services.recon import recon_start


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--date must be YYYY-MM-DD, not {value!r}") from error


class Command(BaseCommand):
    help = "Reconcile the ledger with the clearing records and/or the payouts with the bank statement for a date."

    def add_arguments(self, parser):
        parser.add_argument("--date", required=True, help="business date, YYYY-MM-DD")
        parser.add_argument("--side", choices=["clearing", "bank", "both"], default="both")
        parser.add_argument("--chunks", type=int, default=None, help="number of chunks (default: the setting)")

    def handle(self, *args, date=None, side="both", chunks=None, **options):
        day = _date(date)
        sides = [ReconRun.Side.CLEARING, ReconRun.Side.BANK] if side == "both" else [side]
        token = audit.set_origin(audit.Origin(source="command:reconcile"))
        try:
            for one in sides:
                try:
                    run = recon_start(side=one, business_date=day, chunks=chunks, wait=True)
                except DomainError as error:
                    raise CommandError(str(error)) from error
                if run.status != ReconRun.Status.DONE:
                    raise CommandError(f"reconciliation side={one} date={day} run={run.pk} is {run.status}: "
                                       f"{run.message}")
                counts = " ".join(f"{category}={run.totals.get(category, {}).get('count', 0)}"
                                  for category in Category.values)
                self.stdout.write(f"reconciled side={one} date={day} {counts} run={run.pk}")
        finally:
            audit.reset_origin(token)
