"""The home page's task panel (docs/dashboard.md): the signed-in salesperson's
agenda for today and their open tasks (their own and their teams', as *My tasks*),
overdue ones marked. Left out for a user who is no salesperson."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from activities.models import Task
from core.dashboard import DashboardPanel, register_dashboard_panel
from salespeople.models import Salesperson

SHOWN = 8


def tasks_context(request) -> dict | None:
    """Four queries: the salesperson, today's tasks, the first open tasks, and how
    many are open (bounded by the salesperson's own tasks)."""
    salesperson = Salesperson.objects.filter(user=request.user).first()
    if salesperson is None:
        return None
    today = timezone.localdate()
    tasks = Task.objects.of_salesperson(salesperson).select_related("campaign", "contact")
    agenda = list(tasks.filter(date=today).order_by("closed", "no")[:SHOWN])
    open_tasks = list(tasks.filter(closed=False).exclude(date=today).order_by("date", "no")[:SHOWN])
    return {
        "salesperson": salesperson,
        "today": today,
        "agenda": agenda,
        "open_tasks": open_tasks,
        "open_count": tasks.filter(closed=False).count(),
        "my_tasks_url": reverse("activities:my_tasks"),
        "week_url": reverse("activities:my_tasks") + "?view=week",
        "can_add": request.user.has_perm("activities.add_task"),
        "add_url": reverse("activities:task_create"),
    }


def register() -> None:
    register_dashboard_panel(
        DashboardPanel(
            key="activities.my_tasks",
            title=gettext_lazy("My tasks and today's agenda"),
            template="activities/dashboard/my_tasks.html",
            permission="activities.view_task",
            context=tasks_context,
            order=20,
        )
    )
