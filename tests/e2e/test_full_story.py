"""The campaign workflow of docs/workflow.md, steps 1–11, in one browser session.

Only the base data a marketer finds already set up (salespeople, contacts with
their codes, two customers, an item, interaction templates) is made with the
ORM; every step of the story itself is clicks and typing. A screenshot of each
step lands in ``test-artifacts/step-NN-….png``.
"""

import re
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from activities.models import Task
from campaigns.models import (
    CampaignEntry,
    InteractionLogEntry,
    InteractionTemplate,
    InteractionTemplateLanguage,
)
from contacts.models import CorrespondenceType
from core import roles
from pricing.models import Item
from tests.e2e.conftest import screenshot
from tests.factories import SalespersonFactory, UserFactory, World


def _base_data():
    """What exists before the story starts: people, contacts, customers, an item, templates."""
    from contacts.services import create_customer_from_contact

    jim_user = UserFactory(username="jim", role=roles.SALESPERSON)
    SalespersonFactory(code="JO", name="Jim Olive", email="jim@example.com", user=jim_user)
    world = World()
    acme = world.company("Acme Office", relations=["CUST"], city="Utrecht")
    bolt = world.company("Bolt Builders", relations=["PROS"], city="Delft")
    delta = world.company("Delta Design", city="Breda")
    zeta = world.company("Zeta Zoo", relations=["CUST"], city="Assen")
    for name, company, jobs in [
        ("Ann Buyer", acme, ["PURCHASE"]),
        ("Bob Seller", acme, ["SALES"]),
        ("Cat Buyer", bolt, ["PURCHASE"]),
        ("Dan Buyer", delta, ["PURCHASE"]),
    ]:
        first = name.split()[0].lower()
        world.person(
            name,
            company,
            jobs=jobs,
            email=f"{first}@{company.name.split()[0].lower()}.example",
            city=company.city,
        )
    customers = {
        "acme": create_customer_from_contact(contact=acme),
        "zeta": create_customer_from_contact(contact=zeta),
    }
    chair = Item.objects.create(description="Office chair", unit_price=Decimal("100.00"))
    email = InteractionTemplate.objects.create(
        code="EMAIL",
        description="Spring offer e-mail",
        unit_cost=Decimal("1.50"),
        unit_duration=Decimal("5"),
        correspondence_type=CorrespondenceType.EMAIL,
    )
    InteractionTemplateLanguage.objects.create(
        template=email,
        language="en",
        subject="Spring offer for {{ contact.name }}",
        body_text="Dear {{ contact.name }},\nOur spring offer for {{ company.name }}.",
    )
    InteractionTemplate.objects.create(
        code="REPLY",
        description="Reply to the offer",
        unit_cost=Decimal("0.50"),
        unit_duration=Decimal("10"),
        information_flow="inbound",
        initiated_by="them",
    )
    InteractionTemplate.objects.create(
        code="LETTER",
        description="Letter",
        unit_cost=Decimal("2.00"),
        unit_duration=Decimal("3"),
        correspondence_type=CorrespondenceType.HARD_COPY,
    )
    return customers, chair


CAMPAIGN = "CP0001 Spring chair promotion"


def _field(scope, label):
    """A form control by its exact label; required fields carry a trailing asterisk."""
    return scope.get_by_label(re.compile(rf"^\s*{re.escape(label)}\*?\s*$"))


def _figure(scope, label):
    """The value shown beside ``label`` in a definition list of figures."""
    return scope.locator(f'dt:text-is("{label}") + dd')


def _success(page):
    return page.locator(".alert-success")


@pytest.mark.long
def test_the_whole_story_in_the_browser(login, page, transactional_db):
    customers, chair = _base_data()
    try:
        _story(login, customers, chair)
    except Exception:
        screenshot(page, "step-failed")  # where it stopped, for the CI artifacts
        raise


