"""Campaign results and ROI (docs/statistics.md, ROI) against values computed by hand:
the revenue a campaign brought (won opportunities, quote lines priced from its
prices), its cost (interactions plus budget cost), the margin its prices gave away."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from campaigns.models import InteractionLogEntry
from campaigns.statistics import campaign_results, campaign_statistics, response_series
from opportunities import services as opportunity_services
from pricing import services as pricing_services
from pricing.engine import PriceRequest, find_price
from pricing.models import DiscountSalesType, SalesType
from quotes import services as quote_services
from quotes.models import SalesQuote, SalesQuoteLine
from tests.factories import (
    MID,
    CampaignFactory,
    SalesCycleFactory,
    SalespersonFactory,
    campaign_with_segment,
    company,
    customer_of,
    discount,
    item,
    price,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme():
    return company("Acme", price_group="RETAIL")


@pytest.fixture
def spring(acme):
    campaign, _segment = campaign_with_segment(acme, targets=[acme])
    pricing_services.activate_campaign(campaign=campaign)
    return campaign


def request_for(chair, quantity="1"):
    return PriceRequest(item=chair, quantity=Decimal(quantity), date=MID)


# The engine: the campaign that won and the amount without it ---------------------


def test_a_campaign_price_records_the_campaign_and_the_best_other_price(acme, spring):
    chair = item("100")
    price(chair, SalesType.ALL_CUSTOMERS, unit_price="95")
    price(chair, SalesType.CUSTOMER_PRICE_GROUP, "RETAIL", unit_price="92")
    price(chair, SalesType.CAMPAIGN, spring.no, unit_price="60")
    result = find_price(customer_of(acme), request_for(chair, "3"))
    assert result.line_amount == Decimal("180.00")  # 3 × 60
    assert result.campaign_code == spring.no
    assert result.alternative_line_amount == Decimal("276.00")  # 3 × 92 (the group's)


def test_without_the_campaign_its_line_discount_goes_too(acme, spring):
    chair = item("100")
    price(chair, SalesType.ALL_CUSTOMERS, unit_price="90")
    price(chair, SalesType.CAMPAIGN, spring.no, unit_price="80")
    discount(chair.no, DiscountSalesType.CAMPAIGN, spring.no, percent="10")
    discount(chair.no, DiscountSalesType.ALL_CUSTOMERS, percent="5")
    result = find_price(customer_of(acme), request_for(chair, "2"))
    assert result.line_amount == Decimal("144.00")  # 2 × 80 − 10 %
    assert result.alternative_line_amount == Decimal("171.00")  # 2 × 90 − 5 %


def test_without_another_price_the_alternative_is_the_item_unit_price(acme, spring):
    chair = item("120")
    price(chair, SalesType.CAMPAIGN, spring.no, unit_price="100")
    result = find_price(customer_of(acme), request_for(chair, "2"))
    assert result.alternative_line_amount == Decimal("240.00")


def test_no_campaign_price_no_campaign(acme, spring):
    chair = item("100")
    price(chair, SalesType.ALL_CUSTOMERS, unit_price="90")
    result = find_price(customer_of(acme), request_for(chair))
    assert result.campaign_code == ""
    assert result.alternative_line_amount is None


# Quote lines -----------------------------------------------------------------------


def quote_line(customer, chair, quantity, **kwargs):
    quote = SalesQuote.objects.create(customer=customer, order_date=MID)
    line = SalesQuoteLine(quote=quote, item=chair, quantity=Decimal(quantity))
    return quote_services.save_quote_line(line=line, **kwargs)


def test_a_quote_line_at_a_campaign_price_keeps_the_campaign(acme, spring):
    chair = item("100")
    price(chair, SalesType.CAMPAIGN, spring.no, unit_price="70")
    line = quote_line(customer_of(acme), chair, "4")
    assert line.campaign_id == spring.pk
    assert line.amount_without_campaign == Decimal("400.00")
    by_hand = quote_line(customer_of(acme), chair, "4", override_price=Decimal("65"))
    assert by_hand.campaign_id is None
    assert by_hand.amount_without_campaign is None
    # Recalculate keeps both right.
    assert quote_services.recalculate_quote(quote=line.quote) == 1
    line.refresh_from_db()
    assert (line.campaign_id, line.amount_without_campaign) == (spring.pk, Decimal("400.00"))


# campaign_results and ROI -------------------------------------------------------


def log(campaign, contact, date, cost, **flags):
    return InteractionLogEntry.objects.create(
        campaign=campaign,
        contact=contact,
        contact_company=contact,
        date=date,
        cost=Decimal(cost),
        **flags,
    )


@pytest.fixture
def results_fixture(acme, spring):
    """Spring: 2 targets (10.00 + 10.00), 1 response (5.00), a canceled one (ignored),
    budget cost 475.00; a won opportunity of 1,000.00 and a lost one of 300.00; two
    quote lines at its price (2 × 70 = 140.00 instead of 2 × 100, 1 × 70 instead of
    100) and one priced by hand."""
    type(spring).objects.filter(pk=spring.pk).update(budget_cost=Decimal("475.00"))
    spring.refresh_from_db()
    log(spring, acme, MID, "10.00", campaign_target=True)
    log(spring, acme, MID, "10.00", campaign_target=True)
    log(spring, acme, MID + datetime.timedelta(days=3), "5.00", campaign_response=True)
    log(spring, acme, MID, "99.00", campaign_target=True, canceled=True)
    cycle = SalesCycleFactory()
    salesperson = SalespersonFactory()
    for value, won in (("1000", True), ("300", False)):
        opportunity = opportunity_services.create_opportunity(
            description="Chairs",
            campaign=spring,
            salesperson=salesperson,
            contact=acme,
            sales_cycle=cycle,
            creation_date=MID,
            estimated_value=Decimal(value),
        )
        opportunity_services.close_opportunity(opportunity=opportunity, won=won, date=MID)
    chair = item("100")
    price(chair, SalesType.CAMPAIGN, spring.no, unit_price="70")
    quote_line(customer_of(acme), chair, "2")
    quote_line(customer_of(acme), chair, "1")
    quote_line(customer_of(acme), chair, "5", override_price=Decimal("50"))
    return spring


def test_results_and_roi_equal_a_hand_count(results_fixture):
    stats = campaign_statistics(results_fixture)
    assert (stats.contacted, stats.responded) == (2, 1)
    assert stats.cost == Decimal("25.00")
    assert stats.budget_cost == Decimal("475.00")
    assert stats.total_cost == Decimal("500.00")
    assert (stats.opportunities, stats.won_opportunities) == (2, 1)
    assert stats.won_value == Decimal("1000.00")
    assert (stats.quote_lines, stats.quote_revenue) == (2, Decimal("210.00"))
    assert stats.margin_given_away == Decimal("90.00")  # (200 − 140) + (100 − 70)
    assert stats.revenue == Decimal("1210.00")
    assert stats.roi == Decimal("142.0")  # (1,210 − 500) / 500


def test_the_api_reads_the_same_figures(manager_client, results_fixture):
    url = reverse("api:campaign_detail", kwargs={"no": results_fixture.no})
    figures = manager_client.get(url).json()["figures"]
    assert (figures["contacted"], figures["responded"]) == (2, 1)
    assert figures["response_rate"] == "50.0"
    assert (figures["cost"], figures["total_cost"]) == ("25.00", "500.00")
    assert (figures["won_value"], figures["quote_revenue"]) == ("1000.00", "210.00")
    assert (figures["revenue"], figures["roi"]) == ("1210.00", "142.0")


def test_without_cost_there_is_no_roi():
    stats = campaign_statistics(CampaignFactory())
    assert stats.total_cost == 0
    assert stats.roi is None


def test_the_period_filters_interactions_won_opportunities_and_quotes(results_fixture):
    later = MID + datetime.timedelta(days=1)
    stats = campaign_statistics(results_fixture, date_from=later)
    assert (stats.contacted, stats.responded, stats.cost) == (0, 1, Decimal("5.00"))
    assert stats.won_value == 0
    assert stats.quote_revenue == 0
    assert stats.total_cost == Decimal("480.00")  # the budget cost has no date


def test_results_of_many_campaigns_take_a_fixed_number_of_queries(
    results_fixture, django_assert_num_queries
):
    campaigns = [results_fixture, *CampaignFactory.create_batch(5)]
    with django_assert_num_queries(3):  # interactions, opportunities, quote lines
        results = campaign_results(campaigns)
    assert results[results_fixture.pk].roi == Decimal("142.0")
    assert results[campaigns[-1].pk].revenue == 0


def test_statistics_page_and_card_show_roi(manager_client, results_fixture):
    url = reverse("campaigns:campaign_statistics", kwargs={"key": results_fixture.no})
    page = manager_client.get(url).content.decode()
    assert "ROI (%)" in page
    assert "142.0" in page
    assert "1,210.00" in page
    assert "90.00" in page
    assert 'id="roi-data"' in page
    card = manager_client.get(results_fixture.get_absolute_url()).content.decode()
    assert "142.0" in card
    assert "475.00" in card


# The chart over time: every day of the period, in the user's date format ----------


def test_response_series_fills_every_day(results_fixture):
    series = response_series([results_fixture.pk], first=MID - datetime.timedelta(days=1))
    assert series["dates"] == [(MID + datetime.timedelta(days=n)).isoformat() for n in range(-1, 4)]
    assert series["labels"][1] == "15-06-2026"  # SHORT_DATE_FORMAT
    assert series["contacted"] == [0, 2, 0, 0, 0]
    assert series["responded"] == [0, 0, 0, 0, 1]


def test_a_long_period_is_shown_per_week(results_fixture):
    series = response_series(
        [results_fixture.pk], datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)
    )
    assert series["weekly"]
    assert series["dates"][0] == "2025-12-29"  # the Monday of 1 January's week
    assert sum(series["contacted"]) == 2
    assert sum(series["responded"]) == 1


# The sums per day the home dashboard reads --------------------------------------


def test_the_sums_per_day_follow_every_change_of_the_interactions(acme, spring):
    from campaigns import services as campaign_services
    from campaigns.models import InteractionDay, InteractionLogEntry

    def logged(**flags):
        return campaign_services.log_interaction(
            interaction=InteractionLogEntry(
                contact=acme, campaign=spring, date=MID, cost=Decimal("2.50"), **flags
            )
        )

    logged(campaign_target=True)
    logged(campaign_response=True)
    day = InteractionDay.objects.get(campaign=spring)
    assert (day.date, day.interactions, day.contacted, day.responded) == (MID, 2, 1, 1)
    assert day.cost == Decimal("5.00")
    summed = campaign_results([spring], summed=True)[spring.pk]
    live = campaign_results([spring])[spring.pk]
    assert (summed.contacted, summed.responded, summed.cost) == (
        live.contacted,
        live.responded,
        live.cost,
    )
    entry = InteractionLogEntry.objects.filter(campaign=spring).first().campaign_entry
    campaign_services.set_entry_canceled(entry=entry, canceled=True)
    assert not InteractionDay.objects.filter(campaign=spring).exists()
    campaign_services.set_entry_canceled(entry=entry, canceled=False)
    assert InteractionDay.objects.get(campaign=spring).interactions == 2


def test_the_sums_per_day_follow_an_interaction_changed_or_deleted_in_the_admin(acme, spring, rf):
    from django.contrib import admin

    from campaigns import services as campaign_services
    from campaigns.models import InteractionDay, InteractionLogEntry
    from tests.factories import CampaignFactory, UserFactory

    interaction = campaign_services.log_interaction(
        interaction=InteractionLogEntry(
            contact=acme, campaign=spring, date=MID, cost=Decimal("2.50")
        )
    )
    other = CampaignFactory()
    model_admin = admin.site._registry[InteractionLogEntry]
    request = rf.post("/admin/")
    request.user = UserFactory(is_superuser=True, is_staff=True)
    form = model_admin.get_form(request, interaction, change=True)(instance=interaction)
    interaction.cost = Decimal("4.00")
    interaction.campaign = other
    model_admin.save_service(request, interaction, form, True)
    # Moved to another campaign: the first has no sums left, the other has them.
    assert not InteractionDay.objects.filter(campaign=spring).exists()
    assert InteractionDay.objects.get(campaign=other).cost == Decimal("4.00")
    model_admin.delete_queryset(request, InteractionLogEntry.objects.filter(pk=interaction.pk))
    assert not InteractionDay.objects.filter(campaign=other).exists()
