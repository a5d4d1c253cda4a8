import re

from playwright.sync_api import expect

from segments.models import Segment, SegmentLine
from tests.factories import CampaignFactory, World


def test_build_reduce_go_back_link_and_tick_target_without_reload(login):
    world = World()
    acme = world.company("Acme", relations=["CUST"])
    bolt = world.company("Bolt", relations=["PROS"])
    world.person("Ann Buyer", acme, jobs=["PURCHASE"])
    world.person("Cat Buyer", bolt, jobs=["PURCHASE"])
    world.person("Bob Seller", acme, jobs=["SALES"])
    campaign = CampaignFactory(description="Spring mailing")
    page = login()
    menu = page.get_by_role("navigation", name="Main menu")

    # A new segment.
    menu.get_by_role("button", name="Segments").click()
    menu.get_by_role("link", name="Segments", exact=True).click()
    page.get_by_role("link", name="New").first.click()
    page.get_by_label("Description").fill("Purchasers")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("h1")).to_contain_text("SEG00001")

    # Add persons with job responsibility PURCHASE.
    page.get_by_role("link", name="Add contacts").click()
    page.get_by_label("Type", exact=True).select_option("person")
    page.get_by_label("PURCHASE").check()
    page.get_by_role("button", name="Add contacts").click()
    expect(page.locator(".alert-success")).to_contain_text("2 contacts added")
    expect(page.get_by_role("row", name="Ann Buyer")).to_be_visible()
    expect(page.get_by_role("row", name="Cat Buyer")).to_be_visible()

    # Reduce by business relation PROS: Cat (of Bolt) leaves.
    page.get_by_role("link", name="Reduce").click()
    page.get_by_label("PROS").check()
    page.get_by_role("button", name="Remove matching contacts").click()
    expect(page.locator(".alert-success")).to_contain_text("1 line removed")
    expect(page.get_by_role("row", name="Cat Buyer")).to_have_count(0)

    # Go back: Cat returns.
    page.get_by_role("link", name="Go back").click()
    expect(page.locator("main")).to_contain_text("Undo criteria action 2")
    page.get_by_role("button", name="Yes").click()
    expect(page.get_by_role("row", name="Cat Buyer")).to_be_visible()

    # Link the segment to the campaign (the lines follow after the question).
    page.get_by_role("link", name="Edit").first.click()
    page.get_by_label("Campaign", exact=True).select_option(label=str(campaign))
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Yes, update the lines").click()
    expect(page.locator(".badge").filter(has_text=campaign.no)).to_be_visible()

    # Tick campaign target on Ann's line only, without a page reload.
    page.evaluate("window.noReload = true")
    row = page.get_by_role("row", name="Ann Buyer")
    # Ticking saves through htmx: wait for the answer (the box shows ticked at once).
    with page.expect_response(re.compile(r"/toggle-target/$")):
        row.get_by_role("checkbox", name="Campaign target: Ann Buyer").check()
    expect(
        page.get_by_role("row", name="Ann Buyer").get_by_role(
            "checkbox", name="Campaign target: Ann Buyer"
        )
    ).to_be_checked()
    assert page.evaluate("window.noReload") is True
    segment = Segment.objects.get()
    targets = set(
        SegmentLine.objects.filter(segment=segment, campaign_target=True).values_list(
            "contact__name", flat=True
        )
    )
    assert targets == {"Ann Buyer"}
