"""Demo sales cycles and opportunities on the demo campaigns: won, lost, in progress
and not started, created and moved with the services a user runs (so every change
has its opportunity entry, and the presentation stage assigns its activity)."""

import datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from activities.models import Activity, ActivityStep, Priority, TaskType
from campaigns.demo import CHAIR_PROMOTION, MAILING, SPRING_FAIR
from campaigns.models import Campaign
from contacts.models import Contact
from opportunities import services
from opportunities.models import Opportunity, ProbabilityCalculation, SalesCycle, SalesCycleStage
from salespeople.models import Salesperson

PRESENTATION = (
    "PRESENT",
    _("Product presentation"),
    [
        (1, TaskType.PHONE_CALL, _("Call to book the presentation"), Priority.HIGH, "1D"),
        (2, TaskType.MEETING, _("Product presentation at the customer"), Priority.NORMAL, "1W"),
    ],
)
CYCLES = {
    # code: (description, calculation, blocked, stages)
    # stage: (No., description, completed %, activity, quote required, allow skip, formula)
    "NEW": (
        _("New business"),
        ProbabilityCalculation.MULTIPLY,
        False,
        [
            (1, _("Initial contact"), 10, None, False, False, "1W"),
            (2, _("Presentation"), 40, "PRESENT", False, True, "2W"),
            (3, _("Proposal"), 70, None, True, False, "1M"),
            (4, _("Negotiation"), 90, None, False, False, "CM"),
        ],
    ),
    "EXISTING": (
        _("Existing customer, quick deal"),
        ProbabilityCalculation.ADD,
        False,
        [
            (1, _("Needs assessment"), 25, None, False, True, "1W"),
            (2, _("Quote sent"), 75, None, True, False, "2W"),
        ],
    ),
    "OLD": (
        _("Former cycle (no longer used)"),
        ProbabilityCalculation.COMPLETED,
        True,
        [(1, _("Contact"), 50, None, False, False, "1M")],
    ),
}


def load_sales_cycles():
    code, description, steps = PRESENTATION
    activity, _created = Activity.objects.update_or_create(
        code=code, defaults={"description": str(description)}
    )
    for step_no, kind, text, priority, formula in steps:
        ActivityStep.objects.update_or_create(
            activity=activity,
            step_no=step_no,
            defaults={
                "type": kind,
                "description": str(text),
                "priority": priority,
                "date_formula": formula,
            },
        )
    for code, (description, calculation, blocked, stages) in CYCLES.items():
        cycle, _created = SalesCycle.objects.update_or_create(
            code=code,
            defaults={
                "description": str(description),
                "probability_calculation": calculation,
                "blocked": blocked,
            },
        )
        for number, text, completed, activity_code, quote, skip, formula in stages:
            SalesCycleStage.objects.update_or_create(
                sales_cycle=cycle,
                stage=number,
                defaults={
                    "description": str(text),
                    "completed_percent": completed,
                    "activity": Activity.objects.get(code=activity_code) if activity_code else None,
                    "quote_required": quote,
                    "allow_skip": skip,
                    "date_formula": formula,
                },
            )


def load_opportunities(today):
    campaigns = {c.description: c for c in Campaign.objects.all()}
    people = {s.code: s for s in Salesperson.objects.filter(blocked=False)}
    contacts = list(Contact.objects.companies().order_by("no")[:10])
    new, existing = SalesCycle.objects.get(code="NEW"), SalesCycle.objects.get(code="EXISTING")
    if len(contacts) < 8 or not {"AH", "JO", "LT"} <= set(people):
        return

    def days(n):
        return today - datetime.timedelta(days=n)

    def opportunity(description, campaign, salesperson, contact, cycle, created, value, chances):
        return services.create_opportunity(
            description=str(description),
            campaign=campaigns.get(str(campaign)),
            salesperson=people[salesperson],
            contact=contact,
            sales_cycle=cycle,
            creation_date=created,
            estimated_value=Decimal(value),
            chances_of_success_percent=Decimal(chances),
            activate_first_stage=True,
        )

    def move(opp, when, **kwargs):
        return services.move_to_stage(opportunity=opp, date=when, **kwargs)

    # Spring trade fair (finished): one won, one lost.
    won = opportunity(
        _("Conference chairs for the new wing"),
        SPRING_FAIR,
        "AH",
        contacts[0],
        new,
        days(60),
        "18500",
        50,
    )
    move(won, days(55), direction=services.NEXT)
    move(won, days(45), direction=services.NEXT, chances_of_success_percent=Decimal(70))
    move(won, days(30), direction=services.NEXT, estimated_value=Decimal("17250"))
    services.close_opportunity(opportunity=won, won=True, date=days(20))
    lost = opportunity(
        _("Reception desks"), SPRING_FAIR, "AH", contacts[1], new, days(58), "9400", 40
    )
    move(lost, days(50), direction=services.NEXT)
    services.close_opportunity(opportunity=lost, won=False, date=days(35))

    # Office furniture direct mailing (Jim Olive, the "sales" login): in progress.
    desks = opportunity(
        _("Sit-stand desks for the sales office"),
        MAILING,
        "JO",
        contacts[2],
        new,
        days(10),
        "12600",
        60,
    )
    move(desks, days(5), direction=services.NEXT)  # presentation: assigns PRESENT to JO
    proposal = opportunity(
        _("Filing cabinets"),
        MAILING,
        "JO",
        contacts[3],
        new,
        days(8),
        "4300",
        50,
    )
    move(proposal, days(2), stage=new.stages.get(stage=3))  # skips the presentation
    services.create_opportunity(
        description=gettext("Meeting room furniture"),
        campaign=campaigns.get(str(MAILING)),
        salesperson=people["JO"],
        contact=contacts[4],
        sales_cycle=new,
        creation_date=today,
        estimated_value=Decimal("7800"),
        chances_of_success_percent=Decimal(30),
    )  # not started yet

    # Autumn chair promotion (Linda Terpstra): negotiation, a lost one, a quick deal.
    chairs = opportunity(
        _("Ergonomic chairs, 40 pieces"),
        CHAIR_PROMOTION,
        "LT",
        contacts[5],
        new,
        days(3),
        "21000",
        75,
    )
    move(chairs, days(3), direction=services.NEXT)
    move(chairs, days(2), direction=services.NEXT)
    move(chairs, days(1), direction=services.NEXT, estimated_value=Decimal("19800"))
    opportunity(
        _("Lounge chairs"), CHAIR_PROMOTION, "LT", contacts[6], existing, days(2), "3100", 80
    )
    cheap = opportunity(
        _("Stackable chairs for the canteen"),
        CHAIR_PROMOTION,
        "LT",
        contacts[7],
        existing,
        days(2),
        "2600",
        20,
    )
    services.close_opportunity(opportunity=cheap, won=False, date=today)


def load(stdout=None):
    load_sales_cycles()
    if not Opportunity.objects.exists():
        load_opportunities(timezone.localdate())
    if stdout:
        stdout.write(
            f"{SalesCycle.objects.count()} sales cycles, "
            f"{Opportunity.objects.count()} opportunities"
        )
