"""Verify the audit trail: keyed hash chain, through the latest checkpoint; write a new checkpoint.

Exit 1 and say what is wrong when a row was altered, the chain was recomputed without the key, or events
were removed from the end or the whole table (the chain is shorter than, or does not pass through, the
latest signed checkpoint kept outside the database)."""

from django.core.management.base import BaseCommand, CommandError

from acquirer.audit import verify_and_checkpoint


class Command(BaseCommand):
    help = "Check that no audit event was altered or removed (keyed hash chain and checkpoints)."

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default")

    def handle(self, *args, database="default", **options):
        report, checkpoint = verify_and_checkpoint(using=database)
        if not report.ok:
            where = f" at event id {report.broken_id}" if report.broken_id else ""
            raise CommandError(f"audit chain BROKEN{where}: {report.reason} "
                               f"({report.checked} events before it are intact)")
        self.stdout.write(self.style.SUCCESS(
            f"audit chain OK: {report.checked} events verified; checkpoint written "
            f"(last event {checkpoint['last_id']}, {checkpoint['count']} events)"))
