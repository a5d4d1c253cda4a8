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
    if stdout:
        stdout.write(f"{len(STATUSES)} campaign statuses, {Campaign.objects.count()} campaigns")
