"""Weeks of history for the demo's showcase campaign (the activated one): e-mail
waves to its contacts, a reminder and phone follow-ups, responses trickling in day
by day, a budget cost and won opportunities, so that its statistics, its ROI and the
home dashboard have something to show (docs/statistics.md, docs/dashboard.md).

Loaded by ``manage.py demo`` after every app's ``demo`` module (the quote lines at
campaign prices: ``quotes.demo_history``). Run again, it adds nothing: the history is
there once the showcase campaign has interactions. The numbers come from a seeded
random generator, so every load gives the same history (the tests compare the
dashboard and ROI figures with values computed by hand from it).
"""

import datetime
import random
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.models import (
    Campaign,
    CampaignEntry,
    CampaignStage,
    InformationFlow,
    InitiatedBy,
    InteractionLogEntry,
)
from campaigns.services import notify_interactions_changed, save_campaign
from contacts.models import Contact, ContactType
from opportunities import services
from opportunities.models import Opportunity, SalesCycle

CONTACTS = 48  # contacts the campaign reaches (persons first)
BUDGET_COST = Decimal("1800.00")  # print and design of the mailing
# (days after the start, share of the contacts, description, cost, minutes, channel)
WAVES = [
    (0, slice(0, 24), _("E-mail wave 1: purchasers"), Decimal("1.50"), 2, "email"),
    (2, slice(24, 48), _("E-mail wave 2: office managers"), Decimal("1.50"), 2, "email"),
]
REMINDER = (7, _("Reminder e-mail"), Decimal("0.75"), 1)
CALLS = (9, _("Phone follow-up"), Decimal("4.00"), 6)
RESPONSES = _("Responses to the mailing")
# Won opportunities of the campaign: (description, days before today, value).
WON = [
    (_("Office chairs for the new branch"), 6, "8450"),
    (_("Desks and cabinets, second floor"), 2, "5200"),
]
SEED = 2026


def showcase_campaign():
    """The campaign the demo shows at its best: the activated one that is still open."""
    return (
        Campaign.objects.filter(activated=True)
        .exclude(status__stage__in=[CampaignStage.DONE, CampaignStage.CANCELED])
        .order_by("no")
        .first()
    )


def _contacts():
    persons = list(Contact.objects.filter(type=ContactType.PERSON).order_by("no")[:CONTACTS])
    if len(persons) < CONTACTS:
        persons += list(
            Contact.objects.filter(type=ContactType.COMPANY).order_by("no")[
                : CONTACTS - len(persons)
            ]
        )
    return persons


def load(stdout=None):
    campaign = showcase_campaign()
    if campaign is None or InteractionLogEntry.objects.filter(campaign=campaign).exists():
        return
    today = timezone.localdate()
    start = campaign.starting_date or today - datetime.timedelta(days=14)
    days = max((today - start).days, 0)
    contacts = _contacts()
    if not contacts:
        return
    rng = random.Random(SEED)  # noqa: S311 (demo data, the same on every load)
    rows = []

    def entry(description, day):
        return CampaignEntry.objects.create(
            campaign=campaign,
            description=str(description),
            date=min(start + datetime.timedelta(days=day), today),
            salesperson=campaign.salesperson,
        )

    def interaction(contact, when, campaign_entry, **fields):
        rows.append(
            InteractionLogEntry(
                contact=contact,
                contact_company_id=contact.company_id or contact.pk,
                date=when,
                description=campaign_entry.description,
                salesperson=campaign.salesperson,
                campaign=campaign,
                campaign_entry=campaign_entry,
                **fields,
            )
        )

    # The waves: every contact once, as a campaign target.
    for day, share, description, cost, minutes, channel in WAVES:
        wave = entry(description, min(day, days))
        for contact in contacts[share]:
            interaction(
                contact,
                wave.date,
                wave,
                campaign_target=True,
                cost=cost,
                duration=Decimal(minutes),
                information_flow=InformationFlow.OUTBOUND,
                initiated_by=InitiatedBy.US,
                correspondence_type=channel,
            )
    # Who answers, and when: most in the first days after their e-mail, some after
    # the reminder or the phone call; never after today.
    reminder_day, calls_day = REMINDER[0], CALLS[0]
    answered = {}
    for index, contact in enumerate(contacts):
        chance = rng.random()
        if chance < 0.24:  # answers the e-mail itself, mostly within days
            sent = WAVES[0][0] if index < 24 else WAVES[1][0]
            answered[contact.pk] = sent + 1 + min(int(rng.expovariate(0.45)), 5)
        elif chance < 0.36:  # answers the reminder
            answered[contact.pk] = reminder_day + 1 + rng.randrange(0, 4)
        elif index < 12 and chance < 0.55:  # answers on the phone follow-up
            answered[contact.pk] = calls_day + 1 + rng.randrange(0, 3)
    reminder_day, description, cost, minutes = REMINDER
    if days >= reminder_day:
        reminder = entry(description, reminder_day)
        for contact in contacts:
            if answered.get(contact.pk, days + 1) > reminder_day:
                interaction(
                    contact,
                    reminder.date,
                    reminder,
                    cost=cost,
                    duration=Decimal(minutes),
                    information_flow=InformationFlow.OUTBOUND,
                    initiated_by=InitiatedBy.US,
                    correspondence_type="email",
                )
    calls_day, description, cost, minutes = CALLS
    if days >= calls_day:
        calls = entry(description, calls_day)
        for contact in contacts[:12]:
            interaction(
                contact,
                calls.date + datetime.timedelta(days=rng.randrange(0, 3)),
                calls,
                cost=cost,
                duration=Decimal(minutes),
                information_flow=InformationFlow.OUTBOUND,
                initiated_by=InitiatedBy.US,
            )
    responses = entry(RESPONSES, 0)
    evaluations = ["very_positive", "positive", "positive", "neutral", "negative"]
    for contact in contacts:
        day = answered.get(contact.pk)
        if day is None or day > days:
            continue
        interaction(
            contact,
            start + datetime.timedelta(days=day),
            responses,
            campaign_response=True,
            duration=Decimal(5),
            information_flow=InformationFlow.INBOUND,
            initiated_by=InitiatedBy.THEM,
            evaluation=rng.choice(evaluations),
        )
    InteractionLogEntry.objects.bulk_create(rows)
    notify_interactions_changed({campaign.pk})

    campaign.budget_cost = BUDGET_COST
    save_campaign(campaign=campaign)

    cycle = SalesCycle.objects.filter(code="NEW").first() or SalesCycle.objects.first()
    salesperson = campaign.salesperson
    companies = [contact for contact in contacts if contact.company_id] or contacts
    if cycle is not None and salesperson is not None and not salesperson.blocked:
        for index, (description, before, value) in enumerate(WON):
            closed = max(today - datetime.timedelta(days=before), start)
            opportunity = services.create_opportunity(
                description=str(description),
                campaign=campaign,
                salesperson=salesperson,
                contact=companies[index].company or companies[index],
                sales_cycle=cycle,
                creation_date=max(closed - datetime.timedelta(days=4), start),
                estimated_value=Decimal(value),
                chances_of_success_percent=Decimal(60),
                activate_first_stage=True,
            )
            services.close_opportunity(opportunity=opportunity, won=True, date=closed)
    if stdout:
        won = Opportunity.objects.filter(campaign=campaign, status="won").count()
        stdout.write(f"history of {campaign.no}: {len(rows)} interactions, {won} won")
