"""Dutch with no English (docs/formats.md, Dutch with no English): every page of the
permission matrix (tests/core/test_permission_matrix.py) that a manager opens, rendered
in Dutch over the demo data loaded in Dutch, shows no English text of the translation
catalogue: no label, button, message, audit detail, trace text or choice left in
English.

The visible text is the text of the page without its scripts and styles, plus the
attributes a user reads (title, placeholder, aria-label, alt). A catalogue entry is
looked for when its Dutch text differs from the English (Segment, Contact and Status
are the same in both) and it is more than a word of three letters. A text counts as
English when a whole text of the page is the entry (a label, a button), when it starts
with the entry followed by a code (a price source: "Campaign CP0002"), when it holds an
entry of two words or more (a message, an audit detail: "business relation = PROS"), or
when it matches an entry with placeholders ("%(n)s lines" as "12 lines").
"""

import io
import re
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import get_language_info

from contacts.models import BusinessRelation
from core.models import Job
from quotes import services as quote_services
from quotes.models import SalesQuote
from segments import services as segment_services
from segments.models import SavedSegmentCriteria, Segment
from tests.core.test_permission_matrix import MATRIX

pytestmark = pytest.mark.django_db

PO_FILE = Path(settings.BASE_DIR) / "locale" / "nl" / "LC_MESSAGES" / "django.po"
READ_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
SKIPPED_TAGS = {"script", "style", "svg", "template", "code", "pre"}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdf]|%[sdf]|\{\{ *\w+ *\}\}")
# Texts the same in both languages that the catalogue still translates for other uses
# (a code, a product name): never an English leak on their own.
NEUTRAL = {"E-mail", "Excel", "CSV", "XLSX", "OK", "Item"}
# The language switcher names each language in itself (English, Nederlands).
NEUTRAL |= {get_language_info(code)["name_local"] for code, _name in settings.LANGUAGES}


class VisibleText(HTMLParser):
    """The texts a user reads on the page, each whole (one per text node or attribute)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED_TAGS:
            self.skipping += 1
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value:
                self.texts.append(value)

    def handle_endtag(self, tag):
        if tag in SKIPPED_TAGS and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping:
            self.texts.append(data)


def visible_texts(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    texts = (" ".join(text.split()) for text in parser.texts)
    return [text.strip(" :*") for text in texts if text.strip(" :*")]


def english_entries():
    """``(msgid, matcher)`` of every catalogue entry whose English would be a leak."""
    catalogue = polib.pofile(str(PO_FILE))
    dutch = {entry.msgstr for entry in catalogue if entry.msgstr}
    dutch |= {text for entry in catalogue for text in entry.msgstr_plural.values()}
    for entry in catalogue:
        if entry.obsolete or "fuzzy" in entry.flags:
            continue
        for msgid, msgstr in _forms(entry):
            if not msgstr or msgstr == msgid or msgid in dutch or msgid in NEUTRAL:
                continue
            literal = PLACEHOLDER.sub(" ", msgid)
            if len(literal.strip()) <= 3 or not re.search(r"[a-z]{3}", literal):
                continue
            yield msgid, _matcher(msgid)


def _forms(entry):
    if entry.msgid_plural:
        plural = entry.msgstr_plural
        yield entry.msgid, plural.get(0, "")
        yield entry.msgid_plural, plural.get(1, "")
    else:
        yield entry.msgid, entry.msgstr


def _matcher(msgid: str):
    """A function of a page text: whether it shows ``msgid`` in English."""
    msgid = " ".join(msgid.split()).strip(" :*")
    if PLACEHOLDER.search(msgid):
        parts = [re.escape(part) for part in PLACEHOLDER.split(msgid)[::2]]
        # Only placeholders' texts long enough not to match by chance.
        if sum(len(re.sub(r"\W", "", part)) for part in parts) < 12:
            return None
        pattern = re.compile("(?:.+?)".join(parts).replace("%%", "%"))
        return pattern.fullmatch  # a message is a text of its own
    words = len(msgid.split())
    whole = re.compile(rf"^{re.escape(msgid)}(?: [A-Z0-9][A-Z0-9-]*)?$")
    if words == 1:
        return whole.search
    inside = re.compile(rf"(?<![\w-]){re.escape(msgid)}(?![\w-])")
    return inside.search


@pytest.fixture
def dutch_demo(db):
    """The demo data loaded in Dutch (``manage.py demo --language nl``), as a Dutch
    customer sees it, so that no English demo text passes for a leak."""
    with translation.override("nl"):
        call_command("demo", language="nl", stdout=io.StringIO())
        manager = get_user_model().objects.get(username="manager")
        # As tests/demo_database.py: a job and a saved criteria set, so every page has one.
        Job.objects.create(
            kind=Job.Kind.CONTACT_IMPORT, description="Test", user=manager, state=Job.State.FAILED
        )
        SavedSegmentCriteria.objects.create(code="TEST", description="Test")
    # What an English colleague did, read by a Dutch one: an audit detail and a price
    # trace made in English must be shown in Dutch.
    with translation.override("en"):
        relation = BusinessRelation.objects.order_by("pk").first()
        segment = Segment.objects.order_by("pk").first()
        segment_services.add_contacts(
            segment=segment, filters={"business_relations": [relation.code]}, user=manager
        )
        for quote in SalesQuote.objects.filter(lines__isnull=False).distinct():
            quote_services.recalculate_quote(quote=quote, user=manager)
    return manager


def matrix_urls(user):
    """``(name, url)`` of every page of the permission matrix the manager may open."""
    for name, page in sorted(MATRIX.items()):
        if page.permission and not user.has_perm(page.permission):
            continue
        kwargs = page.kwargs(user) if page.kwargs else {}
        yield name, reverse(name, kwargs=kwargs)


@pytest.mark.long
def test_no_page_shows_english_in_dutch(dutch_demo):
    client = Client()
    client.force_login(dutch_demo)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    entries = [(msgid, match) for msgid, match in english_entries() if match]
    assert len(entries) > 500
    leaks, checked = {}, []
    for name, url in matrix_urls(dutch_demo):
        with transaction.atomic():
            response = client.get(url)
            transaction.set_rollback(True)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        checked.append(name)
        for text in visible_texts(response.content.decode()):
            for msgid, match in entries:
                if match(text):
                    leaks.setdefault(f"{msgid!r} in {text!r}", name)
    assert len(checked) > 100, checked  # every list, card and form, not a few
    # The English colleague's work is on the pages, in Dutch.
    with translation.override("nl"):
        relation = translation.gettext("business relation")
    assert f"{relation} = " in client.get(reverse("core:auditentry_list")).content.decode()
    report = "\n".join(f"{name}: {leak}" for leak, name in sorted(leaks.items()))
    assert not leaks, f"English on Dutch pages:\n{report}"


def test_the_leak_test_finds_english():
    """The matchers find a label, a price source, an audit detail and a message."""
    entries = dict(english_entries())
    assert entries["Campaign"]("Campaign CP0002")
    assert entries["All customers"]("All customers")
    assert not entries["Campaign"]("Campagne CP0002")
    assert entries["business relation"]("2: business relation = PROS")
    assert entries["minimum quantity %(qty)s not reached"]("minimum quantity 10 not reached")
    texts = visible_texts('<p title="Save">Campaign <script>Campaign</script></p>')
    assert texts == ["Save", "Campaign"]
