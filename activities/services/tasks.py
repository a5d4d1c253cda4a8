"""Activities with their steps, and single tasks: create, save, complete, reopen,
cancel, delete, and who may change which task (docs/activities.md)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.models import Activity, ActivityStep, Priority, Task, TaskStatus, TaskType
from campaigns.models import Campaign
from contacts.models import Contact
from core.arguments import date_arg, record_arg
from core.concurrency import lock_stored
from core.services import delete_record, validate_record, write_record
from core.sql import insert_from_select, typed_value
from salespeople.models import Salesperson, TeamMember


def _step_list(steps) -> list:
    if steps is None or isinstance(steps, str | bytes | dict) or not hasattr(steps, "__iter__"):
        raise ValidationError(_("Steps: not a list of activity steps."))
    steps = list(steps)
    for step in steps:
        record_arg(step, ActivityStep, label=_("Step"), saved=False)
    return steps


# Above every step No. a user may type (ActivityStep.step_no's validator).


STEP_NO_PARKING = 1_000_000


@transaction.atomic
def save_activity(
    *, activity: Activity, steps=(), delete=(), user=None, version: str | None = None
) -> Activity:
    """Create or change an activity with its steps in one transaction: ``steps`` are
    the new and changed ``ActivityStep`` rows, ``delete`` those to remove. An existing
    activity is checked against ``version`` (which covers its steps too,
    ``core.concurrency``). Every step is validated; a step No. may appear once."""
    record_arg(activity, Activity, label=_("Activity"), saved=False)
    steps, delete = _step_list(steps), _step_list(delete)
    stored = lock_stored(activity, version=version, lines=("steps",))
    # Only steps of this activity are changed or deleted here (as stored, not as the
    # caller's copies say).
    known = [step.pk for step in [*steps, *delete] if step.pk is not None]
    owners = dict(ActivityStep.objects.filter(pk__in=known).values_list("pk", "activity_id"))
    if any(owners.get(pk, "gone") != activity.pk for pk in known):
        raise ValidationError(_("Only the steps of this activity can be changed here."))
    validate_record(activity, stored=stored)
    write_record(activity, stored=stored, user=user)
    ActivityStep.objects.filter(pk__in=[step.pk for step in delete if step.pk]).delete()
    kept = [step for step in steps if step not in delete]
    numbers = [step.step_no for step in kept]
    if len(numbers) != len(set(numbers)):
        raise ValidationError(_("Each step No. appears once per activity."))
    for step in kept:
        step.activity = activity
    # Numbers may move between steps in one save (1 and 2 swapped): the steps whose
    # number changes step out of the way first, so that each statement keeps the
    # numbers unique.
    stored_numbers = dict(
        ActivityStep.objects.filter(pk__in=[step.pk for step in kept if step.pk]).values_list(
            "pk", "step_no"
        )
    )
    renumbered = [s.pk for s in kept if s.pk and stored_numbers.get(s.pk) != s.step_no]
    if renumbered:
        ActivityStep.objects.filter(pk__in=renumbered).update(
            step_no=F("step_no") + STEP_NO_PARKING
        )
    for step in kept:
        validate_record(step)
        write_record(step, user=user)
    return activity


def _history_user(task, user):
    if getattr(user, "pk", None):
        task._history_user = user


def check_selectable(salesperson, field="salesperson"):
    if salesperson is not None and salesperson.blocked:
        raise ValidationError(
            {field: _("Salesperson %(code)s is blocked.") % {"code": salesperson.code}}
        )


def sees_all_tasks(user) -> bool:
    """``user`` may see and change every task (marketing staff and manager); ``None``
    is the system itself (a command, a job)."""
    return user is None or user.has_perm("activities.view_all_tasks")


def check_task_access(task: Task, user, *, completing: bool = False) -> None:
    """Who may change which task (docs/activities.md): with ``activities.change_task``,
    every task for those who see all tasks; otherwise only the user's own tasks (their
    salesperson's single and member tasks). A team task of their team a member may
    complete (naming who did it) but not change, cancel, reopen or delete: that
    closes every member's task, which is for those who manage all tasks."""
    if user is None:
        return
    if not user.has_perm("activities.change_task"):
        raise PermissionDenied(_("You may not change tasks."))
    if sees_all_tasks(user):
        return
    if task.salesperson_id is not None:
        if Salesperson.objects.filter(pk=task.salesperson_id, user=user).exists():
            return
    elif completing and task.team_id is not None:
        if TeamMember.objects.filter(team_id=task.team_id, salesperson__user=user).exists():
            return
    raise PermissionDenied(
        _("Task %(no)s is not yours: you may change only your own tasks.") % {"no": task.no}
    )


