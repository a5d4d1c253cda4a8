"""Activity and task pages: activities with their steps, the task list and card, the
task form and Complete / Reopen / Cancel (docs/activities.md).

Every task view takes its records from ``Task.objects.visible_to(user)``: a
salesperson who guesses the URL of somebody else's task gets 404.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from activities import services
from activities.filters import ActivityFilter, TaskFilter
from activities.forms import (
    ActivityForm,
    ActivityStepFormSet,
    CompleteTaskForm,
    TaskForm,
)
from activities.models import Activity, Task
from activities.tables import ActivityTable, TaskTable
from core import generic_views as generic
from salespeople.models import Salesperson

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
    """A single task by hand: for a salesperson, never a team (docs/activities.md, Tasks)."""

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
