"""Fixtures of the interaction and campaign entry tests."""

import datetime
from decimal import Decimal

import pytest

from campaigns.models import InteractionLogEntry
from contacts.models import Contact
from tests.factories import (
    CampaignEntryFactory,
    CampaignFactory,
    CompanyFactory,
    InteractionLogEntryFactory,
    InteractionTemplateFactory,
    PersonFactory,
    SalespersonFactory,
)

DAY = datetime.date(2026, 3, 16)


@pytest.fixture
def rep(db):
    return SalespersonFactory(code="JO", name="John Rep", email="")


@pytest.fixture
def fair(rep):
    return CampaignFactory(description="Spring fair", salesperson=rep, status=None)


@pytest.fixture
def acme(db):
    return CompanyFactory(name="Acme Trading", city="", email="")


@pytest.fixture
def ann(acme, rep):
    return PersonFactory(name="Ann Buyer", company=acme, salesperson=rep, city="", email="")


@pytest.fixture
def call_template(db):
    """A phone call, no campaign."""
    return InteractionTemplateFactory(
        code="CALL",
        description="Phone call",
        unit_cost=Decimal("2.50"),
        unit_duration=Decimal("10.0"),
        information_flow="outbound",
        initiated_by="us",
    )


@pytest.fixture
def response_template(fair):
    """A reply to the fair's invitation: a campaign response."""
    return InteractionTemplateFactory(
        code="REPLY",
        description="Reply to invitation",
        unit_cost=Decimal("1.25"),
        unit_duration=Decimal("5.0"),
        information_flow="inbound",
        initiated_by="them",
        campaign=fair,
        campaign_response=True,
        languages={
            "en": ("Thank you, {{ contact.name }}", ""),
            "nl": ("Bedankt, {{ contact.name }}", ""),
        },
    )


def make_entry(campaign, *, contacts, canceled=False, date=DAY, cost="3.00", **fields):
    """A campaign entry with one interaction per contact (cost each, 6 min each)."""
    entry = CampaignEntryFactory(
        campaign=campaign,
        description=fields.pop("description", "Mailing"),
        date=date,
        canceled=canceled,
        **fields,
    )
    InteractionLogEntry.objects.bulk_create(
        InteractionLogEntryFactory.build(
            contact=contact,
            date=date,
            description="Letter",
            campaign=campaign,
            campaign_entry=entry,
            campaign_target=True,
            cost=Decimal(cost),
            duration=Decimal("6.0"),
            canceled=canceled,
        )
        for contact in contacts
    )
    return entry


def many_contacts(count, prefix="C"):
    return Contact.objects.bulk_create(
        CompanyFactory.build(no=f"{prefix}{n:05d}", name=f"Company {n}", city="", email="")
        for n in range(count)
    )
