"""Demo campaign status codes and campaigns in different states.

The texts are marked for translation and saved in the language ``manage.py demo
--language`` asks for; the other demo modules find these campaigns by the same
(translated) descriptions, so they import the constants below.
"""

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from campaigns.models import Campaign, CampaignStatus
from salespeople.models import Salesperson

PLAN = pgettext_lazy("demo status code", "1-PLAN")
ACTIVE = pgettext_lazy("demo status code", "2-ACTIVE")
DONE = pgettext_lazy("demo status code", "3-DONE")
CANCELED = pgettext_lazy("demo status code", "4-CANCEL")
STATUSES = [
    (PLAN, _("Planned"), ""),
    (ACTIVE, _("Running"), ""),
    (DONE, _("Finished"), "done"),
    (CANCELED, _("Canceled"), "canceled"),
]
SPRING_FAIR = _("Spring trade fair")
MAILING = _("Office furniture direct mailing")
CHAIR_PROMOTION = _("Autumn chair promotion")


def _campaigns(today):
    year = today.year
    return [
        # (description, status, start, end, salesperson)
        (
            SPRING_FAIR,
            DONE,
            datetime.date(year, 3, 1),
            datetime.date(year, 3, 31),
            "AH",
        ),
        (
            MAILING,
            ACTIVE,
            today - datetime.timedelta(days=14),
            today + datetime.timedelta(days=30),
            "JO",
        ),
        (
            CHAIR_PROMOTION,
            ACTIVE,
            today - datetime.timedelta(days=3),
            today + datetime.timedelta(days=60),
            "LT",
        ),
        (
            _("Year-end customer event"),
            PLAN,
            datetime.date(year, 12, 1),
            datetime.date(year, 12, 20),
            "BC",
        ),
        (_("Newsletter sign-up drive"), PLAN, None, None, "PS"),
        (_("Press launch of new range"), CANCELED, datetime.date(year, 5, 1), None, "AH"),
    ]


def load(stdout=None):
    for code, description, stage in STATUSES:
        CampaignStatus.objects.update_or_create(
            code=str(code), defaults={"description": str(description), "stage": stage}
        )
    statuses = {s.code: s for s in CampaignStatus.objects.all()}
    people = {s.code: s for s in Salesperson.objects.all()}
    # Campaigns are loaded once, in one language (like the contacts).
    campaigns = [] if Campaign.objects.exists() else _campaigns(timezone.localdate())
    for description, status, start, end, salesperson in campaigns:
        Campaign.objects.create(
            description=str(description),
            status=statuses[str(status)],
            starting_date=start,
            ending_date=end,
            salesperson=people[salesperson],
        )
    load_templates()
    if stdout:
        stdout.write(f"{len(STATUSES)} campaign statuses, {Campaign.objects.count()} campaigns")


TEMPLATES = [
    # code, description, cost, duration, flow, initiated by, correspondence, target, response
    ("LETTER", _("Letter"), "1.20", "3", "outbound", "us", "hard_copy", True, False),
    ("EMAIL", _("E-mail"), "0.05", "1", "outbound", "us", "email", True, False),
    ("PHONE", _("Phone call"), "2.50", "8", "outbound", "us", "", True, False),
    ("RESPONSE", _("Response to a campaign"), "0.00", "5", "inbound", "them", "", False, True),
]
# The language versions of the demo templates: (subject, body) per language, with
# merge fields (docs/campaigns.md, Merge fields).
CONTENT = {
    "LETTER": {
        "en": (
            "Invitation: {{ company.name }} at our autumn chair promotion",
            "Dear {{ contact.name }},\n\n"
            "We would like to invite {{ company.name }} to try our new chairs"
            "{% if campaign.ending_date %} before {{ campaign.ending_date|date:'j F' }}"
            "{% endif %}.\n\n"
            "Kind regards,\n{{ salesperson.name }}"
            "{% if salesperson.phone %}\n{{ salesperson.phone }}{% endif %}",
        ),
        "nl": (
            "Uitnodiging: {{ company.name }} op onze stoelenactie",
            "Beste {{ contact.name }},\n\n"
            "Graag nodigen wij {{ company.name }} uit om onze nieuwe stoelen te proberen"
            "{% if campaign.ending_date %} vóór {{ campaign.ending_date|date:'j F' }}"
            "{% endif %}.\n\n"
            "Met vriendelijke groet,\n{{ salesperson.name }}"
            "{% if salesperson.phone %}\n{{ salesperson.phone }}{% endif %}",
        ),
    },
    "EMAIL": {
        "en": (
            "New office furniture for {{ company.name }}",
            "Dear {{ contact.name }},\n\n"
            "Our new range of office furniture is here, with special prices for "
            "{{ company.name }}.\n\n"
            "Kind regards,\n{{ salesperson.name }}\n{{ salesperson.email }}",
        ),
        "nl": (
            "Nieuw kantoormeubilair voor {{ company.name }}",
            "Beste {{ contact.name }},\n\n"
            "Ons nieuwe kantoormeubilair is er, met speciale prijzen voor "
            "{{ company.name }}.\n\n"
            "Met vriendelijke groet,\n{{ salesperson.name }}\n{{ salesperson.email }}",
        ),
    },
}


def load_templates():
    from campaigns.models import InteractionTemplate, InteractionTemplateLanguage

    for code, description, cost, duration, flow, by, kind, _target, _response in TEMPLATES:
        template, _created = InteractionTemplate.objects.update_or_create(
            code=code,
            defaults={
                "description": str(description),
                "unit_cost": cost,
                "unit_duration": duration,
                "information_flow": flow,
                "initiated_by": by,
                "correspondence_type": kind,
            },
        )
        for language, (subject, body) in CONTENT.get(code, {}).items():
            InteractionTemplateLanguage.objects.update_or_create(
                template=template,
                language=language,
                defaults={"subject": subject, "body_text": body},
            )
