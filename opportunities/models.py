"""Sales cycles with their stages, opportunities and the opportunity entries that
record every stage change (docs/opportunities.md; NAV's Relationship Management
opportunities).

An opportunity starts *not started*; moving it to its first stage makes it *in
progress*; closing it makes it *won* or *lost*. Each change writes an
``OpportunityEntry`` (only the newest one is *active*) and copies its figures
(estimated value, chances of success %, probability %, calculated current value,
estimated closing date) to the opportunity, so lists and statistics read the
opportunity alone. The figures change only through ``opportunities.services``.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from activities.models import Activity, Priority
from campaigns.models import Campaign
from contacts.models import Contact
from core.fields import CodeField, DateFormulaField
from core.models import CardUrlMixin, NumberedModel
from salespeople.models import Salesperson

PERCENT = [MinValueValidator(0), MaxValueValidator(100)]


def percent_field(verbose_name, **kwargs):
    kwargs.setdefault("default", 0)
    return models.DecimalField(
        verbose_name, max_digits=5, decimal_places=2, validators=PERCENT, **kwargs
    )


def amount_field(verbose_name, **kwargs):
    kwargs.setdefault("default", 0)
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, **kwargs)


class ProbabilityCalculation(models.TextChoices):
    MULTIPLY = "multiply", _("Multiply")
    ADD = "add", pgettext_lazy("probability calculation", "Add")
    CHANCES_OF_SUCCESS = "chances", _("Chances of success %")
    COMPLETED = "completed", _("Completed %")


class OpportunityStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class ActionTaken(models.TextChoices):
    NEXT = "next", _("Next")
    PREVIOUS = "previous", _("Previous")
    SKIP = "skip", _("Skip")
    JUMP = "jump", _("Jump")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class SalesCycle(CardUrlMixin, models.Model):
    """The stages an opportunity goes through (e.g. initial contact, presentation,
    proposal, negotiation) and how its probability is calculated from them."""

    url_key = "code"

    code = CodeField(_("code"), max_length=10, unique=True)
    description = models.CharField(_("description"), max_length=100)
    probability_calculation = models.CharField(
        _("probability calculation"),
        max_length=10,
        choices=ProbabilityCalculation.choices,
        default=ProbabilityCalculation.MULTIPLY,
        help_text=_(
            "How the probability % follows from the chances of success % and the stage's "
            "completed %: multiply (chances × completed / 100), add ((chances + completed) / 2), "
            "or one of the two alone."
        ),
    )
    blocked = models.BooleanField(
        _("blocked"),
        default=False,
        help_text=_("A blocked sales cycle cannot be chosen on a new opportunity."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sales cycle")
        verbose_name_plural = _("sales cycles")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.description}"


class SalesCycleStage(models.Model):
    """One stage of a sales cycle: how far along an opportunity in it is, the activity
    assigned when an opportunity reaches it, and when it is expected to close."""

    sales_cycle = models.ForeignKey(
        SalesCycle, verbose_name=_("sales cycle"), on_delete=models.CASCADE, related_name="stages"
    )
    stage = models.PositiveIntegerField(_("stage No."), validators=[MinValueValidator(1)])
    description = models.CharField(_("description"), max_length=100)
    completed_percent = percent_field(_("completed %"))
    activity = models.ForeignKey(
        Activity,
        verbose_name=_("activity"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sales_cycle_stages",
        help_text=_("Assigned to the opportunity's salesperson when it reaches this stage."),
    )
    quote_required = models.BooleanField(_("quote required"), default=False)
    allow_skip = models.BooleanField(
        _("allow skip"),
        default=False,
        help_text=_("Opportunities may pass over this stage on the way to a later one."),
    )
    date_formula = DateFormulaField(
        _("date formula"),
        help_text=_(
            "The estimated closing date from the date the opportunity reaches this stage, "
            "e.g. 1W, 1M, CM (end of month). Blank: that date itself."
        ),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sales cycle stage")
        verbose_name_plural = _("sales cycle stages")
        ordering = ["sales_cycle", "stage"]
        constraints = [
            models.UniqueConstraint(
                fields=["sales_cycle", "stage"],
                name="sales_cycle_stage_once",
                violation_error_message=_("Each stage No. appears once per sales cycle."),
            ),
            models.CheckConstraint(
                condition=Q(completed_percent__gte=0, completed_percent__lte=100),
                name="sales_cycle_stage_completed_0_100",
                violation_error_message=_("Completed % must be between 0 and 100."),
            ),
        ]

    def __str__(self):
        return f"{self.stage} {self.description}"

    def get_absolute_url(self):
        return self.sales_cycle.get_absolute_url()


class OpportunityQuerySet(models.QuerySet):
    def visible_to(self, user):
        """All opportunities with ``opportunities.view_all_opportunities``, otherwise
        only those of the user's own salesperson."""
        if user.has_perm("opportunities.view_all_opportunities"):
            return self
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(salesperson__user=user)

    def open(self):
        return self.filter(closed=False)


