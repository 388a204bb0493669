"""``python manage.py compliance_report --period 2026-Q4 --out DIR [--language zh-hans|en] [--user USERNAME]``

Writes the compliance report's PDF, the findings workbook, ``manifest.json`` and ``manifest.sig`` into DIR — the
same files as the export job — and records "compliance report exported from the shell" in the audit trail.
Check the folder with ``python manage.py verify_export DIR``. Without ``--user`` the report reads everything, as
an auditor would, and the manifest names the shell."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from acquirer import audit
from acquirer.models import User
from compliance.selectors.reports import PeriodError
from compliance.services.reports import compliance_report_write

SHELL = "shell"


class Command(BaseCommand):
    help = "Write the compliance report for a period (PDF, findings XLSX, signed manifest) into a folder."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="2026, 2026-H2, 2026-Q4 or 2026-10")
        parser.add_argument("--out", required=True, help="the folder to write into (created when missing)")
        parser.add_argument("--language", default="zh-hans", choices=[code for code, _name in settings.LANGUAGES])
        parser.add_argument("--user", default="", help="read as this user (their scope), named in the manifest")

    def handle(self, *args, period, out, language, user, **options):
        if user:
            actor = User.objects.filter(username=user, is_active=True).first()
            if actor is None:
                raise CommandError(f"no active user {user!r}")
        else:
            actor = User(username=SHELL, kind=User.Kind.AUDITOR, is_active=True)  # never saved: reads as an auditor
        token = audit.set_origin(audit.Origin(source="shell:compliance_report"))
        try:
            result = compliance_report_write(actor=actor, period=period, out=out, language=language,
                                             shell_user_label=SHELL)
        except PeriodError as error:
            raise CommandError(str(error)) from error
        finally:
            audit.reset_origin(token)
        for name in (*result["files"], "manifest.json", "manifest.sig"):
            self.stdout.write(f"written {result['folder']}/{name}")
        self.stdout.write(self.style.SUCCESS(f"compliance report {result['period']} written; check it with: "
                                             f"python manage.py verify_export {result['folder']}"))
