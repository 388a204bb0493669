"""Restore a backup archive into a new, empty database (see docs/runbook.md).

    python manage.py restore var/backups/acquirer-….backup --dry-run
    python manage.py restore var/backups/acquirer-….backup --into postgres://user@host/newdb [--files-into DIR]
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from acquirer.backups import archive
from acquirer.backups.crypto import BackupIntegrityError, BackupKeyError
from acquirer.backups.pg import PgToolError
from acquirer.backups.services import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore a backup archive into an empty database (refuses altered archives)."

    def add_arguments(self, parser):
        parser.add_argument("backup", help="path of the archive, or its name in the backup folder")
        parser.add_argument("--into", help="DATABASE_URL of the empty target database")
        parser.add_argument("--files-into", help="folder to restore uploaded files into (default: not restored)")
        parser.add_argument("--dry-run", action="store_true", help="check the archive and list what it holds")

    def handle(self, *args, backup, into=None, files_into=None, dry_run=False, **options):
        path = Path(backup)
        if not path.exists():
            path = Path(settings.ACQUIRER_BACKUP_DIR) / backup
        if not path.exists():
            raise CommandError(f"no such backup: {backup}")
        if not dry_run and not into:
            raise CommandError("give --into DATABASE_URL (a new, empty database) or --dry-run")
        try:
            summary = backup_restore(source_path=path, into_url=into or "", dry_run=dry_run,
                                     files_into=Path(files_into) if files_into else None)
        except (BackupIntegrityError, archive.ManifestMismatch) as error:
            raise CommandError(f"REFUSED: the archive is damaged or was altered: {error}") from error
        except (BackupKeyError, BackupError, PgToolError, OSError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"archive: {path} (created {summary['created_at']})")
        self.stdout.write(f"tables: {summary['tables']}, rows: {summary['rows']}, files: {summary['files']}")
        for table, count in sorted(summary["row_counts"].items()):
            self.stdout.write(f"  {table:<50} {count:>10}")
        if dry_run:
            self.stdout.write(self.style.SUCCESS("dry run: archive is intact; nothing was restored"))
        else:
            self.stdout.write(self.style.SUCCESS(
                f"restored into {summary['restored_into']}; row counts match the manifest. "
                "Next: point DATABASE_URL at it, run `manage.py migrate` and `manage.py audit_verify`."))
