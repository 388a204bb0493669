"""Shared set-up: Django with the test settings against a scratch database."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "acquirer.settings.test")


def django_with_scratch_db():
    """Create a throw-away database ``bench_acquirer``, migrate it, and return a cleanup function."""
    import django
    from django.conf import settings
    from django.db import connections
    from django.test.utils import get_runner  # noqa: F401 - makes sure the test framework is importable

    django.setup()
    connection = connections["default"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = "bench_acquirer"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)

    def cleanup():
        connection.creation.destroy_test_db(old_name, verbosity=0)

    assert settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    return cleanup


def report(name: str, figure: float, unit: str, floor: float) -> int:
    ratio = figure / floor
    status = "ok" if ratio >= 1 else "BELOW FLOOR"
    print(f"{name}: {figure:.1f} {unit} (floor {floor:g} {unit}, ratio {ratio:.2f}) {status}")
    return 0 if ratio >= 1 else 1
