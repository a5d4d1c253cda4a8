"""Activities (series of steps with date formulas) and the tasks salespeople carry
out (docs/activities.md).

A task is either

* a **single task**: for one salesperson (created by hand, or by assigning an
  activity to a salesperson);
* a **team task**: for a team, no salesperson (only assigning an activity to a
  team creates one), closed by naming who completed it;
* a **member task**: one per team member, linked to its team task.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from campaigns.models import Campaign
from contacts.models import Contact
from core.fields import CodeField, DateFormulaField
from core.models import CardUrlMixin, NumberedModel
from salespeople.models import Salesperson, Team, TeamMember


class TaskType(models.TextChoices):
    BLANK = "", _("(blank)")
    MEETING = "meeting", _("Meeting")
    PHONE_CALL = "phone_call", _("Phone call")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")


class TaskStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    WAITING = "waiting", _("Waiting")
    POSTPONED = "postponed", _("Postponed")


OPEN_STATUSES = [s for s in TaskStatus if s != TaskStatus.COMPLETED]


class Activity(CardUrlMixin, models.Model):
    """A series of steps (phone call, meeting, …) that becomes one task per step when
    it is assigned to a salesperson or team (e.g. a trade show follow-up)."""

    url_key = "code"

    code = CodeField(_("code"), max_length=10, unique=True)
    description = models.CharField(_("description"), max_length=100)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.description}"


class ActivityStep(models.Model):
    """One step of an activity; its task is dated ``date_formula(start date)``."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="steps"
    )
    step_no = models.PositiveIntegerField(
        _("step No."), validators=[MinValueValidator(1), MaxValueValidator(999_999)]
    )
    type = models.CharField(_("type"), max_length=12, choices=TaskType.choices, blank=True)
    description = models.CharField(_("description"), max_length=100)
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    date_formula = DateFormulaField(
        _("date formula"),
        help_text=_(
            "From the start date, e.g. 2D (2 days later), 1W, CM (end of month), "
            "WD1 (next Monday). Blank: the start date itself."
        ),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("activity step")
        verbose_name_plural = _("activity steps")
        ordering = ["activity", "step_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "step_no"],
                name="activity_step_no_once",
                violation_error_message=_("Each step No. appears once per activity."),
            )
        ]

    def __str__(self):
        return f"{self.activity_id}/{self.step_no} {self.description}"


class TaskQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The tasks ``user`` may see: all with ``activities.view_all_tasks``,
        otherwise those of their salesperson and of the teams it belongs to."""
        if user.has_perm("activities.view_all_tasks"):
            return self
        if not getattr(user, "is_authenticated", False):
            return self.none()
        in_team = TeamMember.objects.filter(team=OuterRef("team"), salesperson__user=user)
        return self.filter(Q(salesperson__user=user) | Q(Exists(in_team)))

    def of_salesperson(self, salesperson):
        """The salesperson's own tasks and the team tasks of their teams (My tasks)."""
        teams = TeamMember.objects.filter(salesperson=salesperson).values("team_id")
        return self.filter(
            Q(salesperson=salesperson) | Q(salesperson__isnull=True, team_id__in=teams)
        )

    def open(self):
        return self.filter(closed=False)


class Task(CardUrlMixin, NumberedModel):
    """Something a salesperson (or team) has to do for a campaign or contact: NAV's
    to-do. Completed ⇔ closed; canceling closes it (docs/activities.md)."""

    number_series = "TASK"

    description = models.CharField(_("description"), max_length=100)
    type = models.CharField(_("type"), max_length=12, choices=TaskType.choices, blank=True)
    date = models.DateField(_("date"), default=timezone.localdate)
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=12, choices=TaskStatus.choices, default=TaskStatus.NOT_STARTED
    )
    salesperson = models.ForeignKey(
        Salesperson,
        verbose_name=_("salesperson"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks",
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks",
    )
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks",
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks",
    )
    segment = models.ForeignKey(
        "segments.Segment",
        verbose_name=_("segment"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tasks",
    )
    # A string reference: opportunities is a higher app (docs/architecture.md).
    opportunity = models.ForeignKey(
        "opportunities.Opportunity",
        verbose_name=_("opportunity"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tasks",
    )
    closed = models.BooleanField(_("closed"), default=False)
    date_closed = models.DateField(_("date closed"), null=True, blank=True)
    canceled = models.BooleanField(_("canceled"), default=False)
    completed_by = models.ForeignKey(
        Salesperson,
        verbose_name=_("completed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    team_task = models.ForeignKey(
        "self",
        verbose_name=_("team task"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="member_tasks",
        help_text=_("The team task this team member's task belongs to."),
    )
    activity = models.ForeignKey(
        Activity,
        verbose_name=_("activity"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tasks",
    )
    # Marks the tasks created by one "assign activity": set-based creation finds
    # the team tasks it just inserted by it.
    assignment = models.UUIDField(_("assignment"), null=True, blank=True, editable=False)

    history = HistoricalRecords()
    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["date", "no"]
        permissions = [
            ("view_all_tasks", _("Can see the tasks of every salesperson")),
            ("assign_activity", _("Can assign activities")),
        ]
        indexes = [
            models.Index(fields=["salesperson", "closed", "date"], name="task_salesperson_idx"),
            models.Index(fields=["team", "closed", "date"], name="task_team_idx"),
            models.Index(fields=["campaign", "salesperson"], name="task_campaign_idx"),
            models.Index(fields=["contact", "date"], name="task_contact_idx"),
            models.Index(fields=["status", "date"], name="task_status_idx"),
            models.Index(fields=["closed", "date"], name="task_closed_idx"),
            models.Index(fields=["date"], name="task_date_idx"),
            models.Index(fields=["assignment"], name="task_assignment_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=TaskStatus.COMPLETED, closed=True)
                | (~Q(status=TaskStatus.COMPLETED) & Q(closed=False)),
                name="task_completed_iff_closed",
                violation_error_message=_("A task is closed exactly when it is completed."),
            ),
            models.CheckConstraint(
                condition=Q(closed=True, date_closed__isnull=False)
                | Q(closed=False, date_closed__isnull=True),
                name="task_closed_has_date_closed",
                violation_error_message=_("A closed task has a date closed, an open one none."),
            ),
            models.CheckConstraint(
                condition=Q(canceled=False) | Q(closed=True),
                name="task_canceled_is_closed",
                violation_error_message=_("A canceled task is closed."),
            ),
            models.CheckConstraint(
                condition=Q(salesperson__isnull=False) | Q(team__isnull=False),
                name="task_has_salesperson_or_team",
                violation_error_message=_("A task is for a salesperson or a team."),
            ),
            models.CheckConstraint(
                condition=Q(team_task__isnull=True) | Q(salesperson__isnull=False),
                name="task_member_task_has_salesperson",
                violation_error_message=_("A team member's task names the salesperson."),
            ),
            models.CheckConstraint(
                condition=Q(closed=False)
                | Q(canceled=True)
                | Q(salesperson__isnull=False)
                | Q(completed_by__isnull=False),
                name="task_team_task_closed_by_someone",
                violation_error_message=_("A team task needs Completed by to be closed."),
            ),
        ]

    def __str__(self):
        return f"{self.no} {self.description}"

    @property
    def is_team_task(self) -> bool:
        return self.team_id is not None and self.salesperson_id is None

    @property
    def is_single_task(self) -> bool:
        return self.team_id is None