def _check_own_salesperson(salesperson, user) -> None:
    """Those who do not see all tasks give tasks only to their own salesperson."""
    if salesperson is None or sees_all_tasks(user):
        return
    if salesperson.user_id != user.pk:
        raise PermissionDenied(
            _("You may give tasks only to your own salesperson, not to %(code)s.")
            % {"code": salesperson.code}
        )


def _lock_task(task) -> Task:
    record_arg(task, Task)
    return lock_stored(task)


@transaction.atomic
def create_task(
    *,
    salesperson,
    description: str,
    date=None,
    user=None,
    no: str = "",
    type: str = TaskType.BLANK,  # noqa: A002
    priority: str = Priority.NORMAL,
    status: str = TaskStatus.NOT_STARTED,
    campaign=None,
    contact=None,
    segment=None,
) -> Task:
    """Create a single task by hand: it is for a salesperson, never a team (only
    activities go to teams). It starts open; complete it with ``complete_task``."""
    if user is not None and not user.has_perm("activities.add_task"):
        raise PermissionDenied(_("You may not create tasks."))
    if salesperson is None:
        raise ValidationError(
            {
                "salesperson": _(
                    "A task created by hand is for a salesperson. To give work to a team, "
                    "assign an activity to the team."
                )
            }
        )
    record_arg(salesperson, Salesperson, label=_("The salesperson"))
    record_arg(campaign, Campaign, label=_("Campaign"), allow_none=True)
    record_arg(contact, Contact, label=_("Contact"), allow_none=True)
    segment_model = Task._meta.get_field("segment").related_model
    record_arg(segment, segment_model, label=_("Segment"), allow_none=True)
    date = date_arg(date, label=_("Date"), key="date", allow_none=True)
    check_selectable(salesperson)
    _check_own_salesperson(salesperson, user)
    if status == TaskStatus.COMPLETED:
        raise ValidationError(
            {"status": _("A new task cannot be completed yet: create it, then complete it.")}
        )
    task = Task(
        no=no,
        salesperson=salesperson,
        description=description,
        date=date or timezone.localdate(),
        type=type,
        priority=priority,
        status=status,
        campaign=campaign,
        contact=contact,
        segment=segment,
    )
    validate_record(task)
    write_record(task, user=user)
    return task


@transaction.atomic
def save_task(*, task: Task, user=None, version: str | None = None) -> Task:
    """Save an edited task (validated, checked against ``version``); completing,
    reopening and canceling go through their own services."""
    record_arg(task, Task)
    old = lock_stored(task, version=version)
    check_task_access(old, user)
    if task.status == TaskStatus.COMPLETED and not old.closed:
        raise ValidationError({"status": _("Use Complete to complete the task.")})
    if old.closed and task.status != TaskStatus.COMPLETED:
        raise ValidationError({"status": _("Use Reopen to reopen the closed task.")})
    if task.closed != old.closed or task.canceled != old.canceled:
        raise ValidationError(_("Use Complete, Cancel or Reopen to close or reopen a task."))
    if task.is_single_task and task.salesperson_id is None:
        raise ValidationError({"salesperson": _("A single task needs a salesperson.")})
    if (task.team_id, task.team_task_id) != (old.team_id, old.team_task_id) or (
        old.team_id is not None and task.salesperson_id != old.salesperson_id
    ):
        raise ValidationError(
            _("The team and salesperson of a team assignment's task do not change here.")
        )
    validate_record(task, stored=old)
    if task.salesperson_id != old.salesperson_id:
        _check_own_salesperson(task.salesperson, user)
    write_record(task, stored=old, user=user)
    return task


@transaction.atomic
def delete_task(*, task: Task, user=None) -> None:
    """Delete a task (a team task with its members' tasks)."""
    old = _lock_task(task)
    check_task_access(old, user)
    if user is not None and not user.has_perm("activities.delete_task"):
        raise PermissionDenied(_("You may not delete tasks."))
    delete_record(instance=old, user=user)


