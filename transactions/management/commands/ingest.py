"""``manage.py ingest KIND FILE [--dry-run]``: the machines' door to the ingest (``transactions.services.ingest``).

Prints each row error (``line N, FIELD: reason``), then one last line ``ingested kind=… rows=N new=N duplicates=N
rejected=N`` and exits 0; a file refused as a whole prints one line ``refused: <reason>`` and exits 1."""

import sys

from django.core.management.base import BaseCommand

from acquirer.exceptions import DomainError
from transactions.services.ingest import KINDS, ingest_path


class Command(BaseCommand):
    help = "Ingest a host journal (journal, journal-csv), a clearing file (clearing) or an MT940 bank statement."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true",
                            help="Parse and check the whole file, count what would be new, write nothing.")

    def handle(self, *args, kind, file, dry_run, **options):
        try:
            record = ingest_path(kind=kind, path=file, dry_run=dry_run, source="command")
        except DomainError as error:
            self.stdout.write(f"refused: {error}")
            sys.exit(1)
        if record.status == "refused":
            self.stdout.write(f"refused: {record.message}")
            sys.exit(1)
        for error in getattr(record, "errors", []):
            self.stdout.write(f"line {error.line}, {error.field or 'line'}: {error.reason}")
        if record.message:
            self.stdout.write(f"warning: {record.message}")
        self.stdout.write(f"ingested kind={kind} rows={record.rows} new={record.new} "
                          f"duplicates={record.duplicates} rejected={record.rejected}")
