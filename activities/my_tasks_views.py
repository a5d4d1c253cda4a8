"""*My tasks*: the signed-in salesperson's open and recently closed tasks, or one week
of them in seven columns (docs/activities.md)."""

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from activities.models import Task
from core import generic_views as generic
from salespeople.models import Salesperson

MY_TASKS_SHOWN = 100
RECENTLY_CLOSED_SHOWN = 10
WEEK_TASKS_SHOWN = 300
TASK_RELATED = ("salesperson", "team", "campaign", "contact")


def _week_start(value: str | None) -> datetime.date:
    """The Monday of the week of ``value`` (an ISO date), this week when missing or bad."""
    try:
        day = datetime.date.fromisoformat(value) if value else timezone.localdate()
    except ValueError:
        day = timezone.localdate()
    if not datetime.date(1, 1, 15) <= day <= datetime.date(9999, 12, 17):
        day = timezone.localdate()  # the page links the weeks before and after: both must exist
    return day - datetime.timedelta(days=day.weekday())


class MyTasks(generic.ModelPermissionMixin, generic.PageMixin, TemplateView):
    """The logged-in salesperson's tasks of every campaign, open ones first, by date;
    or one week in seven columns (``?view=week&week=2026-01-12``)."""

    model = Task
    template_name = "activities/my_tasks.html"
    title = gettext_lazy("My tasks")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        salesperson = Salesperson.objects.filter(user=self.request.user).first()
        context["salesperson"] = salesperson
        context["today"] = today = timezone.localdate()
        context["view"] = view = "week" if self.request.GET.get("view") == "week" else "list"
        if salesperson is None:
            return context
        tasks = Task.objects.of_salesperson(salesperson).select_related(*TASK_RELATED)
        if view == "week":
            context.update(self.week(tasks, _week_start(self.request.GET.get("week")), today))
        else:
            open_tasks = list(
                tasks.filter(closed=False).order_by("date", "no")[: MY_TASKS_SHOWN + 1]
            )
            context["open_tasks"] = open_tasks[:MY_TASKS_SHOWN]
            context["more_open"] = len(open_tasks) > MY_TASKS_SHOWN
            context["closed_tasks"] = list(
                tasks.filter(closed=True).order_by("-date_closed", "-no")[:RECENTLY_CLOSED_SHOWN]
            )
        context["all_url"] = (
            reverse("activities:task_list")
            + "?"
            + urlencode({"salesperson": salesperson.pk, "closed": "false"})
        )
        return context

    def week(self, tasks, monday, today):
        sunday = monday + datetime.timedelta(days=6)
        shown = list(
            tasks.filter(date__range=(monday, sunday)).order_by("date", "closed", "no")[
                : WEEK_TASKS_SHOWN + 1
            ]
        )
        days = [{"date": monday + datetime.timedelta(days=i), "tasks": []} for i in range(7)]
        for task in shown[:WEEK_TASKS_SHOWN]:
            days[(task.date - monday).days]["tasks"].append(task)
        return {
            "days": days,
            "monday": monday,
            "sunday": sunday,
            "previous_week": (monday - datetime.timedelta(days=7)).isoformat(),
            "next_week": (monday + datetime.timedelta(days=7)).isoformat(),
            "this_week": (today - datetime.timedelta(days=today.weekday())).isoformat(),
            "more_in_week": len(shown) > WEEK_TASKS_SHOWN,
        }
