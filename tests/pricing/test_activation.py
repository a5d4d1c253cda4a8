"""Activation and the campaign target group (docs/pricing.md) and
steps 4–6 of docs/workflow.md."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from contacts.services import create_customer_from_contact, delete_customer
from pricing import services
from pricing.engine import PriceRequest, find_price
from pricing.models import CampaignTarget, SalesType
from segments import services as segment_services
from segments.models import SegmentLine
from tests.factories import (
    MID,
    campaign_with_segment,
    company,
    customer_of,
    item,
    price,
)

pytestmark = pytest.mark.django_db


def quote_price(contact, chair):
    return find_price(customer_of(contact), PriceRequest(item=chair, quantity=Decimal(1), date=MID))


def test_story_campaign_price_follows_targets_and_activation():
    chair = item("100.00")
    price(chair, SalesType.ALL_CUSTOMERS, unit_price="95.00")
    a, b = company("A"), company("B")
    campaign, segment = campaign_with_segment(a, b, targets=[a])
    price(chair, SalesType.CAMPAIGN, campaign.no, unit_price="80.00")
    assert quote_price(a, chair).unit_price == Decimal("95.00")  # not activated yet

    result = services.activate_campaign(campaign=campaign)
    assert result.targets == 1
    campaign.refresh_from_db()
    assert campaign.activated
    assert quote_price(a, chair).unit_price == Decimal("80.00")
    assert quote_price(b, chair).unit_price == Decimal("95.00")

    # Untick A's line: A's next quote line gets the normal price.
    segment_services.set_line_campaign_target(line=segment.lines.get(contact=a), value=False)
    assert quote_price(a, chair).unit_price == Decimal("95.00")
    segment_services.set_line_campaign_target(line=segment.lines.get(contact=a), value=True)
    assert quote_price(a, chair).unit_price == Decimal("80.00")

    removed = services.deactivate_campaign(campaign=campaign)
    assert removed == 1
    assert quote_price(a, chair).unit_price == Decimal("95.00")
    assert quote_price(b, chair).unit_price == Decimal("95.00")


def test_company_that_is_not_a_customer_becomes_a_contact_target_then_a_customer_target():
    chair = item("100.00")
    prospect = company("Prospect", customer=False)
    campaign, _segment = campaign_with_segment(prospect, targets=[prospect])
    price(chair, SalesType.CAMPAIGN, campaign.no, unit_price="70.00")
    services.activate_campaign(campaign=campaign)
    target = CampaignTarget.objects.get()
    assert (target.contact, target.customer) == (prospect, None)

    customer = create_customer_from_contact(contact=prospect)
    target.refresh_from_db()
    assert (target.contact, target.customer) == (None, customer)
    assert quote_price(prospect, chair).unit_price == Decimal("70.00")

    delete_customer(customer=customer)
    target = CampaignTarget.objects.get()
    assert (target.contact, target.customer) == (prospect, None)


def test_a_customer_without_a_company_contact_leaves_the_contact_targets():
    # "Not a customer" is an anti-join over the customers' company contacts; a
    # customer without one (NULL) must not make every company look like a customer.
    from contacts.models import Customer

    Customer.objects.create(no="NOCONTACT", name="Walk-in")
    prospect, client = company("Prospect", customer=False), company("Client")
    campaign, _segment = campaign_with_segment(prospect, client, targets=[prospect, client])
    assert services.activate_campaign(campaign=campaign).targets == 2
    made = {(target.contact, target.customer) for target in CampaignTarget.objects.all()}
    assert made == {(prospect, None), (None, customer_of(client))}


def test_persons_lines_target_their_company():
    from contacts.models import Contact, ContactType

    acme = company("Acme")
    ann = Contact.objects.create(type=ContactType.PERSON, name="Ann", company=acme)
    campaign, segment = campaign_with_segment(ann, targets=[ann])
    services.activate_campaign(campaign=campaign)
    assert CampaignTarget.objects.get().customer == customer_of(acme)


def test_activating_twice_leaves_the_same_targets():
    a, b = company("A"), company("B")
    campaign, _segment = campaign_with_segment(a, b, targets=[a, b])
    services.activate_campaign(campaign=campaign)
    first = set(CampaignTarget.objects.values_list("campaign_id", "customer_id", "contact_id"))
    services.activate_campaign(campaign=campaign)
    assert (
        set(CampaignTarget.objects.values_list("campaign_id", "customer_id", "contact_id")) == first
    )
    assert CampaignTarget.objects.count() == 2


def test_activation_without_target_lines_is_refused_with_the_explanation():
    a = company("A")
    campaign, _segment = campaign_with_segment(a)  # a line, but not a campaign target
    with pytest.raises(ValidationError, match="mark them as campaign target"):
        services.activate_campaign(campaign=campaign)
    campaign.refresh_from_db()
    assert not campaign.activated


def test_target_is_removed_only_when_no_line_refers_to_the_company():
    from contacts.models import Contact, ContactType

    acme = company("Acme")
    ann = Contact.objects.create(type=ContactType.PERSON, name="Ann", company=acme)
    bob = Contact.objects.create(type=ContactType.PERSON, name="Bob", company=acme)
    campaign, segment = campaign_with_segment(ann, bob, targets=[ann, bob])
    services.activate_campaign(campaign=campaign)
    segment_services.delete_line(line=segment.lines.get(contact=ann))
    assert CampaignTarget.objects.count() == 1  # Bob still refers to Acme
    segment_services.delete_line(line=segment.lines.get(contact=bob))
    assert CampaignTarget.objects.count() == 0


def test_changing_a_lines_campaign_moves_the_target():
    from campaigns.models import Campaign

    a = company("A")
    campaign, segment = campaign_with_segment(a, targets=[a])
    services.activate_campaign(campaign=campaign)
    other = Campaign.objects.create(description="Other")
    line = segment.lines.get()
    line.campaign = other
    segment_services.save_line(line=line)
    assert not CampaignTarget.objects.filter(campaign=campaign).exists()


def test_adding_lines_to_an_activated_campaign_adds_targets():
    a, b = company("A"), company("B")
    campaign, segment = campaign_with_segment(a, targets=[a])
    services.activate_campaign(campaign=campaign)
    segment.campaign_target = True
    segment.save()
    segment_services.add_contacts(segment=segment, filters={"no": b.no})
    assert set(CampaignTarget.objects.values_list("customer__contact__name", flat=True)) == {
        "A",
        "B",
    }
    segment_services.go_back(segment=segment)
    assert set(CampaignTarget.objects.values_list("customer__contact__name", flat=True)) == {"A"}


def test_campaign_date_change_moves_its_prices():
    import datetime

    from campaigns.services import save_campaign

    chair = item()
    campaign, _segment = campaign_with_segment()
    row = price(
        chair,
        SalesType.CAMPAIGN,
        campaign.no,
        starting_date=campaign.starting_date,
        ending_date=campaign.ending_date,
    )
    campaign.ending_date = datetime.date(2027, 3, 31)
    save_campaign(campaign=campaign)
    row.refresh_from_db()
    assert row.ending_date == datetime.date(2027, 3, 31)


def test_deleting_a_campaign_deletes_its_prices_and_targets():
    from campaigns.services import delete_campaign, deletion_summary
    from pricing.models import SalesPrice

    chair = item()
    a = company("A")
    campaign, segment = campaign_with_segment(a, targets=[a])
    price(chair, SalesType.CAMPAIGN, campaign.no)
    services.activate_campaign(campaign=campaign)
    summary = deletion_summary(campaign)
    assert "1 sales price" in summary
    assert "1 campaign target" in summary
    segment.delete()
    delete_campaign(campaign=campaign)
    assert not SalesPrice.objects.exists()
    assert not CampaignTarget.objects.exists()


def _activation_queries(count):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from campaigns.models import Campaign
    from contacts.models import Contact, ContactType
    from segments.models import Segment

    companies = Contact.objects.bulk_create(
        Contact(no=f"ACT{count}-{i:05d}", type=ContactType.COMPANY, name=f"C{i}")
        for i in range(count)
    )
    campaign = Campaign.objects.create(description=f"{count}")
    segment = Segment.objects.create(description=f"{count}", campaign=campaign)
    SegmentLine.objects.bulk_create(
        SegmentLine(
            segment=segment, contact=c, contact_company=c, campaign=campaign, campaign_target=True
        )
        for c in companies
    )
    with CaptureQueriesContext(connection) as queries:
        result = services.activate_campaign(campaign=campaign)
    assert result.targets == count
    # On PostgreSQL an insert of 10,000 rows or more is followed by an ANALYZE of
    # its table (core.sql): statistics upkeep, not a query per row.
    return len([q for q in queries if not q["sql"].startswith("ANALYZE")])


@pytest.mark.parametrize("large", [100, pytest.param(10_000, marks=pytest.mark.bench)])
def test_activation_runs_a_constant_number_of_queries(large):
    assert _activation_queries(10) == _activation_queries(large)


def test_the_campaign_keeps_its_target_count_and_the_card_does_not_count_targets(client, manager):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    a, b, c = company("A"), company("B"), company("C")
    campaign, segment = campaign_with_segment(a, b, c, targets=[a, b])

    def kept():
        campaign.refresh_from_db()
        return campaign.target_count

    services.activate_campaign(campaign=campaign)
    assert kept() == 2 == CampaignTarget.objects.filter(campaign=campaign).count()
    segment_services.set_line_campaign_target(line=segment.lines.get(contact=c), value=True)
    assert kept() == 3  # the target group follows the lines, and so does the count
    segment_services.set_line_campaign_target(line=segment.lines.get(contact=a), value=False)
    assert kept() == 2

    client.force_login(manager)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(campaign.get_absolute_url()).content.decode()
    assert "2 targets" in page
    target_table = connection.ops.quote_name(CampaignTarget._meta.db_table)
    assert not [q["sql"] for q in queries if "COUNT" in q["sql"] and target_table in q["sql"]]

    services.deactivate_campaign(campaign=campaign)
    assert kept() == 0
