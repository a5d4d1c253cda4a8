"""Two users changing one segment at once (docs/concurrency.md, Lock order): a line
saved or deleted, the criteria actions, logging, contacts deleted and a campaign
activated or deactivated each wait for the other or are refused clearly, never a
deadlock, and the segment's totals and the campaign's target group end as a recount
makes them."""

import time
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Count, Sum

from campaigns.models import Campaign, InteractionLogEntry
from campaigns.services import delete_campaign
from contacts.models import Contact, CorrespondenceType
from contacts.services import delete_contacts
from pricing import services as pricing
from pricing.models import CampaignTarget
from segments import services
from segments.models import Segment, SegmentLine
from segments.segment_logging import log_segment
from tests.concurrency import race, refused
from tests.factories import (
    CampaignFactory,
    CompanyFactory,
    PersonFactory,
    SegmentFactory,
    make_template,
)

ROUNDS = 10

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def totals_match(segment) -> bool:
    """The stored totals of ``segment`` are what counting its lines gives."""
    stored = Segment.objects.values_list("line_count", "cost_total", "duration_total").get(
        pk=segment.pk
    )
    lines = SegmentLine.objects.filter(segment=segment).aggregate(
        n=Count("id"), cost=Sum("cost"), duration=Sum("duration")
    )
    return stored == (lines["n"], lines["cost"] or Decimal(0), lines["duration"] or Decimal(0))


def priced_segment(**header):
    """A segment whose lines cost 2.00 and take 5 minutes each."""
    return SegmentFactory(unit_cost=Decimal("2.00"), unit_duration=Decimal("5.0"), **header)


def persons(city, count):
    """``count`` persons without a company in ``city``: a filter of their own."""
    return [PersonFactory(city=city, company=None) for _n in range(count)]


def add(segment, city):
    return services.add_contacts(segment=segment, filters={"city": city})


def first_line(segment):
    return SegmentLine.objects.filter(segment=segment).select_related("contact").order_by("pk")[0]


def test_two_lines_deleted_at_once_leave_the_totals_right():
    segment = priced_segment()
    persons("Delft", 2 * ROUNDS + 1)
    add(segment, "Delft")
    for _round in range(ROUNDS):
        first, second = SegmentLine.objects.filter(segment=segment).order_by("pk")[:2]

        outcomes = race(
            lambda first=first: services.delete_line(line=first),
            lambda second=second: services.delete_line(line=second),
        )

        assert not any(refused(outcome) for outcome in outcomes)
        assert totals_match(segment)
    assert SegmentLine.objects.filter(segment=segment).count() == 1


def test_a_line_deleted_while_contacts_are_added_leaves_the_totals_right():
    segment = priced_segment()
    persons("Delft", ROUNDS)
    add(segment, "Delft")
    for number in range(ROUNDS):
        city = f"Added {number}"
        persons(city, 3)
        line = first_line(segment)

        outcomes = race(
            lambda line=line: services.delete_line(line=line),
            lambda city=city: add(segment, city),
        )

        assert not any(refused(outcome) for outcome in outcomes)
        assert totals_match(segment)


def _delete(line):
    services.delete_line(line=line)


def _save_cost(line):
    line.cost = Decimal("50.00")
    services.save_line(line=line)


def _tick_target(line):
    services.set_line_campaign_target(line=line, value=True)


@pytest.mark.parametrize("change", [_delete, _save_cost, _tick_target])
def test_a_line_changed_while_its_contact_is_removed_waits_or_is_refused(change):
    """A line's service locks the segment first, as Reduce does: one waits for the
    other. When Reduce removed the line first, the change is refused (deleted by another
    user)."""
    segment = priced_segment(campaign=CampaignFactory())
    persons("Delft", ROUNDS + 5)
    add(segment, "Delft")
    for _round in range(ROUNDS):
        line = first_line(segment)

        changed, reduced = race(
            lambda line=line: change(line),
            lambda line=line: services.reduce_contacts(
                segment=segment, filters={"no": line.contact.no}
            ),
        )

        assert not refused(reduced)
        assert changed is None or refused(changed)
        assert not SegmentLine.objects.filter(pk=line.pk).exists()
        assert totals_match(segment)


