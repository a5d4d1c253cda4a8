"""Two users changing one campaign's interactions at once (docs/concurrency.md, Lock
order): each call waits for the other or is refused clearly, never a crash, and the
sums per day (``InteractionDay``) end equal to the interactions they sum."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Count, Sum

from campaigns import services
from campaigns.models import InteractionDay, InteractionLogEntry
from contacts.services import delete_contact
from tests.concurrency import race, refused
from tests.factories import (
    CampaignEntryFactory,
    CampaignFactory,
    InteractionLogEntryFactory,
    PersonFactory,
)

ROUNDS = 10
DAY = date(2026, 3, 2)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def sums_match(campaign) -> bool:
    """The day rows of ``campaign`` are the sums of its counted interactions."""
    counted = (
        InteractionLogEntry.objects.counting()
        .filter(campaign=campaign)
        .aggregate(n=Count("id"), cost=Sum("cost"))
    )
    days = InteractionDay.objects.filter(campaign=campaign).aggregate(
        n=Sum("interactions"), cost=Sum("cost")
    )
    return (days["n"] or 0, days["cost"] or 0) == (counted["n"], counted["cost"] or 0)


def entry_with_interactions(campaign, count=3):
    entry = CampaignEntryFactory(campaign=campaign)
    InteractionLogEntryFactory.create_batch(
        count, campaign_entry=entry, date=DAY, cost=Decimal("2.00")
    )
    return entry


def test_two_entries_of_one_campaign_canceled_at_once_leave_no_sums():
    for _round in range(ROUNDS):
        campaign = CampaignFactory()
        first, second = entry_with_interactions(campaign), entry_with_interactions(campaign)
        with transaction.atomic():
            services.notify_interactions_changed({campaign.pk})

        race(
            lambda first=first: services.set_entry_canceled(entry=first, canceled=True),
            lambda second=second: services.set_entry_canceled(entry=second, canceled=True),
        )

        assert not InteractionDay.objects.filter(campaign=campaign).exists()


def test_an_interaction_logged_while_its_entry_is_canceled_is_summed_right():
    for _round in range(ROUNDS):
        campaign = CampaignFactory()
        contact = PersonFactory()
        services.log_interaction(
            interaction=InteractionLogEntry(contact=contact, campaign=campaign, date=DAY)
        )
        entry = services.interactions_entry(campaign)

        race(
            lambda contact=contact, campaign=campaign: services.log_interaction(
                interaction=InteractionLogEntry(
                    contact=contact, campaign=campaign, date=DAY, cost=Decimal("1.50")
                )
            ),
            lambda entry=entry: services.set_entry_canceled(entry=entry, canceled=True),
        )

        assert sums_match(campaign)


def test_a_contact_deleted_while_an_interaction_is_logged_for_it_is_one_or_the_other():
    for _round in range(ROUNDS):
        campaign = CampaignFactory()
        contact = PersonFactory()

        logged, deleted = race(
            lambda contact=contact, campaign=campaign: services.log_interaction(
                interaction=InteractionLogEntry(contact=contact, campaign=campaign, date=DAY)
            ),
            lambda contact=contact: delete_contact(contact=contact),
        )

        kept = InteractionLogEntry.objects.filter(contact_id=contact.pk).exists()
        # Logged first: the delete waits and is refused (an interaction protects its
        # contact). Deleted first: logging waits and is refused; nothing half-kept.
        assert refused(deleted) == kept
        assert refused(logged) == (not kept)
        assert sums_match(campaign)
