"""Demo activities and tasks: every task status, an activity assigned to a campaign
for team FAIR, one to contacts for the "sales" login's salesperson (JO) and one
from a segment for BC. Tasks are created with the same services a user runs."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from activities import services
from activities.models import Activity, ActivityStep, Priority, Task, TaskStatus, TaskType
from campaigns.demo import CHAIR_PROMOTION, MAILING
from campaigns.models import Campaign
from contacts.models import Contact
from salespeople.models import Salesperson, Team

ACTIVITIES = {
    "TRADESHOW": (
        _("Trade show follow-up"),
        [
            (1, TaskType.PHONE_CALL, _("Phone call after the trade show"), Priority.HIGH, "2D"),
            (2, TaskType.MEETING, _("Visit: product demonstration"), Priority.NORMAL, "1W"),
            (3, TaskType.BLANK, _("Letter with the offer"), Priority.NORMAL, "CM"),
        ],
    ),
    "NEWCUST": (
        _("New customer welcome"),
        [
            (1, TaskType.PHONE_CALL, _("Welcome call"), Priority.HIGH, "1D"),
            (2, TaskType.MEETING, _("Introduction meeting"), Priority.NORMAL, "2W"),
            (3, TaskType.PHONE_CALL, _("Check the first order"), Priority.LOW, "1M"),
        ],
    ),
    "MAILFOLLOW": (
        _("Mailing follow-up call"),
        [(1, TaskType.PHONE_CALL, _("Call about the mailing"), Priority.NORMAL, "WD1")],
    ),
}


def load_activities():
    for code, (description, steps) in ACTIVITIES.items():
        activity, _ = Activity.objects.update_or_create(
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


def load_tasks(today):
    jim = Salesperson.objects.filter(code="JO").first()
    if jim is None:
        return
    mailing = Campaign.objects.filter(description=str(MAILING)).first()
    chairs = Campaign.objects.filter(description=str(CHAIR_PROMOTION)).first()
    contacts = list(Contact.objects.companies().order_by("no")[:6])
    contact = contacts[0] if contacts else None

    # Single tasks of Jim Olive in every status.
    def task(description, days, status=TaskStatus.NOT_STARTED, **extra):
        return services.create_task(
            salesperson=jim,
            description=description,
            date=today + datetime.timedelta(days=days),
            status=status,
            campaign=mailing,
            **extra,
        )

    task(gettext("Prepare the mailing list"), -1, TaskStatus.IN_PROGRESS, type=TaskType.BLANK)
    task(gettext("Call back about the brochure"), 0, contact=contact, type=TaskType.PHONE_CALL)
    task(gettext("Wait for the printer's proof"), 2, TaskStatus.WAITING, priority=Priority.LOW)
    task(
        gettext("Lunch with the purchasing manager"), 9, TaskStatus.POSTPONED, type=TaskType.MEETING
    )
    done = task(gettext("Order the envelopes"), -5, TaskStatus.IN_PROGRESS)
    services.complete_task(task=done)
    dropped = task(gettext("Book a stand at the regional fair"), -2)
    services.cancel_task(task=dropped)

    # The trade show follow-up for the autumn chair promotion, by team FAIR.
    fair = Team.objects.filter(code="FAIR").first()
    tradeshow = Activity.objects.get(code="TRADESHOW")
    if fair is not None and chairs is not None:
        services.assign_activity(
            activity=tradeshow,
            start_date=chairs.starting_date or today,
            team=fair,
            campaign=chairs,
            contacts=contacts[:2] or None,
        )
        first_call = (
            Task.objects.filter(campaign=chairs, team=fair, salesperson__isnull=True)
            .order_by("date", "no")
            .first()
        )
        annette = Salesperson.objects.filter(code="AH").first()
        if first_call is not None and annette is not None:
            services.complete_task(task=first_call, completed_by=annette)

    # New customers welcome for Jim, for three companies.
    if len(contacts) >= 5:
        services.assign_activity(
            activity=Activity.objects.get(code="NEWCUST"),
            start_date=today,
            salesperson=jim,
            campaign=mailing,
            contacts=contacts[2:5],
        )

    # A follow-up call per purchaser of the mailing segment (set-based) for BC.
    from segments.demo import PURCHASERS
    from segments.models import Segment

    purchasers = Segment.objects.filter(description=str(PURCHASERS), line_count__gt=0).first()
    benjamin = Salesperson.objects.filter(code="BC", blocked=False).first()
    if purchasers is not None and benjamin is not None:
        services.assign_activity(
            activity=Activity.objects.get(code="MAILFOLLOW"),
            start_date=today,
            salesperson=benjamin,
            segment=purchasers,
        )


def load(stdout=None):
    load_activities()
    if not Task.objects.exists():
        load_tasks(timezone.localdate())
    if stdout:
        stdout.write(f"{Activity.objects.count()} activities, {Task.objects.count()} tasks")