class Opportunity(CardUrlMixin, NumberedModel):
    """A chance to sell to a contact, worked through the stages of a sales cycle
    by a salesperson, often for a campaign."""

    number_series = "OPPORTUNITY"

    description = models.CharField(_("description"), max_length=100)
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    salesperson = models.ForeignKey(
        Salesperson,
        verbose_name=_("salesperson"),
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="opportunities",
    )
    sales_cycle = models.ForeignKey(
        SalesCycle,
        verbose_name=_("sales cycle"),
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=OpportunityStatus.choices,
        default=OpportunityStatus.NOT_STARTED,
        editable=False,
    )
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    creation_date = models.DateField(_("creation date"), default=timezone.localdate)
    closed = models.BooleanField(_("closed"), default=False, editable=False)
    date_closed = models.DateField(_("date closed"), null=True, blank=True, editable=False)
    current_stage = models.ForeignKey(
        SalesCycleStage,
        verbose_name=_("current stage"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    estimated_value = amount_field(
        _("estimated value"), validators=[MinValueValidator(0)], editable=False
    )
    chances_of_success_percent = percent_field(_("chances of success %"), editable=False)
    probability_percent = percent_field(_("probability %"), editable=False)
    calculated_current_value = amount_field(_("calculated current value"), editable=False)
    estimated_closing_date = models.DateField(
        _("estimated closing date"), null=True, blank=True, editable=False
    )

    history = HistoricalRecords()
    objects = OpportunityQuerySet.as_manager()

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        ordering = ["-no"]
        permissions = [
            ("view_all_opportunities", _("Can see the opportunities of every salesperson")),
        ]
        indexes = [
            models.Index(fields=["salesperson", "closed"], name="opportunity_salesperson_idx"),
            models.Index(fields=["campaign", "status"], name="opportunity_campaign_idx"),
            models.Index(fields=["contact", "closed"], name="opportunity_contact_idx"),
            models.Index(fields=["status"], name="opportunity_status_idx"),
            models.Index(fields=["sales_cycle", "status"], name="opportunity_cycle_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed=True, status__in=["won", "lost"])
                | Q(closed=False, status__in=["not_started", "in_progress"]),
                name="opportunity_closed_iff_won_or_lost",
                violation_error_message=_("An opportunity is closed exactly when won or lost."),
            ),
            models.CheckConstraint(
                condition=Q(closed=True, date_closed__isnull=False)
                | Q(closed=False, date_closed__isnull=True),
                name="opportunity_closed_has_date_closed",
                violation_error_message=_(
                    "A closed opportunity has a date closed, an open one none."
                ),
            ),
            models.CheckConstraint(
                condition=Q(estimated_value__gte=0),
                name="opportunity_estimated_value_not_negative",
                violation_error_message=_("The estimated value may not be negative."),
            ),
            models.CheckConstraint(
                condition=Q(chances_of_success_percent__gte=0, chances_of_success_percent__lte=100)
                & Q(probability_percent__gte=0, probability_percent__lte=100),
                name="opportunity_percentages_0_100",
                violation_error_message=_("Percentages must be between 0 and 100."),
            ),
        ]

    def __str__(self):
        return f"{self.no} {self.description}"

    @property
    def is_started(self) -> bool:
        return self.status != OpportunityStatus.NOT_STARTED


class OpportunityEntry(models.Model):
    """One change of an opportunity's stage (or its close) with the figures it set.
    Only the newest entry of an opportunity is active."""

    opportunity = models.ForeignKey(
        Opportunity,
        verbose_name=_("opportunity"),
        on_delete=models.CASCADE,
        related_name="entries",
    )
    stage = models.ForeignKey(
        SalesCycleStage,
        verbose_name=_("stage"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
    )
    date_of_change = models.DateField(_("date of change"))
    action_taken = models.CharField(_("action taken"), max_length=10, choices=ActionTaken.choices)
    estimated_value = amount_field(_("estimated value"), validators=[MinValueValidator(0)])
    chances_of_success_percent = percent_field(_("chances of success %"))
    completed_percent = percent_field(_("completed %"))
    probability_percent = percent_field(_("probability %"))
    calculated_current_value = amount_field(_("calculated current value"))
    estimated_close_date = models.DateField(_("estimated close date"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("opportunity entry")
        verbose_name_plural = _("opportunity entries")
        ordering = ["opportunity", "id"]
        indexes = [
            models.Index(fields=["opportunity", "active"], name="opportunity_entry_active_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity"],
                condition=Q(active=True),
                name="opportunity_entry_one_active",
                violation_error_message=_("An opportunity has one active entry."),
            ),
        ]

    def __str__(self):
        return f"{self.opportunity_id}/{self.pk} {self.get_action_taken_display()}"
