"""The campaign statistics' opportunity figures and chart (docs/statistics.md) against a
hand count."""

import datetime
import json
from decimal import Decimal

import pytest
from django.urls import reverse

from campaigns.statistics import campaign_statistics
from campaigns.statistics_views import extra_charts
from opportunities import services
from opportunities.services import NEXT
from tests.factories import CampaignFactory
from tests.opportunities.conftest import DAY, new_opportunity

pytestmark = pytest.mark.django_db

NUMBER = "Opportunities"
ESTIMATED = "Opportunities: estimated value"
CURRENT = "Opportunities: calculated current value"


@pytest.fixture
def campaign(cycle):
    """In progress: 1000 at 50 % chances at stage 2 (40 %, multiply) → 20 % → 200.00;
    won: 2500.00 → 2500.00; lost: 700.00 → 0; not started: 300.00 → 0 (created later).
    Another campaign's opportunity does not count."""
    campaign = CampaignFactory()
    in_progress = new_opportunity(cycle, campaign=campaign, activate_first_stage=True)
    services.move_to_stage(opportunity=in_progress, direction=NEXT, date=DAY)
    won = new_opportunity(
        cycle, campaign=campaign, estimated_value=Decimal("2500"), activate_first_stage=True
    )
    services.close_opportunity(opportunity=won, won=True, date=DAY)
    lost = new_opportunity(
        cycle, campaign=campaign, estimated_value=Decimal("700"), activate_first_stage=True
    )
    services.close_opportunity(opportunity=lost, won=False, date=DAY)
    new_opportunity(
        cycle,
        campaign=campaign,
        estimated_value=Decimal("300"),
        creation_date=DAY + datetime.timedelta(days=10),
    )
    new_opportunity(cycle, estimated_value=Decimal("99999"), activate_first_stage=True)
    return campaign


def test_opportunity_figures_equal_a_hand_count(campaign):
    extra = campaign_statistics(campaign).extra
    assert extra[NUMBER] == 4
    assert extra[ESTIMATED] == Decimal("4500.00")  # 1000 + 2500 + 700 + 300
    assert extra[CURRENT] == Decimal("2700.00")  # 200 + 2500 + 0 + 0


def test_the_period_filters_opportunities_by_creation_date(campaign):
    extra = campaign_statistics(campaign, date_from=DAY, date_to=DAY).extra
    assert (extra[NUMBER], extra[ESTIMATED], extra[CURRENT]) == (
        3,
        Decimal("4200.00"),
        Decimal("2700.00"),
    )


def test_a_campaign_without_opportunities_shows_zeros():
    extra = campaign_statistics(CampaignFactory()).extra
    assert (extra[NUMBER], extra[ESTIMATED], extra[CURRENT]) == (0, 0, 0)


def test_chart_opportunities_by_status(campaign):
    (chart,) = extra_charts(campaign)
    assert chart["key"] == "opportunities-by-status"
    assert chart["labels"] == ["Not started", "In progress", "Won", "Lost"]
    assert chart["datasets"][0]["data"] == [1, 1, 1, 1]
    assert not chart["empty"]
    (empty,) = extra_charts(CampaignFactory())
    assert empty["empty"]


def test_statistics_page_and_campaign_card_show_the_figures_and_the_chart(manager_client, campaign):
    url = reverse("campaigns:campaign_statistics", kwargs={"key": campaign.no})
    response = manager_client.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Opportunities by status" in page
    assert 'data-chart="chart-data-opportunities-by-status"' in page
    assert "2,700.00" in page  # grouped like every amount (docs/formats.md)
    assert 'id="timeline-data"' in page  # the existing charts' data is still there
    assert 'id="cost-data"' in page
    data = response.context["extra_charts"][0]
    assert json.loads(json.dumps(data["datasets"]))[0]["data"] == [1, 1, 1, 1]
    card = manager_client.get(campaign.get_absolute_url()).content.decode()
    assert ESTIMATED in card
    assert "4,500.00" in card
    filtered = manager_client.get(url, {"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert filtered.status_code == 200
