"""Activity and task pages, My tasks, and Assign activity from other cards.

Every task view takes its records from ``Task.objects.visible_to(user)``: a
salesperson who guesses the URL of somebody else's task gets 404.
"""

import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import TemplateView

from activities import services
from activities.filters import ActivityFilter, TaskFilter
from activities.forms import (
    ActivityForm,
    ActivityStepFormSet,
    AssignActivityForm,
    CompleteTaskForm,
    TaskForm,
)
from activities.models import Activity, Task
from activities.tables import ActivityTable, TaskTable
from campaigns.models import Campaign
from contacts.models import Contact
from core import generic_views as generic
from salespeople.models import Salesperson
from segments.models import Segment

MY_TASKS_SHOWN = 100
RECENTLY_CLOSED_SHOWN = 10
WEEK_TASKS_SHOWN = 300
MEMBER_TASKS_SHOWN = 50
TASK_RELATED = ("salesperson", "team", "campaign", "contact")

# ---------------------------------------------------------------------------
# Activities


class ActivityList(generic.RecordListView):
    model = Activity
    queryset = Activity.objects.annotate(step_count=Count("steps"))
    table_class = ActivityTable
    filterset_class = ActivityFilter
    empty_text = gettext_lazy(
        "No activities yet. Create one with its steps (e.g. a phone call after 2D, "
        "a meeting after 1W) and assign it from a campaign, segment or contact."
    )


class ActivityCard(generic.RecordCardView):
    model = Activity
    sections = [(gettext_lazy("General"), ["code", "description"])]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["steps"] = list(self.object.steps.order_by("step_no"))
        return context


class StepFormsetMixin:
    """The activity header form with its steps as an inline formset, saved together."""


    def get_formset(self, instance=None):
        data = self.request.POST if self.request.method == "POST" else None
        return ActivityStepFormSet(
            data, instance=instance or getattr(self, "object", None) or Activity(), prefix="steps"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("formset", getattr(self, "formset", None) or self.get_formset())
        return context

    def form_valid(self, form):
        self.formset = self.get_formset(instance=form.instance)
        if not self.formset.is_valid():
            return self.form_invalid(form)
        return super().form_valid(form)

    def form_invalid(self, form):
        if getattr(self, "formset", None) is None:
            self.formset = self.get_formset()
            self.formset.is_valid()  # show the steps' errors together with the header's
        return super().form_invalid(form)

    version_lines = ("steps",)

    def save_form(self, form):
        activity = form.save(commit=False)
        steps = self.formset.save(commit=False)  # the changed and new steps, not saved yet
        return services.save_activity(
            activity=activity,
            steps=steps,
            delete=self.formset.deleted_objects,
            **self.save_kwargs(form),
        )


class ActivityCreate(StepFormsetMixin, generic.RecordCreateView):
    model = Activity
    form_class = ActivityForm


class ActivityEdit(StepFormsetMixin, generic.RecordUpdateView):
    model = Activity
    form_class = ActivityForm


class ActivityDelete(generic.RecordDeleteView):
    model = Activity

    def deletion_summary(self):
        steps = self.object.steps.count()
        return [ngettext("%(n)d step", "%(n)d steps", steps) % {"n": steps}]


# ---------------------------------------------------------------------------
# Tasks


class VisibleTasksMixin:
    """Only the tasks the user may see (others give 404)."""

    model = Task

    def get_queryset(self):
        return Task.objects.visible_to(self.request.user).select_related(*TASK_RELATED)


class TaskList(VisibleTasksMixin, generic.RecordListView):
    table_class = TaskTable
    filterset_class = TaskFilter
    empty_text = gettext_lazy(
        "No tasks yet. Create a task, or assign an activity from a campaign, segment or contact."
    )


class TaskCard(VisibleTasksMixin, generic.RecordCardView):
    sections = [
        (
            gettext_lazy("General"),
            ["no", "description", "type", "date", "priority", "status"],
        ),
        (
            gettext_lazy("Assigned to"),
            ["salesperson", "team", "team_task", "activity"],
        ),
        (gettext_lazy("About"), ["campaign", "contact", "segment", "opportunity"]),
        (gettext_lazy("Closing"), ["closed", "date_closed", "canceled", "completed_by"]),
    ]

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("segment", "team_task", "activity", "completed_by", "opportunity")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        task = self.object
        user = self.request.user
        context["can_change"] = _may(task, user)
        context["can_complete"] = _may(task, user, completing=True)
        if not context["can_change"]:
            # A team task a member may complete but not change (docs/activities.md).
            context.pop("edit_url", None)
            context.pop("delete_url", None)
        context["today"] = timezone.localdate()
        if task.is_team_task:
            members = list(
                task.member_tasks.select_related("salesperson").order_by("salesperson__code")[
                    : MEMBER_TASKS_SHOWN + 1
                ]
            )
            context["member_tasks"] = members[:MEMBER_TASKS_SHOWN]
            context["more_member_tasks"] = len(members) > MEMBER_TASKS_SHOWN
        return context


def _may(task, user, *, completing=False) -> bool:
    try:
        services.check_task_access(task, user, completing=completing)
    except PermissionDenied:
        return False
    return True


def _own_salesperson(request) -> dict:
    """A new task is for the user's own salesperson to begin with."""
    own = Salesperson.objects.filter(user=request.user, blocked=False).first()
    return {"salesperson": own} if own is not None else {}


class TaskCreate(generic.RecordCreateView):
    """A single task by hand: for a salesperson, never a team (SPEC §7)."""

    model = Task
    form_class = TaskForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        return {**_own_salesperson(self.request), **super().get_initial()}

    def save_form(self, form):
        data = form.cleaned_data
        return services.create_task(
            user=self.request.user,
            no=data.get("no", ""),
            salesperson=data.get("salesperson"),
            description=data["description"],
            date=data["date"],
            type=data["type"],
            priority=data["priority"],
            status=data["status"],
            campaign=data.get("campaign"),
            contact=data.get("contact"),
        )


class TaskEdit(VisibleTasksMixin, generic.RecordUpdateView):
    form_class = TaskForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def save_form(self, form):
        return services.save_task(task=form.save(commit=False), **self.save_kwargs(form))


class TaskDelete(VisibleTasksMixin, generic.RecordDeleteView):
    def perform_delete(self):
        services.delete_task(task=self.object, user=self.request.user)

    def deletion_summary(self):
        count = self.object.member_tasks.count()
        if not count:
            return []
        return [
            ngettext("%(n)d team member's task", "%(n)d team members' tasks", count) % {"n": count}
        ]


class TaskAction(VisibleTasksMixin, generic.ConfirmActionView):
    permission_required = "activities.change_task"


class CompleteTask(TaskAction):
    action_label = gettext_lazy("Complete")
    submit_label = gettext_lazy("Complete")
    form_class = CompleteTaskForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "task": self.object}

    def question(self):
        if self.object.closed:
            return _("Task %(no)s is already closed.") % {"no": self.object.no}
        if self.object.is_team_task:
            return _(
                "Complete team task %(no)s? Say who completed it; the team members' open "
                "tasks are completed with it."
            ) % {"no": self.object.no}
        return _("Complete and close task %(no)s?") % {"no": self.object.no}

    def perform(self, form):
        task = services.complete_task(
            task=self.object,
            completed_by=form.cleaned_data.get("completed_by"),
            user=self.request.user,
        )
        return _("Task %(no)s completed.") % {"no": task.no}


