"""Compile and check the translation catalogues without GNU gettext.

``python -m acquirer.i18n compile`` writes every ``locale/*/LC_MESSAGES/django.po`` to its ``.mo``
with polib (pure Python), so a machine without ``msgfmt`` can still build.

``python -m acquirer.i18n check`` exits 1 and lists the problems when the Simplified Chinese
catalogue has an untranslated or fuzzy entry, a translation whose placeholders do not match its
source, or when a ``.mo`` is missing or holds other entries than compiling its ``.po`` would give
(the parsed entries are compared, not the bytes: polib and msgfmt lay files out differently).
Extracting new strings (``makemessages``) still needs GNU gettext: see ``make messages``.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
# The catalogue that must be complete: the default UI language. English is the source language.
COMPLETE_LOCALE = "zh_Hans"
# %(name)s, %s, %d, %.2f ... (not %%) and {name} / {} / {0}.
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]|\{\w*\}")

Key = tuple[str, str, str, tuple[str, ...]]


def _placeholders(text: str) -> list[str]:
    """The placeholders of a message; a literal ``%%`` is not one (nor what follows it)."""
    return PLACEHOLDER.findall(text.replace("%%", ""))


def catalogues() -> list[Path]:
    """Every ``django.po`` under the project's locale folder."""
    return sorted(LOCALE_DIR.glob("*/LC_MESSAGES/django.po"))


def compile_all() -> list[Path]:
    """Write each catalogue's ``.mo`` beside it; return the ``.mo`` paths."""
    written = []
    for po_path in catalogues():
        mo_path = po_path.with_suffix(".mo")
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        written.append(mo_path)
    return written


def _key(entry: polib.POEntry | polib.MOEntry) -> Key:
    plural = tuple(entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural))
    return (entry.msgctxt or "", entry.msgid, entry.msgid_plural or "", plural or (entry.msgstr,))


def _placeholder_problems(entry: polib.POEntry) -> list[str]:
    """Placeholders of a python-format / python-brace-format entry that its translation changes."""
    if not {"python-format", "python-brace-format"} & set(entry.flags):
        return []
    source = Counter(_placeholders(entry.msgid))
    if entry.msgid_plural:
        # A singular form may leave the count out ("One item" / "%(count)d items").
        source |= Counter(_placeholders(entry.msgid_plural))
    translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
    return [
        f"placeholders {sorted(found)} != {sorted(source)}: {entry.msgid!r}"
        for found in (Counter(_placeholders(text)) for text in translations if text)
        if found != source and not (entry.msgid_plural and not found - source)
    ]


def problems() -> list[str]:
    """Everything ``check`` complains about, one line each (empty when all is well)."""
    found: list[str] = []
    po_paths = catalogues()
    if not any(path.parent.parent.name == COMPLETE_LOCALE for path in po_paths):
        found.append(f"{LOCALE_DIR}/{COMPLETE_LOCALE}/LC_MESSAGES/django.po is missing")
    for po_path in po_paths:
        name = po_path.relative_to(LOCALE_DIR.parent)
        po = polib.pofile(str(po_path))
        if po_path.parent.parent.name == COMPLETE_LOCALE:
            found += [f"{name}: untranslated: {e.msgid!r}" for e in po.untranslated_entries()]
            found += [f"{name}: fuzzy: {e.msgid!r}" for e in po.fuzzy_entries()]
            found += [f"{name}: {p}" for e in po.translated_entries() for p in _placeholder_problems(e)]
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists():
            found.append(f"{name}: no .mo, run `python -m acquirer.i18n compile`")
            continue
        mo = polib.mofile(str(mo_path))
        expected = polib.mofile(po.to_binary())
        if {_key(e) for e in mo} != {_key(e) for e in expected} or mo.metadata != expected.metadata:
            found.append(f"{name}: .mo is out of date, run `python -m acquirer.i18n compile`")
    return found


def main(argv: list[str]) -> int:
    if argv == ["compile"]:
        for mo_path in compile_all():
            print(f"compiled {mo_path.relative_to(LOCALE_DIR.parent)}")
        return 0
    if argv == ["check"]:
        found = problems()
        for line in found:
            print(line)
        print(f"{len(found)} problem(s)" if found else "translations OK")
        return 1 if found else 0
    print("usage: python -m acquirer.i18n {compile|check}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
