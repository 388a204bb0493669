"""`make run` serves like production: no debug pages (a 404 never shows the URL map), a configurable port."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _dev_setting(name: str, **env) -> str:
    code = f"import django; django.setup(); from django.conf import settings; print(settings.{name})"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env={**os.environ, "DJANGO_SETTINGS_MODULE": "acquirer.settings.dev",
                                 "DJANGO_DEBUG": "", **env})
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_demo_runs_with_debug_off_unless_asked():
    assert _dev_setting("DEBUG") == "False"
    assert _dev_setting("DEBUG", DJANGO_DEBUG="1") == "True"


def test_a_404_shows_no_url_map(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"URLconf" not in response.content and b"ops/" not in response.content


def test_the_demo_port_is_configurable():
    makefile = (ROOT / "Makefile").read_text()
    assert "ACQUIRER_PORT=$(PORT)" in makefile
    code = "import acquirer.demo as d; print(d.PORT)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env={**os.environ, "ACQUIRER_PORT": "8089"})
    assert result.stdout.strip() == "8089"
