"""*Assign activity* (docs/activities.md): one task per step, per contact, for a
salesperson or a team (a team task per contact and step, and a task per member linked
to it). Set-based: one ``INSERT … SELECT`` per step, per team member and for the
history, whatever the number of contacts; the task numbers are a block reserved from
the TASK number series (``core.numbering``) and computed in SQL."""

import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from activities.models import Activity, Task, TaskStatus
from activities.services.tasks import check_selectable, record_history
from campaigns.models import Campaign
from contacts.models import Contact
from core import audit
from core.arguments import date_arg, record_arg
from core.date_formulas import apply_formula
from core.models import AuditAction
from core.numbering import reserve_numbers
from core.sql import insert_from_select, typed_value
from salespeople.models import Salesperson, Team


@dataclass
class AssignResult:
    tasks: int
    contacts: int
    steps: int
    team_tasks: int = 0


def _contact_source(contacts, segment):
    """The rows to create a set of tasks for, and the count: contacts, or one row
    without a contact."""
    if contacts is not None:
        if isinstance(contacts, models.QuerySet):
            source = Contact.objects.filter(pk__in=contacts.order_by().values("pk"))
        else:
            source = Contact.objects.filter(pk__in=[getattr(c, "pk", c) for c in contacts])
    elif segment is not None:
        source = Contact.objects.filter(segment_lines__segment=segment)
    else:
        return None, 1
    return source, source.count()


