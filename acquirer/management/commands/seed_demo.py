"""Create the demo: one user per role, then each domain app's demo data, then one run of every job.

Each app's ``plugin.py`` may declare ``demo=seed(*, password, force_password) -> list[(login, what)]``; the
seeders run in INSTALLED_APPS order, found through ``acquirer.registry`` (the core never imports a domain app).
Idempotent: running it again creates nothing twice. With --password every demo user gets that
password (validated like any other); without it, new users get a generated one, which is printed.
"""

import secrets
import string

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from acquirer import audit, roles
from acquirer.models import User
from acquirer.registry import registry
from acquirer.services.accounts import ensure_demo_user

STAFF = [
    ("ops", roles.OPERATIONS_MANAGER, "Wang", "Min"),
    ("reviewer", roles.ONBOARDING_REVIEWER, "Li", "Na"),
    ("engineer", roles.FIELD_ENGINEER, "Zhang", "Wei"),
    ("risk", roles.RISK_ANALYST, "Liu", "Yang"),
    ("service", roles.CUSTOMER_SERVICE, "Chen", "Jing"),
    ("servicelead", roles.CUSTOMER_SERVICE_LEAD, "Zhou", "Fang"),
    ("compliance", roles.COMPLIANCE_OFFICER, "Zhao", "Lei"),
]


def generate_password() -> str:
    alphabet = string.ascii_letters + string.digits
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(14))
        if any(c.isalpha() for c in candidate) and any(c.isdigit() for c in candidate):
            return candidate


class Command(BaseCommand):
    help = "Create or refresh the demo data (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--password", help="password for every demo user (default: generated)")
        parser.add_argument("--skip-jobs", action="store_true", help="do not run the scheduled jobs once")

    def handle(self, *args, password=None, skip_jobs=False, **options):
        token = audit.set_origin(audit.Origin(source="command:seed_demo"))
        try:
            shown = password or generate_password()
            try:
                logins = self._seed(shown, force_password=bool(password))
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from error
            if not skip_jobs:
                self._run_jobs()
        finally:
            audit.reset_origin(token)
        if password:
            self.stdout.write(self.style.SUCCESS(f"Demo data ready. Logins (password for all: {shown}):"))
        else:
            self.stdout.write(self.style.SUCCESS(
                f"Demo data ready. Logins (new users' password: {shown}; existing users keep theirs):"))
        for login, what in logins:
            self.stdout.write(f"  {login:<16} {what}")

    def _seed(self, password, force_password) -> list[tuple[str, str]]:
        roles.sync()
        logins = []
        for username, role, last, first in STAFF:
            ensure_demo_user(username=username, password=password, force_password=force_password,
                             kind=User.Kind.STAFF, roles=[role], email=f"{username}@acquirer.example",
                             first_name=first, last_name=last)
            logins.append((username, str(roles.label(role))))
        for seed in registry().demo_seeders():
            logins += seed(password=password, force_password=force_password)
        ensure_demo_user(username="auditor", password=password, force_password=force_password,
                         kind=User.Kind.AUDITOR, email="auditor@audit.example", first_name="Sun", last_name="Hui")
        logins.append(("auditor", "auditor (read-only)"))
        return logins

    def _run_jobs(self):
        from acquirer.celery import app
        from acquirer.schedule import JOBS

        for name, job in JOBS.items():
            try:
                app.tasks[job["task"]].apply(throw=True)
            except Exception as error:  # noqa: BLE001 - recorded as a failed JobRun already
                self.stderr.write(f"job {name} failed: {error}")
