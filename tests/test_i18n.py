"""Translations: the catalogues are complete and compiled, cover the source, and reach the pages."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.urls import reverse
from django.utils.translation import gettext, override

ROOT = Path(__file__).resolve().parent.parent
ZH_PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
# Folders makemessages must not walk (the same --ignore list as `make messages`).
IGNORED = {".venv", "var", "staticfiles", ".git", "node_modules", "__pycache__", ".pytest_cache", "locale"}
EXTRACTED = {".py", ".html", ".txt"}  # makemessages' default extensions for the django domain


def msgids(po_path: Path) -> set[tuple[str, str]]:
    return {(e.msgctxt or "", e.msgid) for e in polib.pofile(str(po_path)) if not e.obsolete}


def test_catalogues_are_complete_and_compiled():
    result = subprocess.run(
        [sys.executable, "-m", "acquirer.i18n", "check"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_gettext_uses_the_catalogues():
    with override("zh-hans"):
        assert gettext("Acquirer Back Office") == "收单后台管理系统"
        assert gettext("Operations dashboard") == "运营工作台"
    with override("en"):
        assert gettext("Acquirer Back Office") == "Acquirer Back Office"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext (xgettext) not installed")
def test_catalogue_has_every_source_string(tmp_path):
    """makemessages on a copy of the source finds no string missing from the committed catalogue."""
    copy = tmp_path / "src"
    for path in ROOT.rglob("*"):
        relative = path.relative_to(ROOT)
        if path.is_file() and path.suffix in EXTRACTED and not IGNORED & set(relative.parts):
            (copy / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, copy / relative)
    (copy / "locale").mkdir()
    env = {**os.environ, "DATABASE_URL": os.environ.get("DATABASE_URL") or "postgres://unused/unused"}
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete",
         *(f"--ignore={name}" for name in sorted(IGNORED - {"locale"}))],
        cwd=copy, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    missing = msgids(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po") - msgids(ZH_PO)
    assert not missing, "strings missing from locale/zh_Hans (run `make messages` and translate):\n" + "\n".join(
        f"  {msgid!r}" + (f" (context {ctxt!r})" if ctxt else "") for ctxt, msgid in sorted(missing)
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "shown", "not_shown"),
    [("zh-hans", "收单后台管理系统", "Acquirer Back Office"), ("en", "Acquirer Back Office", "收单后台管理系统")],
    ids=["zh-hans", "en"],
)
def test_login_page_in_each_language(client, language, shown, not_shown):
    client.cookies["django_language"] = language
    response = client.get(reverse("account_login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert shown in html
    assert not_shown not in html
