"""Compliance demo data (``manage.py seed_demo``, after every other app's: the early-warning page and the report
read their data). The starter library of migration 0003 first (a database flushed since its migration lacks it),
then assessments with evidence, findings in every state with an inspection, a regulatory change partly read, an
access review half done and a legal hold. Each part is idempotent."""

import importlib

from acquirer.models import User

STAFF = ("compliance", "ops", "reviewer", "engineer", "risk", "service", "servicelead")


def seed(*, password: str, force_password: bool) -> list[tuple[str, str]]:
    from django.apps import apps

    from compliance.demo.changes import seed_changes
    from compliance.demo.findings import seed_findings
    from compliance.demo.library import seed_library

    importlib.import_module("compliance.migrations.0003_starter_library").forwards(apps, None)
    staff = {user.username: user for user in User.objects.filter(username__in=STAFF)}
    seed_library(staff=staff)
    seed_findings(staff=staff)
    seed_changes(staff=staff)
    return []
