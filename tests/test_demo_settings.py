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


def test_the_demo_password_is_printed_again_after_the_worker_start_up_output():
    import io

    from acquirer.demo import relay_until_ready

    out = io.StringIO()
    worker_output = ["celery@host v5.7.0\n", "[tasks]\n", "  . acquirer.tasks.nightly_backup\n",
                     "[2026-11-30 12:00:00,000: INFO/MainProcess] celery@host ready.\n",
                     "[2026-11-30 12:00:01,000: INFO/MainProcess] Task received\n"]
    relay_until_ready(worker_output, out, lambda: out.write("Demo password for every demo user: X\n"))
    lines = out.getvalue().splitlines()
    assert lines.index("Demo password for every demo user: X") == 4  # right after "ready."
    assert out.getvalue().count("Demo password") == 1


def test_password_rules_read_in_chinese_on_chinese_pages(db):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.utils.translation import override

    with override("zh-hans"):
        try:
            validate_password("abc1")
        except ValidationError as error:
            messages = error.messages
    assert messages and all(not any(word in m for word in ("password", "This", "characters")) for m in messages), \
        messages


def test_a_merchant_denied_a_page_reads_merchant_wording(clients):
    clients["merchant_a"].cookies["django_language"] = "en"
    response = clients["merchant_a"].get("/ops/")
    body = response.content.decode()
    assert response.status_code == 403
    assert "contact our customer service" in body and "operations manager" not in body
