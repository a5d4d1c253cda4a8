"""Task panels and Assign activity buttons on the campaign, segment and contact cards.

The panels show other salespeople's tasks, so they need ``activities.view_all_tasks``
(a salesperson sees their own tasks under My tasks).
"""

from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from core.panels import CardAction, CardPanel, register_card_action, register_card_panel

SHOWN = 20


def _status_counts():
    from activities.models import TaskStatus

    open_ = Q(closed=False)
    return {
        "not_started": Count("pk", filter=Q(status=TaskStatus.NOT_STARTED)),
        "in_progress": Count("pk", filter=Q(status=TaskStatus.IN_PROGRESS)),
        "waiting": Count("pk", filter=Q(status=TaskStatus.WAITING)),
        "postponed": Count("pk", filter=Q(status=TaskStatus.POSTPONED)),
        "completed": Count("pk", filter=Q(status=TaskStatus.COMPLETED, canceled=False)),
        "canceled": Count("pk", filter=Q(canceled=True)),
        "total": Count("pk"),
        "next_date": Min("date", filter=open_),
    }


def campaign_tasks(campaign):
    """The campaign's tasks per salesperson (and per team for team tasks) by status
    (docs/activities.md, Campaign conduct): two grouped queries, at most ``SHOWN`` rows
    each."""
    from activities.models import Task

    tasks = Task.objects.filter(campaign=campaign)
    people = list(
        tasks.filter(salesperson__isnull=False)
        .values("salesperson_id", "salesperson__code", "salesperson__name")
        .annotate(**_status_counts())
        .order_by("salesperson__code")[: SHOWN + 1]
    )
    teams = list(
        tasks.filter(salesperson__isnull=True)
        .values("team_id", "team__code", "team__name")
        .annotate(**_status_counts())
        .order_by("team__code")[: SHOWN + 1]
    )
    task_list = reverse("activities:task_list")
    for row in people:
        query = {"campaign": campaign.pk, "salesperson": row["salesperson_id"]}
        row["url"] = f"{task_list}?{urlencode(query)}"
    for row in teams:
        row["url"] = f"{task_list}?{urlencode({'campaign': campaign.pk, 'team': row['team_id']})}"
    return {
        "campaign": campaign,
        "people": people[:SHOWN],
        "teams": teams[:SHOWN],
        "more": len(people) > SHOWN or len(teams) > SHOWN,
        "all_url": f"{task_list}?{urlencode({'campaign': campaign.pk})}",
    }


def contact_tasks(contact):
    """The contact's latest tasks, open ones first."""
    from activities.models import Task

    tasks = list(
        Task.objects.filter(contact=contact)
        .select_related("salesperson", "team", "campaign")
        .order_by("closed", "-date", "-no")[: SHOWN + 1]
    )
    return {
        "contact": contact,
        "tasks": tasks[:SHOWN],
        "more": len(tasks) > SHOWN,
        "all_url": f"{reverse('activities:task_list')}?{urlencode({'contact': contact.no})}",
    }


def _assign_url(name):
    return lambda record: reverse(f"activities:{name}_assign_activity", kwargs={"key": record.no})


def register():
    register_card_panel(
        "campaigns.campaign",
        CardPanel(
            title=_("Tasks by salesperson"),
            template="activities/partials/campaign_tasks_panel.html",
            permission="activities.view_all_tasks",
            get_context=campaign_tasks,
            order=30,
        ),
    )
    register_card_panel(
        "contacts.contact",
        CardPanel(
            title=_("Tasks"),
            template="activities/partials/contact_tasks_panel.html",
            permission="activities.view_all_tasks",
            get_context=contact_tasks,
            order=30,
        ),
    )
    for label in ("campaign", "segment", "contact"):
        register_card_action(
            f"{label}s.{label}",
            CardAction(
                label=_("Assign activity"),
                group="process",
                permission="activities.assign_activity",
                url=_assign_url(label),
                icon="calendar-plus",
                order=40,
            ),
        )
    register_card_action(
        "campaigns.campaign",
        CardAction(
            label=_("Tasks"),
            group="related",
            permission="activities.view_task",
            url=lambda c: f"{reverse('activities:task_list')}?{urlencode({'campaign': c.pk})}",
            icon="check2-square",
            order=40,
        ),
    )
    register_card_action(
        "contacts.contact",
        CardAction(
            label=_("Tasks"),
            group="related",
            permission="activities.view_task",
            url=lambda c: f"{reverse('activities:task_list')}?{urlencode({'contact': c.no})}",
            icon="check2-square",
            order=40,
        ),
    )
