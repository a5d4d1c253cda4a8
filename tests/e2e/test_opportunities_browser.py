from playwright.sync_api import expect

from opportunities.models import Opportunity, OpportunityStatus, ProbabilityCalculation, SalesCycle
from tests.e2e.conftest import screenshot
from tests.factories import CampaignFactory, ContactFactory, SalespersonFactory


def test_create_an_opportunity_from_a_contact_move_it_and_win_it(login):
    cycle = SalesCycle.objects.create(
        code="NEW",
        description="New business",
        probability_calculation=ProbabilityCalculation.MULTIPLY,
    )
    for number, text, completed, formula in [
        (1, "Initial contact", 10, "1W"),
        (2, "Presentation", 40, "2W"),
    ]:
        cycle.stages.create(
            stage=number, description=text, completed_percent=completed, date_formula=formula
        )
    contact = ContactFactory(name="Acme Offices")
    campaign = CampaignFactory(description="Autumn fair")
    linda = SalespersonFactory(code="LT", name="Linda Terpstra")
    errors = []

    page = login()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{page.base_url}{contact.get_absolute_url()}")
    page.get_by_role("link", name="New opportunity").first.click()
    page.get_by_label("Description").fill("Chairs for the new office")
    page.get_by_label("Salesperson").select_option(label=str(linda))
    page.get_by_label("Campaign").select_option(label=str(campaign))
    page.get_by_label("Sales cycle").select_option(label=str(cycle))
    page.get_by_label("Creation date").fill("15-01-2026")
    page.get_by_label("Estimated value").fill("4000")
    page.get_by_label("Chances of success %").fill("50")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".alert-success")).to_contain_text("created")
    opportunity = Opportunity.objects.get()
    expect(page.locator(".page-header")).to_contain_text("Stage 1 Initial contact")
    expect(page.get_by_role("complementary", name="Opportunity figures")).to_contain_text("200.00")

    page.get_by_role("link", name="Next stage").click()
    page.get_by_label("Date of change").fill("20-01-2026")
    page.get_by_role("button", name="Next stage").click()
    expect(page.locator(".alert-success")).to_contain_text("is at stage 2 Presentation")
    expect(page.get_by_role("region", name="Opportunity entries")).to_contain_text("Next")
    screenshot(page, "opportunities-01-card")

    page.get_by_role("link", name="Close: won").click()
    page.get_by_label("Date closed").fill("25-01-2026")
    page.get_by_role("button", name="Close opportunity").click()
    expect(page.locator(".alert-success")).to_contain_text("closed as won")
    opportunity.refresh_from_db()
    assert opportunity.status == OpportunityStatus.WON

    page.goto(f"{page.base_url}/campaigns/{campaign.no}/statistics/")
    expect(page.get_by_role("region", name="Opportunities by status")).to_be_visible()
    expect(page.locator("#chart-opportunities-by-status")).to_be_visible()
    expect(page.locator("main")).to_contain_text("4,000.00")
    screenshot(page, "opportunities-02-statistics")
    assert errors == []