def _close_members(task: Task, *, user, canceled: bool, completed_by=None) -> int:
    """Close the open tasks of ``task``'s team members with it (one UPDATE)."""
    members = Task.objects.filter(team_task=task, closed=False)
    ids = list(members.values_list("pk", flat=True))
    if not ids:
        return 0
    changes = {
        "closed": True,
        "status": TaskStatus.COMPLETED,
        "date_closed": task.date_closed,
    }
    if canceled:
        changes["canceled"] = True
    else:
        changes["completed_by"] = completed_by
    Task.objects.filter(pk__in=ids).update(**changes)
    record_history(Task.objects.filter(pk__in=ids), user=user, history_type="~")
    return len(ids)


@transaction.atomic
def complete_task(*, task: Task, user=None, completed_by=None) -> Task:
    """Complete (and so close) ``task``; a team task needs who completed it.

    Completing a team task also completes its team members' open tasks.
    """
    task = _lock_task(task)
    check_task_access(task, user, completing=True)
    if completed_by is not None:
        record_arg(completed_by, Salesperson, label=_("Completed by"))
        if (
            task.is_team_task
            and not TeamMember.objects.filter(
                team_id=task.team_id, salesperson=completed_by
            ).exists()
        ):
            raise ValidationError(
                {
                    "completed_by": _("%(code)s is not a member of the team.")
                    % {"code": completed_by.code}
                }
            )
    if task.closed:
        raise ValidationError(_("Task %(no)s is already closed.") % {"no": task.no})
    if task.is_team_task and completed_by is None:
        raise ValidationError(
            {
                "completed_by": _("Team task %(no)s needs Completed by to be closed.")
                % {"no": task.no}
            }
        )
    task.status = TaskStatus.COMPLETED
    task.closed = True
    task.date_closed = timezone.localdate()
    task.completed_by = completed_by or task.salesperson
    _history_user(task, user)
    task.save()
    if task.is_team_task:
        _close_members(task, user=user, canceled=False, completed_by=task.completed_by)
    return task


@transaction.atomic
def reopen_task(*, task: Task, user=None) -> Task:
    """Reopen a closed (completed or canceled) task: it is *in progress* again."""
    task = _lock_task(task)
    check_task_access(task, user)
    if not task.closed:
        raise ValidationError(_("Task %(no)s is not closed.") % {"no": task.no})
    task.status = TaskStatus.IN_PROGRESS
    task.closed = False
    task.canceled = False
    task.date_closed = None
    task.completed_by = None
    _history_user(task, user)
    task.save()
    return task


@transaction.atomic
def cancel_task(*, task: Task, user=None) -> Task:
    """Cancel ``task``, which closes it (a canceled team task needs no Completed by).

    Canceling a team task also cancels its team members' open tasks.
    """
    task = _lock_task(task)
    check_task_access(task, user)
    if task.canceled:
        raise ValidationError(_("Task %(no)s is already canceled.") % {"no": task.no})
    task.canceled = True
    if not task.closed:
        task.closed = True
        task.status = TaskStatus.COMPLETED
        task.date_closed = timezone.localdate()
    _history_user(task, user)
    task.save()
    if task.is_team_task:
        _close_members(task, user=user, canceled=True)
    return task


def record_history(queryset, *, user=None, history_type="+") -> int:
    """Write the history rows of the tasks in ``queryset`` (one INSERT … SELECT),
    as django-simple-history would for each saved task."""
    historical = Task.history.model
    fields = [f for f in Task._meta.concrete_fields]
    annotations = {f"h_{f.name}": F(f.attname) for f in fields}
    annotations["h_history_date"] = typed_value(historical, "history_date", timezone.now())
    annotations["h_history_type"] = typed_value(historical, "history_type", history_type)
    annotations["h_history_user"] = typed_value(
        historical, "history_user", getattr(user, "pk", None) or None
    )
    names = [*(f.name for f in fields), "history_date", "history_type", "history_user"]
    return insert_from_select(
        historical, {name: f"h_{name}" for name in names}, queryset.annotate(**annotations)
    )
