"""Lists that remember and saved views in the browser (docs/lists.md): filter the
contact list, save the view, clear, open the view from the Views menu; leave the list
and come back to the last state."""

import re

from playwright.sync_api import expect

from core.models import SavedView
from tests.factories import World


def test_a_saved_view_and_the_last_state_come_back(login):
    world = World()
    amstel = world.company("Amstel BV", city="Amsterdam")
    world.person("Anna Jansen", amstel, jobs=("BUYER",))
    world.person("Piet Smit", amstel, jobs=("BOSS",))
    page = login()
    contacts = f"{page.base_url}/contacts/"
    page.goto(contacts)
    page.get_by_label("Job responsibility").select_option(label="BUYER")
    page.wait_for_url(re.compile(r"job_responsibility="))
    expect(page.get_by_role("cell", name="Piet Smit", exact=True)).to_have_count(0)
    page.get_by_role("button", name="Views").click()
    page.get_by_role("link", name="Save view…").click()
    page.get_by_label("Name").fill("Buyers")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/contacts/\?job_responsibility="))
    assert SavedView.objects.get().query.startswith("job_responsibility=")

    page.get_by_role("link", name="Clear", exact=True).click()
    page.wait_for_url(contacts)
    expect(page.get_by_role("cell", name="Piet Smit", exact=True)).to_be_visible()

    page.get_by_role("button", name="Views").click()
    page.get_by_role("link", name="Buyers", exact=True).click()
    page.wait_for_url(re.compile(r"/contacts/\?job_responsibility="))
    expect(page.get_by_role("cell", name="Anna Jansen", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name="Piet Smit", exact=True)).to_have_count(0)

    # Leave the list and come back: the last state is there.
    page.goto(f"{page.base_url}/campaigns/")
    page.goto(contacts)
    page.wait_for_url(re.compile(r"/contacts/\?job_responsibility="))
    expect(page.get_by_label("Job responsibility")).to_have_value(re.compile(r"\d+"))
    expect(page.get_by_role("cell", name="Anna Jansen", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name="Piet Smit", exact=True)).to_have_count(0)
