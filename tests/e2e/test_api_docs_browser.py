"""The interactive API documentation (docs/api.md, Interactive documentation): Swagger UI
from the vendored files, under the page's Content Security Policy, runs the calls as the
logged-in user: a read, and a write that needs the page's CSRF token."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.factories import CampaignFactory


def operation(page, method, path):
    return page.locator(f".opblock-{method.lower()}").filter(
        has=page.locator(".opblock-summary-path", has_text=re.compile(f"^{re.escape(path)}$"))
    )


def status_of(block):
    return block.locator(".live-responses-table tbody .response-col_status").first


def execute(page, block):
    block.locator(".opblock-summary").click()
    block.get_by_role("button", name="Try it out").click()
    return block


def test_try_a_read_and_a_write_from_the_api_documentation(login):
    campaign = CampaignFactory(description="Spring fair")
    page = login()
    page.get_by_role("button", name="manager").click()
    page.get_by_role("link", name="API documentation").click()
    expect(page.locator("h1")).to_have_text("API documentation")
    listing = operation(page, "get", "/api/v1/campaigns/")
    expect(listing).to_be_visible()
    screenshot(page, "api-docs-01")

    # A read: the campaign list, with the session's login.
    execute(page, listing)
    listing.get_by_role("button", name="Execute").click()
    expect(status_of(listing)).to_have_text("200")
    expect(listing.locator(".live-responses-table")).to_contain_text(campaign.no)

    # A write: deactivating the campaign, with the page's CSRF token.
    action = operation(page, "post", "/api/v1/campaigns/{no}/deactivate/")
    execute(page, action)
    action.locator("input[placeholder='no']").fill(campaign.no)
    action.get_by_role("button", name="Execute").click()
    expect(status_of(action)).to_have_text("200")
    screenshot(page, "api-docs-02")
