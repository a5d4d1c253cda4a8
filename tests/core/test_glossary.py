"""One Dutch term per concept (docs/glossary.md): no Dutch text uses a variant the
glossary rules out."""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings

BASE = Path(settings.BASE_DIR)
GLOSSARY = BASE / "docs" / "glossary.md"
PO_FILE = BASE / "locale" / "nl" / "LC_MESSAGES" / "django.po"


def forbidden_variants() -> dict[str, str]:
    """Each ruled-out variant with the Dutch term to use instead, from the table."""
    variants = {}
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 4 or cells[0] in ("Concept", "---"):
            continue
        for variant in filter(None, (part.strip() for part in cells[3].split(","))):
            variants[variant] = cells[2]
    return variants


def dutch_texts():
    for entry in polib.pofile(str(PO_FILE)).translated_entries():
        yield entry.msgid, entry.msgstr
        for text in entry.msgstr_plural.values():
            yield entry.msgid, text


def test_the_glossary_names_variants_to_avoid():
    variants = forbidden_variants()
    assert variants["contactpersonen"] == "contact, contacten"
    assert "campagnereactie" in variants


def test_no_dutch_text_uses_a_ruled_out_variant():
    variants = forbidden_variants()
    patterns = {
        variant: re.compile(rf"(?<!\w){re.escape(variant)}(?!\w)", re.IGNORECASE)
        for variant in variants
    }
    found = [
        f"{msgid!r}: {variant!r} (use {variants[variant]!r})"
        for msgid, text in dutch_texts()
        for variant, pattern in patterns.items()
        if pattern.search(text)
    ]
    assert found == []


@pytest.mark.django_db
def test_cancelling_a_record_and_closing_a_form_are_two_dutch_words(manager_client):
    """*Annuleren* cancels a campaign entry; the form's way out is *Sluiten*."""
    from django.urls import reverse

    from tests.factories import CampaignEntryFactory

    manager_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    entry = CampaignEntryFactory()
    card = manager_client.get(entry.get_absolute_url()).content.decode()
    assert "Annuleren</a>" in card
    form = manager_client.get(reverse("campaigns:campaign_create")).content.decode()
    assert "Sluiten</a>" in form
    assert "Annuleren</a>" not in form
