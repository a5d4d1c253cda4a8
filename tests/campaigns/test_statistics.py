"""Campaign statistics (docs/statistics.md) against a hand count."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from campaigns.models import CampaignEntry, InteractionLogEntry
from campaigns.statistics import campaign_statistics, cost_per_entry, timeline
from contacts.models import Contact, ContactType
from tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db
D1, D2, D3 = datetime.date(2026, 3, 1), datetime.date(2026, 3, 2), datetime.date(2026, 3, 3)


def interaction(campaign, entry, contact, *, date=D1, cost="1.00", duration="2", **flags):
    return InteractionLogEntry.objects.create(
        campaign=campaign,
        campaign_entry=entry,
        contact=contact,
        contact_company=contact,
        date=date,
        cost=Decimal(cost),
        duration=Decimal(duration),
        **flags,
    )


@pytest.fixture
def fixture():
    campaign = CampaignFactory()
    entry = CampaignEntry.objects.create(campaign=campaign, description="Mailing")
    other_entry = CampaignEntry.objects.create(campaign=campaign, description="Responses")
    contact = Contact.objects.create(type=ContactType.COMPANY, name="Acme")
    # Counted: 3 targets contacted (cost 1.00 / 2 min each), 2 responses (cost 0.50 / 5 min).
    for day in (D1, D1, D2):
        interaction(campaign, entry, contact, date=day, campaign_target=True)
    for day in (D2, D3):
        interaction(
            campaign,
            other_entry,
            contact,
            date=day,
            cost="0.50",
            duration="5",
            campaign_response=True,
        )
    # Not counted: canceled and postponed ones, and another campaign's.
    interaction(campaign, entry, contact, campaign_target=True, canceled=True, cost="100")
    interaction(campaign, entry, contact, campaign_response=True, postponed=True, cost="100")
    interaction(CampaignFactory(), None, contact, campaign_target=True, cost="100")
    return campaign


def test_figures_equal_a_hand_count(fixture):
    stats = campaign_statistics(fixture)
    assert stats.interactions == 5
    assert stats.contacted == 3
    assert stats.responded == 2
    assert stats.response_rate == Decimal("66.7")  # 2 / 3 × 100 rounded to 0.1
    assert stats.cost == Decimal("4.00")  # 3 × 1.00 + 2 × 0.50
    assert stats.average_cost_per_response == Decimal("2.00")
    assert stats.duration == Decimal("16.0")  # 3 × 2 + 2 × 5
    assert stats.average_duration_per_response == Decimal("8.00")


def test_date_filter(fixture):
    stats = campaign_statistics(fixture, date_from=D2, date_to=D2)
    assert (stats.interactions, stats.contacted, stats.responded) == (2, 1, 1)
    assert stats.response_rate == Decimal("100.0")


def test_no_responses_and_nothing_contacted_give_zeros():
    stats = campaign_statistics(CampaignFactory())
    assert (stats.response_rate, stats.average_cost_per_response) == (0, 0)
    assert stats.average_duration_per_response == 0


def test_rounding_of_the_response_rate():
    campaign = CampaignFactory()
    contact = Contact.objects.create(type=ContactType.COMPANY, name="Acme")
    for _ in range(6):
        interaction(campaign, None, contact, campaign_target=True)
    interaction(campaign, None, contact, campaign_response=True)
    assert campaign_statistics(campaign).response_rate == Decimal("16.7")  # 1/6 = 16.666…


def test_timeline_and_cost_per_entry(fixture):
    assert timeline(fixture) == [
        {"date": "2026-03-01", "interactions": 2, "responses": 0},
        {"date": "2026-03-02", "interactions": 2, "responses": 1},
        {"date": "2026-03-03", "interactions": 1, "responses": 1},
    ]
    # Entry figures count interactions with the entry's canceled state (here: not canceled).
    assert [row["cost"] for row in cost_per_entry(fixture)] == [3.0, 1.0]


def test_statistics_page_and_side_panel(manager_client, fixture):
    page = manager_client.get(
        reverse("campaigns:campaign_statistics", kwargs={"key": fixture.no})
    ).content.decode()
    assert "66.7" in page
    assert 'id="timeline-data"' in page
    card = manager_client.get(fixture.get_absolute_url()).content.decode()
    assert "66.7" in card


def test_statistics_page_with_bad_dates_shows_errors(manager_client, fixture):
    response = manager_client.get(
        reverse("campaigns:campaign_statistics", kwargs={"key": fixture.no}),
        {"date_from": "nonsense"},
    )
    assert response.status_code == 200
    assert "date_from" in response.context["form"].errors


def test_statistics_page_query_count_is_constant(manager_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for size in (2, 40):
        campaign = CampaignFactory()
        contact = Contact.objects.create(type=ContactType.COMPANY, name=f"C{size}")
        for index in range(size):
            entry = CampaignEntry.objects.create(campaign=campaign, description=f"E{index}")
            interaction(campaign, entry, contact, date=D1 + datetime.timedelta(days=index))
        url = reverse("campaigns:campaign_statistics", kwargs={"key": campaign.no})
        with CaptureQueriesContext(connection) as queries:
            manager_client.get(url)
        counts.append(len(queries))
    assert counts[0] == counts[1]
