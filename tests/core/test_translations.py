"""Every user-facing string has a Dutch translation (docs/architecture.md, Languages)."""

import shutil
import subprocess
from pathlib import Path

import polib
import pytest
from django.conf import settings

PO_FILE = Path(settings.BASE_DIR) / "locale" / "nl" / "LC_MESSAGES" / "django.po"


def test_dutch_catalogue_is_complete_and_not_fuzzy():
    catalogue = polib.pofile(str(PO_FILE))
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert untranslated == []
    assert fuzzy == []


def test_placeholders_survive_translation():
    catalogue = polib.pofile(str(PO_FILE))
    import re

    pattern = re.compile(r"%\(\w+\)[sd]|\{\{ ?\w+ ?\}\}")
    for entry in catalogue.translated_entries():
        expected = sorted(pattern.findall(entry.msgid))
        found = sorted(pattern.findall(entry.msgstr or entry.msgstr_plural.get(0, "")))
        assert found == expected, entry.msgid


@pytest.mark.skipif(not shutil.which("xgettext"), reason="GNU gettext is not installed")
def test_every_string_in_the_code_is_in_the_catalogue(tmp_path):
    """Extract the strings again (needs GNU gettext) and compare with the catalogue."""
    base = Path(settings.BASE_DIR)
    work = tmp_path / "project"
    shutil.copytree(
        base,
        work,
        ignore=shutil.ignore_patterns(".venv", ".git", "static", "tests", "var", "*.sqlite3*"),
    )
    subprocess.run(  # noqa: S603 - fixed arguments, our own manage.py
        [
            str(base / ".venv" / "bin" / "python"),
            "manage.py",
            "makemessages",
            "--locale",
            "nl",
            "--no-obsolete",
            "--ignore",
            "static/*",
        ],
        cwd=work,
        check=True,
        capture_output=True,
        env={"DJANGO_DEBUG": "1", "PATH": "/usr/bin:/bin"},
    )
    extracted = polib.pofile(str(work / "locale" / "nl" / "LC_MESSAGES" / "django.po"))
    missing = [
        entry.msgid for entry in extracted.untranslated_entries() + extracted.fuzzy_entries()
    ]
    assert missing == [], "run `make messages` and translate these"
