"""Demo campaign status codes and campaigns in different states."""

import datetime

from django.utils import timezone

from campaigns.models import Campaign, CampaignStatus
from salespeople.models import Salesperson

STATUSES = [
    ("1-PLAN", "Planned"),
    ("2-ACTIVE", "Running"),
    ("3-DONE", "Finished"),
    ("4-CANCEL", "Canceled"),
]


def _campaigns(today):
    year = today.year
    return [
        # (description, status, start, end, salesperson)
        (
            "Spring trade fair",
            "3-DONE",
            datetime.date(year, 3, 1),
            datetime.date(year, 3, 31),
            "AH",
        ),
        (
            "Office furniture direct mailing",
            "2-ACTIVE",
            today - datetime.timedelta(days=14),
            today + datetime.timedelta(days=30),
            "JO",
        ),
        (
            "Autumn chair promotion",
            "2-ACTIVE",
            today - datetime.timedelta(days=3),
            today + datetime.timedelta(days=60),
            "LT",
        ),
        (
            "Year-end customer event",
            "1-PLAN",
            datetime.date(year, 12, 1),
            datetime.date(year, 12, 20),
            "BC",
        ),
        ("Newsletter sign-up drive", "1-PLAN", None, None, "PS"),
        ("Press launch of new range", "4-CANCEL", datetime.date(year, 5, 1), None, "AH"),
    ]


def load(stdout=None):
    for code, description in STATUSES:
        CampaignStatus.objects.update_or_create(code=code, defaults={"description": description})
    statuses = {s.code: s for s in CampaignStatus.objects.all()}
    people = {s.code: s for s in Salesperson.objects.all()}
    for description, status, start, end, salesperson in _campaigns(timezone.localdate()):
        if not Campaign.objects.filter(description=description).exists():
            Campaign.objects.create(
                description=description,
                status=statuses[status],
                starting_date=start,
                ending_date=end,
                salesperson=people[salesperson],
            )
    load_templates()
    if stdout:
        stdout.write(f"{len(STATUSES)} campaign statuses, {Campaign.objects.count()} campaigns")


TEMPLATES = [
    # code, description, cost, duration, flow, initiated by, correspondence, target, response
    ("LETTER", "Letter", "1.20", "3", "outbound", "us", "hard_copy", True, False),
    ("EMAIL", "E-mail", "0.05", "1", "outbound", "us", "email", True, False),
    ("PHONE", "Phone call", "2.50", "8", "outbound", "us", "", True, False),
    ("RESPONSE", "Response to a campaign", "0.00", "5", "inbound", "them", "", False, True),
]
CONTENT = {
    "LETTER": (
        "Invitation: {company} at our autumn chair promotion",
        "Dear {name},\n\nWe would like to invite {company} to try our new chairs.\n\n"
        "Kind regards,\n{salesperson}",
        "Uitnodiging: {company} op onze stoelenactie",
        "Beste {name},\n\nGraag nodigen wij {company} uit om onze nieuwe stoelen te proberen.\n\n"
        "Met vriendelijke groet,\n{salesperson}",
    ),
    "EMAIL": (
        "New office furniture for {company}",
        "Dear {name},\n\nOur new range of office furniture is here, with special prices "
        "for {company}.\n\nKind regards,\n{salesperson}",
        "Nieuw kantoormeubilair voor {company}",
        "Beste {name},\n\nOns nieuwe kantoormeubilair is er, met speciale prijzen voor "
        "{company}.\n\nMet vriendelijke groet,\n{salesperson}",
    ),
}


def load_templates():
    from campaigns.models import InteractionTemplate

    for code, description, cost, duration, flow, by, kind, _target, _response in TEMPLATES:
        subject_en, body_en, subject_nl, body_nl = CONTENT.get(code, ("", "", "", ""))
        InteractionTemplate.objects.update_or_create(
            code=code,
            defaults={
                "description": description,
                "unit_cost": cost,
                "unit_duration": duration,
                "information_flow": flow,
                "initiated_by": by,
                "correspondence_type": kind,
                "subject_en": subject_en,
                "body_en": body_en,
                "subject_nl": subject_nl,
                "body_nl": body_nl,
            },
        )
