"""Take a backup now (the same job the scheduler runs nightly), then verify it unless --no-verify."""

from django.core.management.base import BaseCommand, CommandError

from acquirer import audit
from acquirer.celery import app


class Command(BaseCommand):
    help = "Back up the database and uploaded files now (encrypted), and verify the backup by a test restore."

    def add_arguments(self, parser):
        parser.add_argument("--no-verify", action="store_true", help="skip the restore verification")

    def handle(self, *args, no_verify=False, **options):
        token = audit.set_origin(audit.Origin(source="command:backup_now"))
        try:
            # verified below, in this process (not queued to a worker as well)
            result = app.tasks["acquirer.tasks.nightly_backup"].apply(kwargs={"verify_after": False})
            if result.failed():
                raise CommandError(f"backup failed: {result.result}")
            counts = result.result
            if "skipped" in counts:
                raise CommandError(counts["skipped"])
            self.stdout.write(self.style.SUCCESS(
                f"backup {counts['backup']}: {counts['bytes']} bytes, {counts['tables']} tables, "
                f"{counts['files']} files (retention kept {counts['kept']}, pruned {counts['pruned']})"))
            if not no_verify:
                verified = app.tasks["acquirer.tasks.verify_backup"].apply()
                if verified.failed():
                    raise CommandError(f"verification failed: {verified.result}")
                v = verified.result
                if "skipped" in v:
                    raise CommandError(v["skipped"])
                self.stdout.write(self.style.SUCCESS(
                    f"verified by test restore: {v['tables']} tables, {v['rows']} rows, "
                    f"{v['audit_events']} audit events in an intact chain"
                    f"{' extending ' + v['extends'] if v.get('extends') else ''}, {v['files']} files"))
        finally:
            audit.reset_origin(token)