def _story(login, customers, chair):
    today = timezone.localdate()
    start, end = today - timedelta(days=1), today + timedelta(days=30)
    page = login()
    menu = page.get_by_role("navigation", name="Main menu")
    started = time.perf_counter()

    def shot(name):
        """Screenshot of the step; the elapsed time shows with ``pytest -s``."""
        screenshot(page, name)
        print(f"{name}: {time.perf_counter() - started:.1f} s")

    def open_menu(group, item, exact=False):
        menu.get_by_role("button", name=group).click()
        menu.get_by_role("link", name=item, exact=exact).click()

    # 1. Campaign status codes (Setup › Campaign statuses).
    open_menu("Setup", "Campaign statuses")
    for code, description in [("1-plan", "Planned"), ("2-active", "Active"), ("3-done", "Done")]:
        page.get_by_role("link", name="New").first.click()
        page.get_by_label("Code").fill(code)
        page.get_by_label("Description").fill(description)
        page.get_by_role("button", name="Save").click()
        expect(_success(page)).to_contain_text(code.upper())
        page.get_by_role("navigation", name="Breadcrumb").get_by_role(
            "link", name="Campaign statuses"
        ).click()
    for code in ("1-PLAN", "2-ACTIVE", "3-DONE"):
        expect(page.get_by_role("row", name=re.compile(code))).to_be_visible()
    shot("step-01-campaign-statuses")

    # 2. A campaign: No. from the series, status, dates, salesperson.
    open_menu("Campaigns", "Campaigns", exact=True)
    page.get_by_role("link", name="New").first.click()
    page.get_by_label("Description").fill("Spring chair promotion")
    page.get_by_label("Status code").select_option(label="2-ACTIVE")
    page.get_by_label("Starting date").fill(start.strftime("%d-%m-%Y"))
    page.get_by_label("Ending date").fill(end.strftime("%d-%m-%Y"))
    page.get_by_label("Salesperson").select_option(label="JO Jim Olive")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/campaigns/CP0001/$"))
    expect(page.locator("h1")).to_have_text("CP0001 Spring chair promotion")
    expect(_success(page)).to_be_visible()
    expect(page.locator(".page-header")).to_contain_text("2-ACTIVE")
    shot("step-02-campaign-card")
    campaign_url = page.url

    # 3. A segment of purchasers; a wrong reduction is undone; the criteria are saved.
    open_menu("Segments", "Segments", exact=True)
    page.get_by_role("link", name="New").first.click()
    page.get_by_label("Description").fill("Purchasers")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/segments/SEG00001/$"))
    page.get_by_role("link", name="Add contacts").click()
    page.get_by_label("Type", exact=True).select_option("person")
    page.get_by_label("PURCHASE").check()
    page.get_by_role("button", name="Add contacts").click()
    expect(_success(page)).to_contain_text("3 contacts added")
    lines = page.get_by_role("region", name="Lines")
    for name in ("Ann Buyer", "Cat Buyer", "Dan Buyer"):
        expect(lines.get_by_role("row", name=re.compile(name))).to_be_visible()
    # Oops: reduce by customers instead of prospects …
    page.get_by_role("link", name="Reduce").click()
    page.get_by_label("CUST").check()
    page.get_by_role("button", name="Remove matching contacts").click()
    expect(_success(page)).to_contain_text("1 line removed")
    expect(lines.get_by_role("row", name=re.compile("Ann Buyer"))).to_have_count(0)
    # … go back, and reduce by prospects.
    page.get_by_role("link", name="Go back").click()
    expect(page.locator("main")).to_contain_text(
        "Undo criteria action 2 (Reduce contacts: business relation = CUST)? "
        "The line it removed comes back."
    )
    shot("step-03a-go-back-confirm")
    page.get_by_role("button", name="Yes").click()
    expect(lines.get_by_role("row", name=re.compile("Ann Buyer"))).to_be_visible()
    page.get_by_role("link", name="Reduce").click()
    page.get_by_label("PROS").check()
    page.get_by_role("button", name="Remove matching contacts").click()
    expect(_success(page)).to_contain_text("1 line removed")
    expect(lines.get_by_role("row", name=re.compile("Cat Buyer"))).to_have_count(0)
    page.get_by_role("link", name="Save criteria").click()
    page.get_by_label("Code").fill("PURCHASERS")
    page.get_by_label("Description").fill("Purchasers, no prospects")
    shot("step-03b-save-criteria")
    page.get_by_role("button", name="Save criteria").click()
    expect(_success(page)).to_contain_text("PURCHASERS")
    criteria = page.get_by_role("region", name="Criteria actions")
    expect(criteria.get_by_role("listitem")).to_have_count(2)
    shot("step-03c-segment-built")
    segment_url = page.url

    # 4. Link the segment to the campaign, with the e-mail it will be logged with, and
    #    make all its lines campaign targets.
    page.get_by_role("link", name="Edit").first.click()
    page.get_by_label("Campaign", exact=True).select_option(label=CAMPAIGN)
    page.get_by_label("Interaction template").select_option(label="EMAIL Spring offer e-mail")
    page.get_by_label("Campaign target").check()
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Yes, update the lines").click()
    page.wait_for_url(segment_url)
    expect(page.locator(".page-header")).to_contain_text("CP0001")
    expect(page.locator(".page-header")).to_contain_text("Campaign target")
    for name in ("Ann Buyer", "Dan Buyer"):
        row = lines.get_by_role("row", name=re.compile(name))
        expect(row.get_by_role("checkbox", name=f"Campaign target: {name}")).to_be_checked()
    history = page.get_by_role("region", name="History")
    expect(history).to_contain_text("Campaign target: No → Yes")
    shot("step-04-segment-linked")

    # 5. Campaign price and line discount from the campaign card.
    page.goto(campaign_url)
    page.get_by_role("link", name="Sales prices", exact=True).click()
    page.get_by_role("link", name="New").first.click()
    expect(page.get_by_label("Sales type")).to_have_value("campaign")
    expect(page.get_by_label("Starting date")).to_have_value(start.strftime("%d-%m-%Y"))
    expect(page.locator("main")).to_contain_text("change them on the campaign card")
    page.get_by_label("Item No.").fill(chair.no)
    page.get_by_label("Unit price").fill("80")
    shot("step-05a-new-campaign-price")
    page.get_by_role("button", name="Save").click()
    expect(_success(page)).to_contain_text(f"Sales price {chair.no} · Campaign CP0001 created")
    page.goto(campaign_url)
    page.get_by_role("link", name="Sales line discounts", exact=True).click()
    page.get_by_role("link", name="New").first.click()
    expect(page.get_by_label("Ending date")).to_have_value(end.strftime("%d-%m-%Y"))
    expect(_field(page, "Type")).to_have_value("item")
    _field(page, "Code").fill(chair.no)
    page.get_by_label("Line discount %").fill("10")
    page.get_by_role("button", name="Save").click()
    expect(_success(page)).to_contain_text(
        f"Sales line discount {chair.no} · Campaign CP0001 created"
    )
    shot("step-05b-line-discount")

    # 6. Activate: Acme (targeted) gets 80 less 10 %, Zeta does not; deactivate again.
    page.goto(campaign_url)
    page.get_by_role("link", name="Activate sales prices/line discounts").click()
    expect(page.locator("main")).to_contain_text("1 sales price")
    shot("step-06a-activate-confirm")
    page.get_by_role("button", name="Yes").click()
    expect(_success(page)).to_contain_text("Campaign CP0001 is now activated (2 targets)")
    expect(page.locator(".page-header")).to_contain_text("Activated")

    def new_quote(customer_no):
        open_menu("Sales", "Sales quotes")
        page.get_by_role("link", name="New").first.click()
        page.get_by_label("Customer No.").fill(customer_no)
        page.get_by_role("button", name="Save").click()
        page.get_by_label("Item No.").fill(chair.no)
        page.get_by_label("Quantity").fill("2")
        page.get_by_role("button", name="Add").click()
        return page.get_by_role("region", name="Lines").get_by_role(
            "row", name=re.compile(chair.no)
        )

    acme_line = new_quote(customers["acme"].no)
    expect(acme_line).to_contain_text("80.00")
    expect(acme_line).to_contain_text("144.00")
    expect(page.locator("#quote-total")).to_have_text("144.00")
    shot("step-06b-quote-targeted")
    acme_quote_url = page.url
    zeta_line = new_quote(customers["zeta"].no)
    expect(zeta_line).to_contain_text("100.00")
    expect(page.locator("#quote-total")).to_have_text("200.00")
    shot("step-06c-quote-not-targeted")
    page.goto(campaign_url)
    page.get_by_role("link", name="Deactivate sales prices/line discounts").click()
    page.get_by_role("button", name="Yes").click()
    expect(_success(page)).to_contain_text("deactivated")
    expect(page.locator(".page-header")).not_to_contain_text("Activated")
    page.goto(acme_quote_url)
    page.get_by_role("link", name="Recalculate").click()
    page.get_by_role("button", name="Yes").click()
    expect(page.locator("#quote-total")).to_have_text("200.00")
    shot("step-06d-quote-after-deactivation")
    page.goto(campaign_url)
    page.get_by_role("link", name="Activate sales prices/line discounts").click()
    page.get_by_role("button", name="Yes").click()
    expect(_success(page)).to_contain_text("is now activated (2 targets)")

    # 7. An activity with two steps, assigned to Jim; Jim completes the phone call.
    open_menu("Tasks", "Activities")
    page.get_by_role("link", name="New").first.click()
    page.get_by_label("Code").fill("FOLLOWUP")
    _field(page, "Description").first.fill("Follow up the mailing")
    step_1 = page.get_by_role("group", name="Step row 1")
    _field(step_1, "Step No.").fill("1")
    _field(step_1, "Type").select_option(label="Phone call")
    _field(step_1, "Description").fill("Phone the purchasers")
    _field(step_1, "Date formula").fill("2D")
    step_2 = page.get_by_role("group", name="Step row 2")
    _field(step_2, "Step No.").fill("2")
    _field(step_2, "Type").select_option(label="Meeting")
    _field(step_2, "Description").fill("Demonstrate the chair")
    _field(step_2, "Date formula").fill("1W")
    page.get_by_role("button", name="Save").click()
    expect(_success(page)).to_contain_text("FOLLOWUP")
    expect(page.locator("main")).to_contain_text("Demonstrate the chair")
    page.goto(campaign_url)
    page.get_by_role("link", name="Assign activity").first.click()
    page.get_by_label("Activity").select_option(label="FOLLOWUP Follow up the mailing")
    page.get_by_label("Start date").fill(today.strftime("%d-%m-%Y"))
    page.get_by_label("Salesperson").select_option(label="JO Jim Olive")
    page.get_by_role("button", name="Assign activity").click()
    expect(_success(page)).to_contain_text("2 tasks created")
    expect(page.get_by_role("region", name="Tasks by salesperson")).to_contain_text("Jim Olive")
    shot("step-07a-activity-assigned")

    page.context.clear_cookies()
    login(role=roles.SALESPERSON, username="jim")
    open_menu("Tasks", "My tasks")
    expect(page.locator("h1")).to_have_text("My tasks")
    call = page.get_by_role("row", name=re.compile("Phone the purchasers"))
    expect(call).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Demonstrate the chair"))).to_be_visible()
    call.get_by_role("link").first.click()
    page.get_by_role("link", name="Complete").click()
    page.get_by_role("button", name="Complete").click()
    expect(_success(page)).to_contain_text("completed")
    expect(page.locator(".page-header")).to_contain_text("Completed")
    shot("step-07b-task-completed")
    assert Task.objects.filter(closed=True).count() == 1
    page.context.clear_cookies()
    login()

    # 8. Log the segment with the e-mail template; the e-mails go out.
    mail.outbox = []
    page.goto(segment_url)
    page.get_by_role("link", name="Log segment").click()
    expect(page.locator("main")).to_contain_text(
        "Logging segment SEG00001 creates 2 interactions for campaign CP0001."
    )
    page.get_by_label("Send attachments").check()
    shot("step-08a-log-confirm")
    page.get_by_role("button", name="Log", exact=True).click()
    page.wait_for_url(re.compile(r"/logged-segments/\d+/$"))
    expect(_success(page)).to_contain_text(
        "Segment SEG00001 logged: 2 interactions, 1 campaign entry, 2 e-mails queued for sending."
    )
    shot("step-08b-logged-segment")
    assert sorted(message.to[0] for message in mail.outbox) == [
        "ann@acme.example",
        "dan@delta.example",
    ]

    # 9. Ann replied: a response segment, logged.
    open_menu("Segments", "Segments", exact=True)
    page.get_by_role("link", name="New").first.click()
    page.get_by_label("Description").fill("Replies to the spring offer")
    page.get_by_label("Campaign", exact=True).select_option(label=CAMPAIGN)
    page.get_by_label("Campaign response").check()
    page.get_by_label("Interaction template").select_option(label="REPLY Reply to the offer")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/segments/SEG00002/$"))
    expect(page.locator(".page-header")).to_contain_text("Campaign response")
    page.get_by_role("link", name="Add contacts").click()
    page.get_by_label("Name", exact=True).fill("Ann Buyer")
    page.get_by_role("button", name="Add contacts").click()
    expect(_success(page)).to_contain_text("1 contact added")
    page.get_by_role("link", name="Log segment").click()
    page.get_by_role("button", name="Log", exact=True).click()
    page.wait_for_url(re.compile(r"/logged-segments/\d+/$"))
    expect(_success(page)).to_contain_text("Segment SEG00002 logged: 1 interaction")
    interactions = page.get_by_role("region", name="Interactions")
    expect(interactions.get_by_role("row", name=re.compile("Ann Buyer"))).to_contain_text("REPLY")
    shot("step-09-responses-logged")

    # 10. The statistics: 2 contacted, 1 responded, 50 %, cost 3.50, 20 minutes.
    page.goto(campaign_url)
    factbox = page.get_by_role("region", name="Statistics")
    expect(_figure(factbox, "Target contacts contacted")).to_have_text("2")
    expect(_figure(factbox, "Contacts responded")).to_have_text("1")
    expect(_figure(factbox, "Response rate (%)")).to_have_text("50.0")
    shot("step-10a-campaign-card")
    page.get_by_role("link", name="Statistics", exact=True).click()
    figures = page.get_by_role("region", name="Figures")
    for label, value in [
        ("Target contacts contacted", "2"),
        ("Contacts responded", "1"),
        ("Response rate (%)", "50.0"),
        ("Cost", "3.50"),
        ("Average cost per response", "3.50"),
        ("Duration (min.)", "20.0"),
        ("Average duration per response (min.)", "20.00"),
    ]:
        expect(_figure(figures, label)).to_have_text(value)
    expect(page.locator("#timeline-chart")).to_be_visible()
    shot("step-10b-statistics")

    # 11. A letter to Bob logged against the campaign by mistake: cancel, then delete it.
    open_menu("Contacts", "Contacts", exact=True)
    page.get_by_label("Search", exact=True).fill("Bob")
    page.get_by_label("Search", exact=True).press("Enter")
    # The search reloads the list: wait for it, or the click lands on the page it replaces.
    page.wait_for_url(re.compile(r"[?&]q=Bob"))
    page.get_by_role("row", name=re.compile("Bob Seller")).get_by_role("link").first.click()
    expect(page.locator("h1")).to_contain_text("Bob Seller")
    page.get_by_role("link", name="Log interaction").first.click()
    page.get_by_label("Interaction template").select_option(label="LETTER Letter")
    # Choosing the template fills in its defaults (htmx): wait for them before going on.
    expect(_field(page, "Description")).to_have_value("Letter")
    page.get_by_label("Campaign", exact=True).select_option(label=CAMPAIGN)
    page.get_by_label("Campaign target").check()
    page.get_by_role("button", name="Log interaction").click()
    expect(_success(page)).to_contain_text("of campaign CP0001")
    # The campaign's third entry (after the two logged segments' own), named by its
    # number, which comes from the database's sequence (other tests may have used some).
    logged = InteractionLogEntry.objects.filter(contact__name="Bob Seller").latest("pk")
    entries = CampaignEntry.objects.filter(campaign__no="CP0001").order_by("pk")
    assert entries.count() == 3
    assert logged.campaign_entry_id == entries.last().pk
    expect(_success(page)).to_contain_text(
        f"in campaign entry {logged.campaign_entry_id} of campaign CP0001"
    )
    page.goto(campaign_url)
    expect(_figure(factbox, "Target contacts contacted")).to_have_text("3")
    page.get_by_role("link", name="Entries", exact=True).click()
    page.get_by_role("row", name=re.compile("Interactions")).get_by_role("link").first.click()
    entry_url = page.url
    page.get_by_role("link", name="Delete").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "is not canceled. Cancel it before deleting it."
    )
    shot("step-11a-delete-refused")
    page.get_by_role("link", name="Cancel the entry").click()
    shot("step-11b-cancel-confirm")
    page.get_by_role("button", name="Yes").click()
    expect(_success(page)).to_contain_text("canceled")
    expect(page.locator(".page-header")).to_contain_text("Canceled")
    page.get_by_role("link", name="Delete").click()
    shot("step-11c-delete-confirm")
    page.get_by_role("button", name="Yes, delete").click()
    expect(_success(page)).to_contain_text("deleted")
    shot("step-11d-entry-deleted")
    assert page.url != entry_url
    page.goto(campaign_url)
    expect(_figure(factbox, "Target contacts contacted")).to_have_text("2")
    shot("step-11e-campaign-card")
    assert CampaignEntry.objects.count() == 2
    assert InteractionLogEntry.objects.filter(contact__name="Bob Seller").count() == 0