def test_a_segment_logged_while_a_line_is_deleted_logs_the_lines_left():
    campaign = CampaignFactory()
    template = make_template("LETTER", CorrespondenceType.HARD_COPY)
    for number in range(ROUNDS):
        city = f"Logged {number}"
        contacts = persons(city, 3)
        segment = SegmentFactory.build(
            description="Letters", campaign=campaign, interaction_template=template
        )
        services.save_segment(segment=segment)
        add(segment, city)
        line = first_line(segment)

        logged, deleted = race(
            lambda segment=segment: log_segment(segment=segment),
            lambda line=line: services.delete_line(line=line),
        )

        assert not refused(logged)
        interactions = InteractionLogEntry.objects.filter(contact__in=contacts).count()
        assert interactions == (3 if refused(deleted) else 2)
        assert not Segment.objects.filter(pk=segment.pk).exists()


@pytest.mark.parametrize("same", [False, True], ids=["other contacts", "the same contacts"])
def test_contacts_deleted_while_the_segment_is_reduced_wait_and_leave_the_totals_right(same):
    """Reduce (here in a transaction that stays open a moment longer, as Reuse criteria
    runs several actions in one) counts the lines before the deletion commits; the
    segment is counted again after both. Removing the very contacts being deleted, the
    two wait for each other: the delete locks the segments holding the contacts' lines
    before the contacts, as Reduce locks the segment before writing rows that point to
    them."""
    segment = priced_segment()
    for number in range(ROUNDS):
        gone, other = f"Gone {number}", f"Other {number}"
        persons(gone, 2)
        persons(other, 2)
        add(segment, gone)
        add(segment, other)
        cut = gone if same else other

        def reduce_and_linger(cut=cut):
            with transaction.atomic():
                services.reduce_contacts(segment=segment, filters={"city": cut})
                time.sleep(0.2)

        outcomes = race(
            lambda gone=gone: delete_contacts(contacts=Contact.objects.filter(city=gone)),
            reduce_and_linger,
        )

        assert not any(refused(outcome) for outcome in outcomes)
        assert not Contact.objects.filter(city=gone).exists()
        assert not SegmentLine.objects.filter(segment=segment, contact__city=cut).exists()
        assert totals_match(segment)


def targeting_segment(campaign, city, count):
    """A segment of ``campaign`` with campaign target on its header, holding ``count``
    companies of ``city``."""
    segment = priced_segment(campaign=campaign, campaign_target=True)
    for _n in range(count):
        CompanyFactory(city=city)
    add(segment, city)
    return segment


def targets(campaign):
    campaign.refresh_from_db()
    return CampaignTarget.objects.filter(campaign=campaign).count(), campaign.target_count


def test_a_campaign_activated_while_contacts_are_added_targets_them_too():
    for number in range(ROUNDS):
        campaign = CampaignFactory()
        segment = targeting_segment(campaign, f"First {number}", 3)
        more = f"More {number}"
        for _n in range(6):
            CompanyFactory(city=more)

        outcomes = race(
            lambda campaign=campaign: pricing.activate_campaign(campaign=campaign),
            lambda segment=segment, more=more: add(segment, more),
        )

        assert not any(refused(outcome) for outcome in outcomes)
        assert targets(campaign) == (9, 9)
        assert campaign.activated


def test_a_campaign_deactivated_while_contacts_are_added_keeps_no_targets():
    for number in range(ROUNDS):
        campaign = CampaignFactory()
        segment = targeting_segment(campaign, f"First {number}", 3)
        pricing.activate_campaign(campaign=campaign)
        more = f"More {number}"
        for _n in range(6):
            CompanyFactory(city=more)

        outcomes = race(
            lambda campaign=campaign: pricing.deactivate_campaign(campaign=campaign),
            lambda segment=segment, more=more: add(segment, more),
        )

        assert not any(refused(outcome) for outcome in outcomes)
        assert targets(campaign) == (0, 0)
        assert not campaign.activated


def test_a_campaign_deleted_while_a_segment_is_linked_to_it_is_one_or_the_other():
    for _round in range(ROUNDS):
        campaign = CampaignFactory()
        segment = priced_segment()

        def link(segment=segment, campaign=campaign):
            segment.campaign = campaign
            return services.save_segment(segment=segment)

        linked, deleted = race(link, lambda campaign=campaign: delete_campaign(campaign=campaign))

        segment.refresh_from_db()
        # Linked first: the delete waits and is refused (a segment uses the campaign).
        # Deleted first: the link waits and is refused. Never a segment naming a
        # deleted campaign, never a crash.
        assert refused(linked) != refused(deleted)
        kept = Campaign.objects.filter(pk=campaign.pk).exists()
        assert kept == refused(deleted)
        assert segment.campaign_id == (campaign.pk if kept else None)
