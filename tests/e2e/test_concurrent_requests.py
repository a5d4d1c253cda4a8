"""Requests served at the same time, as a browser sends them: the campaign card's
overlap warning (loaded after the card) while the user already opens Activate, which
reads the warning again. Each request has its own database connection, as under
``make run`` and gunicorn (docs/architecture.md, Tests)."""

from decimal import Decimal

from django.urls import reverse

from pricing.models import Item, SalesPrice, SalesType
from segments import services as segment_services
from segments.models import Segment
from tests.factories import CampaignFactory, World

SIMULTANEOUS = 6


def test_overlap_warnings_read_at_the_same_time_are_all_answered(login):
    from contacts.services import create_customer_from_contact

    world = World()
    campaign = CampaignFactory(description="Chairs", starting_date=None, ending_date=None)
    chair = Item.objects.create(description="Chair", unit_price="100.00")
    SalesPrice.objects.create(
        item=chair, sales_type=SalesType.CAMPAIGN, sales_code=campaign.no, unit_price=Decimal("80")
    )
    for name in ("Company A", "Company B"):
        create_customer_from_contact(contact=world.company(name))
    segment = Segment.objects.create(description="Targets", campaign=campaign)
    segment_services.add_contacts(segment=segment, filters={"type": "company"})
    page = login()
    page.goto(f"{page.base_url}{campaign.get_absolute_url()}")

    urls = [
        reverse(f"pricing:campaign_{view}", kwargs={"key": campaign.no})
        for view in ("overlaps", "activate")
    ]
    statuses = page.evaluate(
        """async ([urls, times]) => {
            const requests = [];
            for (let i = 0; i < times; i++) {
                for (const url of urls) requests.push(fetch(url).then((r) => r.status));
            }
            return Promise.all(requests);
        }""",
        [urls, SIMULTANEOUS],
    )

    assert statuses == [200] * (2 * SIMULTANEOUS)
