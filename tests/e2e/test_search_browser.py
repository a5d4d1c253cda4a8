"""The search box in the top bar, from the keyboard (docs/search.md): "/" focuses it,
the results appear while typing, the arrow keys move through them, Enter opens one,
Escape closes them."""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from contacts.models import Contact, ContactType
from tests.e2e.conftest import screenshot
from tests.e2e.test_accessibility import _axe_violations


@pytest.mark.long
def test_slash_part_of_a_last_name_arrow_down_and_enter_open_the_contact_card(login):
    call_command("demo", stdout=io.StringIO())
    jansens = Contact.objects.filter(type=ContactType.PERSON, name__endswith=" Jansen")
    assert jansens.exists(), "the demo data has persons named Jansen"
    page = login(username="searcher")
    box = page.locator("#global-search")
    results = page.locator("#global-search-results")
    options = results.locator("[role=option]")

    page.keyboard.press("/")
    expect(box).to_be_focused()
    page.keyboard.type("jans")  # part of the last name
    expect(results).to_be_visible()
    expect(results).to_contain_text("Contacts")
    expect(box).to_have_attribute("aria-expanded", "true")
    first = options.first
    expect(first).to_contain_text("Jansen")
    screenshot(page, "global-search-open")
    assert _axe_violations(page) == []

    # Escape closes the list, the arrow keys open it again.
    page.keyboard.press("Escape")
    expect(results).to_be_hidden()
    page.keyboard.press("ArrowDown")
    expect(results).to_be_visible()
    expect(first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", first.get_attribute("id"))
    card_url = first.get_attribute("href")
    contact = Contact.objects.get(no=re.fullmatch(r"/contacts/(.+)/", card_url).group(1))
    assert contact.type == ContactType.PERSON
    assert contact.name.endswith(" Jansen")

    page.keyboard.press("Enter")
    page.wait_for_url(f"{page.base_url}{card_url}")
    expect(page.locator("h1")).to_contain_text(contact.name)

    # "/" typed in another field is that field's text.
    page.goto(f"{page.base_url}/search/")
    field = page.get_by_label("Search all records for")
    field.click()
    page.keyboard.press("/")
    expect(field).to_have_value("/")
    expect(page.locator("#global-search")).not_to_be_focused()
