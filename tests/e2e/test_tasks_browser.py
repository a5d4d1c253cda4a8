import re

from playwright.sync_api import expect

from activities.models import Activity, ActivityStep, Task, TaskType
from core import roles
from tests.e2e.conftest import screenshot
from tests.factories import CampaignFactory, SalespersonFactory, UserFactory


def test_assign_activity_from_the_campaign_card_then_complete_it_under_my_tasks(login):
    activity = Activity.objects.create(code="TRADESHOW", description="Trade show follow-up")
    for step_no, kind, description, formula in [
        (1, TaskType.PHONE_CALL, "Phone call after the fair", "2D"),
        (2, TaskType.MEETING, "Product demonstration", "1W"),
    ]:
        ActivityStep.objects.create(
            activity=activity,
            step_no=step_no,
            type=kind,
            description=description,
            date_formula=formula,
        )
    campaign = CampaignFactory(description="Autumn fair")
    jim_user = UserFactory(username="jim", role=roles.SALESPERSON)
    jim = SalespersonFactory(code="JO", name="Jim Olive", user=jim_user)

    # The manager assigns the activity to Jim from the campaign card.
    page = login()
    page.goto(f"{page.base_url}{campaign.get_absolute_url()}")
    page.get_by_role("link", name="Assign activity").first.click()
    page.get_by_label("Activity").select_option(label=str(activity))
    page.get_by_label("Start date").fill("15-01-2026")
    page.get_by_label("Salesperson").select_option(label=str(jim))
    page.get_by_role("button", name="Assign activity").click()
    expect(page.locator(".alert-success")).to_contain_text("2 tasks created")
    expect(page.get_by_role("region", name="Tasks by salesperson")).to_contain_text("Jim Olive")
    screenshot(page, "tasks-01-campaign-card")
    assert Task.objects.filter(campaign=campaign, salesperson=jim).count() == 2

    # Jim logs in and finds them under My tasks, grouped by date.
    page.context.clear_cookies()
    login(role=roles.SALESPERSON, username="jim")
    menu = page.get_by_role("navigation", name="Main menu")
    menu.get_by_role("button", name="Tasks").click()
    menu.get_by_role("link", name="My tasks").click()
    expect(page.locator("h1")).to_have_text("My tasks")
    expect(page.get_by_role("row", name=re.compile("Phone call after the fair"))).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Product demonstration"))).to_be_visible()
    expect(page.locator("main")).to_contain_text("Saturday 17 January 2026")
    screenshot(page, "tasks-02-my-tasks")

    # He completes the phone call.
    page.get_by_role("row", name=re.compile("Phone call after the fair")).get_by_role(
        "link"
    ).first.click()
    page.get_by_role("link", name="Complete").click()
    page.get_by_role("button", name="Complete").click()
    expect(page.locator(".alert-success")).to_contain_text("completed")
    expect(page.locator(".page-header")).to_contain_text("Completed")
    call = Task.objects.get(description="Phone call after the fair")
    assert call.closed
    assert call.completed_by == jim

    # Back on My tasks it is under Recently closed; the week view shows the other one.
    page.goto(f"{page.base_url}/tasks/my/")
    expect(page.get_by_role("region", name="Recently closed")).to_contain_text(call.no)
    page.goto(f"{page.base_url}/tasks/my/?view=week&week=2026-01-22")
    expect(page.get_by_role("region", name=re.compile("Thursday"))).to_contain_text(
        "Product demonstration"
    )
    screenshot(page, "tasks-03-week")
