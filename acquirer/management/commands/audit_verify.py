"""Verify the audit trail's hash chain; exit 1 and name the first broken row if it is broken."""

from django.core.management.base import BaseCommand, CommandError

from acquirer.audit import verify_chain


class Command(BaseCommand):
    help = "Check that no audit event was altered or removed (hash chain)."

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default")

    def handle(self, *args, database="default", **options):
        report = verify_chain(using=database)
        if not report.ok:
            raise CommandError(
                f"audit chain BROKEN at event id {report.broken_id}: {report.reason} "
                f"({report.checked} events before it are intact)"
            )
        self.stdout.write(self.style.SUCCESS(f"audit chain OK: {report.checked} events verified"))
