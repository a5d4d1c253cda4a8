"""Demo sales cycles and opportunities on the demo campaigns: won, lost, in progress
and not started, created and moved with the services a user runs (so every change
has its opportunity entry, and the presentation stage assigns its activity)."""

import datetime
from decimal import Decimal

from django.utils import timezone

from activities.models import Activity, ActivityStep, Priority, TaskType
from campaigns.models import Campaign
from contacts.models import Contact
from opportunities import services
from opportunities.models import Opportunity, ProbabilityCalculation, SalesCycle, SalesCycleStage
from salespeople.models import Salesperson

PRESENTATION = (
    "PRESENT",
    "Product presentation",
    [
        (1, TaskType.PHONE_CALL, "Call to book the presentation", Priority.HIGH, "1D"),
        (2, TaskType.MEETING, "Product presentation at the customer", Priority.NORMAL, "1W"),
    ],
)
CYCLES = {
    # code: (description, calculation, blocked, stages)
    # stage: (No., description, completed %, activity, quote required, allow skip, formula)
    "NEW": (
        "New business",
        ProbabilityCalculation.MULTIPLY,
        False,
        [
            (1, "Initial contact", 10, None, False, False, "1W"),
            (2, "Presentation", 40, "PRESENT", False, True, "2W"),
            (3, "Proposal", 70, None, True, False, "1M"),
            (4, "Negotiation", 90, None, False, False, "CM"),
        ],
    ),
    "EXISTING": (
        "Existing customer, quick deal",
        ProbabilityCalculation.ADD,
        False,
        [
            (1, "Needs assessment", 25, None, False, True, "1W"),
            (2, "Quote sent", 75, None, True, False, "2W"),
        ],
    ),
    "OLD": (
        "Former cycle (no longer used)",
        ProbabilityCalculation.COMPLETED,
        True,
        [(1, "Contact", 50, None, False, False, "1M")],
    ),
}


def load_sales_cycles():
    code, description, steps = PRESENTATION
    activity, _ = Activity.objects.update_or_create(
        code=code, defaults={"description": description}
    )
    for step_no, kind, text, priority, formula in steps:
        ActivityStep.objects.update_or_create(
            activity=activity,
            step_no=step_no,
            defaults={
                "type": kind,
                "description": text,
                "priority": priority,
                "date_formula": formula,
            },
        )
    for code, (description, calculation, blocked, stages) in CYCLES.items():
        cycle, _ = SalesCycle.objects.update_or_create(
            code=code,
            defaults={
                "description": description,
                "probability_calculation": calculation,
                "blocked": blocked,
            },
        )
        for number, text, completed, activity_code, quote, skip, formula in stages:
            SalesCycleStage.objects.update_or_create(
                sales_cycle=cycle,
                stage=number,
                defaults={
                    "description": text,
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
            description=description,
            campaign=campaigns.get(campaign),
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
        "Conference chairs for the new wing",
        "Spring trade fair",
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
        "Reception desks", "Spring trade fair", "AH", contacts[1], new, days(58), "9400", 40
    )
    move(lost, days(50), direction=services.NEXT)
    services.close_opportunity(opportunity=lost, won=False, date=days(35))

    # Office furniture direct mailing (Jim Olive, the "sales" login): in progress.
    desks = opportunity(
        "Sit-stand desks for the sales office",
        "Office furniture direct mailing",
        "JO",
        contacts[2],
        new,
        days(10),
        "12600",
        60,
    )
    move(desks, days(5), direction=services.NEXT)  # presentation: assigns PRESENT to JO
    proposal = opportunity(
        "Filing cabinets",
        "Office furniture direct mailing",
        "JO",
        contacts[3],
        new,
        days(8),
        "4300",
        50,
    )
    move(proposal, days(2), stage=new.stages.get(stage=3))  # skips the presentation
    services.create_opportunity(
        description="Meeting room furniture",
        campaign=campaigns.get("Office furniture direct mailing"),
        salesperson=people["JO"],
        contact=contacts[4],
        sales_cycle=new,
        creation_date=today,
        estimated_value=Decimal("7800"),
        chances_of_success_percent=Decimal(30),
    )  # not started yet

    # Autumn chair promotion (Linda Terpstra): negotiation, a lost one, a quick deal.
    chairs = opportunity(
        "Ergonomic chairs, 40 pieces",
        "Autumn chair promotion",
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
        "Lounge chairs", "Autumn chair promotion", "LT", contacts[6], existing, days(2), "3100", 80
    )
    cheap = opportunity(
        "Stackable chairs for the canteen",
        "Autumn chair promotion",
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