class ReopenTask(TaskAction):
    action_label = gettext_lazy("Reopen")

    def question(self):
        return _("Reopen task %(no)s? It will be in progress again.") % {"no": self.object.no}

    def perform(self, form):
        task = services.reopen_task(task=self.object, user=self.request.user)
        return _("Task %(no)s reopened.") % {"no": task.no}


class CancelTask(TaskAction):
    action_label = gettext_lazy("Cancel task")

    def question(self):
        if self.object.is_team_task:
            return _(
                "Cancel team task %(no)s? It is closed, and so are the team members' open tasks."
            ) % {"no": self.object.no}
        return _("Cancel task %(no)s? It is closed as canceled.") % {"no": self.object.no}

    def perform(self, form):
        task = services.cancel_task(task=self.object, user=self.request.user)
        return _("Task %(no)s canceled.") % {"no": task.no}


# ---------------------------------------------------------------------------
# My tasks


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


# ---------------------------------------------------------------------------
# Assign activity (from a campaign, a segment, a contact)


class AssignActivityBase(generic.ConfirmActionView):
    """Activity, start date and salesperson **or** team; then one task per step (and
    per contact). Subclasses set ``model`` and ``source``."""

    permission_required = "activities.assign_activity"
    form_class = AssignActivityForm
    template_name = "activities/assign_activity.html"
    action_label = gettext_lazy("Assign activity")
    submit_label = gettext_lazy("Assign activity")
    source = ""
    confirm_first = False
    refusals_on_form = True

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "source": self.source, "record": self.object}

    def perform(self, form):
        result = services.assign_activity(**form.assign_kwargs(), user=self.request.user)
        return self.result_message(form, result)

    def result_message(self, form, result) -> str:
        data = form.cleaned_data
        assignee = data.get("salesperson") or data.get("team")
        message = ngettext(
            "%(n)d task created for %(who)s from activity %(code)s.",
            "%(n)d tasks created for %(who)s from activity %(code)s.",
            result.tasks,
        ) % {"n": result.tasks, "who": assignee, "code": data["activity"].code}
        if result.contacts > 1:
            message += " " + ngettext("(%(n)d contact)", "(%(n)d contacts)", result.contacts) % {
                "n": result.contacts
            }
        return message


class AssignActivityToCampaign(AssignActivityBase):
    model = Campaign
    source = "campaign"

    def question(self):
        return _(
            "Assign an activity for campaign %(no)s: one task per step, dated by the step's "
            "date formula from the start date."
        ) % {"no": self.object.no}


class AssignActivityToContact(AssignActivityBase):
    model = Contact
    source = "contact"

    def question(self):
        return _("Assign an activity for contact %(contact)s: one task per step.") % {
            "contact": self.object
        }


class AssignActivityToSegment(AssignActivityBase):
    """From a segment: one set of tasks per contact of its lines, after confirmation."""

    model = Segment
    source = "segment"
    confirm_first = True

    def question(self):
        return ngettext(
            "Assign an activity to the %(n)d contact of segment %(no)s: one set of tasks "
            "per contact.",
            "Assign an activity to the %(n)d contacts of segment %(no)s: one set of tasks "
            "per contact.",
            self.object.line_count,
        ) % {"n": self.object.line_count, "no": self.object.no}

    def confirmation(self, form) -> str:
        data = form.cleaned_data
        preview = services.assignment_preview(
            activity=data["activity"], contact_count=self.object.line_count, team=data.get("team")
        )
        return ngettext(
            "Create %(tasks)d task for %(contacts)d contact (%(steps)d steps of activity "
            "%(code)s for %(who)s)?",
            "Create %(tasks)d tasks for %(contacts)d contacts (%(steps)d steps of activity "
            "%(code)s for %(who)s)?",
            preview["tasks"],
        ) % {
            **preview,
            "code": data["activity"].code,
            "who": data.get("salesperson") or data.get("team"),
        }