@transaction.atomic
def assign_activity(
    *,
    activity: Activity,
    start_date,
    salesperson=None,
    team=None,
    campaign=None,
    contacts=None,
    segment=None,
    opportunity=None,
    user=None,
) -> AssignResult:
    """Create one task per step of ``activity`` for ``salesperson`` or ``team``.

    Each task is dated ``step.date_formula(start_date)`` (every step from the same
    start date) and carries the campaign, contact, segment and opportunity. With
    ``contacts`` (or a ``segment``, whose lines' contacts are used) there is one set
    of tasks per contact. For a team, each step gives a team task per contact plus one task
    per team member linked to it.
    """
    record_arg(activity, Activity, label=_("Activity"))
    start_date = date_arg(start_date, label=_("Start date"), key="start_date")
    record_arg(salesperson, Salesperson, label=_("Salesperson"), allow_none=True)
    record_arg(team, Team, label=_("Team"), allow_none=True)
    record_arg(campaign, Campaign, label=_("Campaign"), allow_none=True)
    for name, value in (("segment", segment), ("opportunity", opportunity)):
        related = Task._meta.get_field(name).related_model  # apps above this one
        record_arg(value, related, label=capfirst(related._meta.verbose_name), allow_none=True)
    if contacts is not None:
        if isinstance(contacts, str | bytes | dict) or not hasattr(contacts, "__iter__"):
            raise ValidationError(_("Contacts: not a list of contacts."))
        contacts = list(contacts)
        for contact in contacts:
            record_arg(contact, Contact, label=_("Contact"))
    if (salesperson is None) == (team is None):
        raise ValidationError(
            _("Choose a salesperson or a team to assign the activity to (exactly one).")
        )
    check_selectable(salesperson)
    steps = list(activity.steps.order_by("step_no"))
    if not steps:
        raise ValidationError(
            _("Activity %(code)s has no steps: add steps first.") % {"code": activity.code}
        )
    members = []
    if team is not None:
        members = list(team.members.filter(blocked=False).order_by("code"))
        if not members:
            raise ValidationError(
                _("Team %(code)s has no salespeople that are not blocked.") % {"code": team.code}
            )
    if segment is not None and campaign is None:
        campaign = segment.campaign
    source, contact_count = _contact_source(contacts, segment)
    if contact_count == 0:
        raise ValidationError(_("There are no contacts to create tasks for."))

    sets = len(steps) * contact_count
    total = sets * (1 + len(members))
    numbers = reserve_numbers(Task.number_series, total, model=Task)
    token = uuid.uuid4()
    source_is_contacts = source is not None
    if source is None:  # one set without a contact: any single row will do as source
        source = Activity.objects.filter(pk=activity.pk)
        contact_column = typed_value(Task, "contact", None)
    else:
        contact_column = F("pk")

    common = {
        "status": typed_value(Task, "status", TaskStatus.NOT_STARTED),
        "closed": typed_value(Task, "closed", False),
        "canceled": typed_value(Task, "canceled", False),
        "salesperson": typed_value(Task, "salesperson", salesperson),
        "team": typed_value(Task, "team", team),
        "campaign": typed_value(Task, "campaign", campaign),
        "segment": typed_value(Task, "segment", segment),
        "opportunity": typed_value(Task, "opportunity", opportunity),
        "activity": typed_value(Task, "activity", activity),
        "assignment": typed_value(Task, "assignment", token),
    }
    created = 0
    for index, step in enumerate(steps):
        row = {
            **common,
            "no": numbers.row_numbers(start=numbers.first + index * contact_count, order_by="pk"),
            "description": typed_value(
                Task, "description", step.description or activity.description
            ),
            "type": typed_value(Task, "type", step.type),
            "priority": typed_value(Task, "priority", step.priority),
            "date": typed_value(Task, "date", apply_formula(step.date_formula, start_date)),
            "contact": contact_column,
        }
        created += _insert(source.annotate(**{f"t_{k}": v for k, v in row.items()}), row)

    team_tasks = 0
    if members:
        team_tasks = created
        team_rows = Task.objects.filter(assignment=token, team_task__isnull=True)
        copied = ["description", "type", "date", "priority", "status", "closed", "canceled"]
        copied += ["team", "campaign", "contact", "segment", "opportunity", "activity"]
        copied += ["assignment"]
        for index, member in enumerate(members):
            row = {name: F(Task._meta.get_field(name).attname) for name in copied}
            row["no"] = numbers.row_numbers(start=numbers.first + (index + 1) * sets, order_by="pk")
            row["salesperson"] = typed_value(Task, "salesperson", member)
            row["team_task"] = F("pk")
            created += _insert(team_rows.annotate(**{f"t_{k}": v for k, v in row.items()}), row)

    if created != total:  # a No. was taken meanwhile (ON CONFLICT skipped the row)
        raise ValidationError(_("Task numbers were taken meanwhile. Please try again."))
    record_history(Task.objects.filter(assignment=token), user=user, history_type="+")
    audit.record(
        user,
        AuditAction.ACTIVITIES_ASSIGNED,
        segment or opportunity or campaign or activity,
        created,
        audit.message(
            gettext_noop("Activity %(code)s to %(to)s; contacts: %(contacts)d, steps: %(steps)d"),
            **{
                "code": activity.code,
                "to": salesperson.code if salesperson is not None else team.code,
                "contacts": contact_count if source_is_contacts else 0,
                "steps": len(steps),
            },
        ),
    )
    return AssignResult(
        tasks=created, contacts=contact_count, steps=len(steps), team_tasks=team_tasks
    )


def _insert(source, row) -> int:
    return insert_from_select(Task, {name: f"t_{name}" for name in row}, source)


def assignment_preview(*, activity: Activity, contact_count: int, team=None) -> dict:
    """How many tasks assigning ``activity`` would create (for a confirmation)."""
    record_arg(activity, Activity, label=_("Activity"))
    record_arg(team, Team, label=_("Team"), allow_none=True)
    if isinstance(contact_count, bool) or not isinstance(contact_count, int) or contact_count < 0:
        raise ValidationError(_("Contacts: not a number of contacts."))
    steps = activity.steps.count()
    members = team.members.filter(blocked=False).count() if team is not None else 0
    return {
        "steps": steps,
        "contacts": contact_count,
        "tasks": steps * contact_count * (1 + members),
    }
