"""Steps 4–6 of the workflow (docs/workflow.md) in the browser: campaign price, targets,
activation, quotes."""

import re

from playwright.sync_api import expect

from contacts.models import Customer
from pricing.models import Item
from segments import services as segment_services
from segments.models import Segment
from tests.factories import CampaignFactory, World


def _new_quote(page, customer_no, item_no):
    menu = page.get_by_role("navigation", name="Main menu")
    menu.get_by_role("button", name="Sales").click()
    menu.get_by_role("link", name="Sales quotes").click()
    page.get_by_role("link", name="New").first.click()
    page.get_by_label("Customer No.").fill(customer_no)
    page.get_by_role("button", name="Save").click()
    page.get_by_label("Item No.").fill(item_no)
    page.get_by_role("button", name="Add").click()
    return page.locator("#quote-lines, table").filter(has_text=item_no).first


def test_campaign_price_reaches_only_targeted_customers(login):
    from contacts.services import create_customer_from_contact

    world = World()
    a = world.company("Company A")
    b = world.company("Company B")
    customer_a = create_customer_from_contact(contact=a)
    customer_b = create_customer_from_contact(contact=b)
    chair = Item.objects.create(description="Chair", unit_price="100.00")
    campaign = CampaignFactory(description="Chair promotion", starting_date=None, ending_date=None)
    segment = Segment.objects.create(description="Targets", campaign=campaign)
    segment_services.add_contacts(segment=segment, filters={"type": "company"})
    page = login()

    # Record the campaign price from the campaign card (sales type defaults to campaign).
    page.goto(f"{page.base_url}{campaign.get_absolute_url()}")
    page.get_by_role("link", name="Sales prices", exact=True).click()
    page.get_by_role("link", name="New").first.click()
    expect(page.get_by_label("Sales type")).to_have_value("campaign")
    page.get_by_label("Item No.").fill(chair.no)
    page.get_by_label("Unit price").fill("80")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".alert-success")).to_be_visible()

    # Campaign target on A's line only.
    page.goto(f"{page.base_url}{segment.get_absolute_url()}")
    with page.expect_response(re.compile(r"/toggle-target/$")):  # saved through htmx
        page.get_by_role("row", name=re.compile("Company A")).get_by_role(
            "checkbox", name=re.compile("Campaign target")
        ).check()
    expect(
        page.get_by_role("row", name=re.compile("Company A")).get_by_role(
            "checkbox", name=re.compile("Campaign target")
        )
    ).to_be_checked()

    # Activate from the campaign card.
    page.goto(f"{page.base_url}{campaign.get_absolute_url()}")
    page.get_by_role("link", name="Activate sales prices/line discounts").click()
    page.get_by_role("button", name="Yes").click()
    expect(page.locator(".alert-success")).to_contain_text("is now activated (1 target)")

    # A quote for A gets the campaign price, a quote for B the normal price.
    _new_quote(page, customer_a.no, chair.no)
    expect(page.locator("main")).to_contain_text("80.00")
    _new_quote(page, customer_b.no, chair.no)
    expect(page.locator("main")).to_contain_text("100.00")
    expect(page.locator("main")).not_to_contain_text("80.00")

    # Deactivate: A's next quote no longer gets it.
    page.goto(f"{page.base_url}{campaign.get_absolute_url()}")
    page.get_by_role("link", name="Deactivate sales prices/line discounts").click()
    page.get_by_role("button", name="Yes").click()
    _new_quote(page, customer_a.no, chair.no)
    expect(page.locator("main")).not_to_contain_text("80.00")
    assert Customer.objects.count() == 2
