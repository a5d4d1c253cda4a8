import re

from playwright.sync_api import expect

from campaigns.models import Campaign
from tests.e2e.conftest import screenshot


def test_create_status_and_campaign_and_see_the_date_rule(login):
    page = login()
    menu = page.get_by_role("navigation", name="Main menu")

    # Campaign status code via the Setup menu.
    menu.get_by_role("button", name="Setup").click()
    menu.get_by_role("link", name="Campaign statuses").click()
    page.get_by_role("link", name="New").first.click()
    page.get_by_label("Code").fill("1-plan")
    page.get_by_label("Description").fill("Planned")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".alert-success")).to_contain_text("1-PLAN")
    screenshot(page, "01-status-created")

    # A campaign with reversed dates is refused with a field error …
    menu.get_by_role("button", name="Campaigns").click()
    menu.get_by_role("link", name="Campaigns", exact=True).click()
    page.get_by_role("link", name="New").first.click()
    page.get_by_label("Description").fill("Trade show")
    page.get_by_label("Status code").select_option(label="1-PLAN")
    page.get_by_label("Starting date").fill("31-03-2026")
    page.get_by_label("Ending date").fill("01-03-2026")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".invalid-feedback")).to_contain_text("may not be after the ending date")
    screenshot(page, "02-reversed-dates")
    assert not Campaign.objects.exists()

    # … and accepted once the dates are right.
    page.get_by_label("Starting date").fill("01-03-2026")
    page.get_by_label("Ending date").fill("31-03-2026")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("h1")).to_contain_text("CP0001")
    screenshot(page, "03-campaign-card")

    # The list shows it.
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Campaigns").click()
    row = page.get_by_role("row", name=re.compile("CP0001"))
    expect(row).to_contain_text("Trade show")
    expect(row).to_contain_text("1-PLAN")
    screenshot(page, "04-campaign-list")
