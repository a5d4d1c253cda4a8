"""Segments, their lines, criteria actions and history (docs/segments.md)."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from campaigns.models import (
    Campaign,
    Evaluation,
    InformationFlow,
    InitiatedBy,
    InteractionTemplate,
)
from contacts.models import Contact, CorrespondenceType, Language
from core.fields import CodeField
from core.models import CardUrlMixin, NumberedModel
from salespeople.models import Salesperson

TARGET_NEEDS_CAMPAIGN = Q(campaign__isnull=False) | Q(
    campaign_target=False, campaign_response=False
)


class Segment(CardUrlMixin, NumberedModel):
    """A selection of contacts for a campaign action (a mailing, a call round)."""

    number_series = "SEGMENT"

    description = models.CharField(_("description"), max_length=100, blank=True)
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="segments",
    )
    salesperson = models.ForeignKey(
        Salesperson,
        verbose_name=_("salesperson"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="segments",
    )
    date = models.DateField(_("date"), default=timezone.localdate)
    interaction_template = models.ForeignKey(
        InteractionTemplate,
        verbose_name=_("interaction template"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_(
            "Choosing a template copies its cost, duration, correspondence type and flags."
        ),
    )
    correspondence_type = models.CharField(
        _("correspondence type (default)"),
        max_length=10,
        choices=CorrespondenceType.choices,
        blank=True,
        default=CorrespondenceType.BLANK,
    )
    subject = models.CharField(_("subject (default)"), max_length=100, blank=True)
    language = models.CharField(
        _("language (default)"), max_length=5, choices=Language.choices, blank=True
    )
    unit_cost = models.DecimalField(
        _("unit cost"),
        max_digits=12,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    unit_duration = models.DecimalField(
        _("unit duration (min.)"),
        max_digits=10,
        decimal_places=1,
        default=0,
        validators=[MinValueValidator(0)],
    )
    campaign_target = models.BooleanField(
        _("campaign target"),
        default=False,
        help_text=_("The contacts get the campaign's activated prices and discounts."),
    )
    campaign_response = models.BooleanField(
        _("campaign response"),
        default=False,
        help_text=_("The interactions logged from this segment are responses to the campaign."),
    )
    information_flow = models.CharField(
        _("information flow"), max_length=10, choices=InformationFlow.choices, blank=True
    )
    initiated_by = models.CharField(
        _("initiated by"), max_length=10, choices=InitiatedBy.choices, blank=True
    )
    line_count = models.PositiveIntegerField(_("No. of lines"), default=0, editable=False)
    # The lines' cost and duration added up, kept with the line count by the services
    # (docs/segments.md, Totals): the card of a segment of millions of lines shows
    # them without reading its lines.
    cost_total = models.DecimalField(
        _("total cost"), max_digits=18, decimal_places=2, default=0, editable=False
    )
    duration_total = models.DecimalField(
        _("total duration (min.)"), max_digits=16, decimal_places=1, default=0, editable=False
    )

    history = HistoricalRecords(excluded_fields=["line_count", "cost_total", "duration_total"])

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["-no"]
        constraints = [
            models.CheckConstraint(
                condition=TARGET_NEEDS_CAMPAIGN,
                name="segment_target_needs_campaign",
                violation_error_message=_(
                    "Campaign target and campaign response can only be set with a campaign."
                ),
            )
        ]

    def __str__(self):
        return f"{self.no} {self.description}".strip()


class SegmentLineFields(models.Model):
    """The fields a segment line takes from its header; kept again in the history."""

    interaction_template = models.ForeignKey(
        InteractionTemplate,
        verbose_name=_("interaction template"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    campaign_target = models.BooleanField(_("campaign target"), default=False)
    campaign_response = models.BooleanField(_("campaign response"), default=False)
    salesperson = models.ForeignKey(
        Salesperson,
        verbose_name=_("salesperson"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    correspondence_type = models.CharField(
        _("correspondence type"),
        max_length=10,
        choices=CorrespondenceType.choices,
        blank=True,
        default=CorrespondenceType.BLANK,
    )
    subject = models.CharField(_("subject"), max_length=100, blank=True)
    date = models.DateField(_("date"), null=True, blank=True)
    cost = models.DecimalField(
        _("cost"), max_digits=12, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    duration = models.DecimalField(
        _("duration (min.)"),
        max_digits=10,
        decimal_places=1,
        default=0,
        validators=[MinValueValidator(0)],
    )
    evaluation = models.CharField(
        _("evaluation"), max_length=15, choices=Evaluation.choices, blank=True
    )

    class Meta:
        abstract = True


class SegmentLineQuerySet(models.QuerySet):
    def of_segment_in_order(self, segment):
        """The lines of ``segment`` in No. order, read from the index on (segment, id).

        The segment is given as a range: PostgreSQL takes "segment = …" as a constant,
        orders by id alone and walks the primary key past every other segment's lines
        (slow for a segment at the end of a table of a million lines, and growing with
        it); "segment >= … and <= …" ordered by (segment, id) leaves the composite index
        as the only ordered path.
        """
        return self.filter(segment_id__gte=segment.pk, segment_id__lte=segment.pk).order_by(
            "segment_id", "id"
        )


class SegmentLine(SegmentLineFields):
    """One contact in a segment (at most once)."""

    segment = models.ForeignKey(
        Segment, verbose_name=_("segment"), on_delete=models.CASCADE, related_name="lines"
    )
    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), on_delete=models.CASCADE, related_name="segment_lines"
    )
    contact_company = models.ForeignKey(
        Contact,
        verbose_name=_("contact company No."),
        on_delete=models.CASCADE,
        related_name="+",
    )
    added_by = models.ForeignKey(
        "SegmentCriteriaAction",
        verbose_name=_("added by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="added_lines",
    )

    objects = SegmentLineQuerySet.as_manager()

    class Meta:
        verbose_name = _("segment line")
        verbose_name_plural = _("segment lines")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["segment", "contact"],
                name="segment_line_contact_once",
                violation_error_message=_("A contact appears at most once per segment."),
            ),
            models.CheckConstraint(
                condition=TARGET_NEEDS_CAMPAIGN,
                name="segment_line_target_needs_campaign",
                violation_error_message=_(
                    "Campaign target and campaign response can only be set with a campaign."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "campaign_target"], name="segment_line_campaign_idx"),
            models.Index(fields=["contact_company"], name="segment_line_company_idx"),
            models.Index(fields=["segment", "added_by"], name="segment_line_added_by_idx"),
            # The segment card's lines in No. order, a page at a time, straight
            # from the index (keyset: WHERE segment = … AND id > … ORDER BY id).
            models.Index(fields=["segment", "id"], name="segment_line_page_idx"),
        ]

    def __str__(self):
        return f"{self.segment_id}: {self.contact_id}"


class CriteriaActionType(models.TextChoices):
    ADD = "add", _("Add contacts")
    REDUCE = "reduce", _("Reduce contacts")
    REFINE = "refine", _("Refine contacts")


class CriteriaFields(models.Model):
    """An action with its filters and options, as run or as saved for reuse."""

    action = models.CharField(_("action"), max_length=10, choices=CriteriaActionType.choices)
    filters = models.JSONField(_("filters"), default=dict)
    allow_existing = models.BooleanField(_("allow existing contacts"), default=False)
    expand_companies = models.BooleanField(_("expand companies"), default=False)
    allow_related_companies = models.BooleanField(_("allow related companies"), default=False)
    ignore_exclusion = models.BooleanField(_("ignore exclusion"), default=False)
    entire_companies = models.BooleanField(_("entire companies"), default=False)

    class Meta:
        abstract = True

    OPTIONS = [
        "allow_existing",
        "expand_companies",
        "allow_related_companies",
        "ignore_exclusion",
        "entire_companies",
    ]

    def options(self) -> dict:
        return {name: getattr(self, name) for name in self.OPTIONS}

    def option_labels(self) -> list[str]:
        """The verbose names of the options that are on, for the card."""
        return [
            str(self._meta.get_field(name).verbose_name)
            for name in self.OPTIONS
            if getattr(self, name)
        ]


class SegmentCriteriaAction(CriteriaFields):
    """One Add / Reduce / Refine run on a segment; Go back undoes the last one."""

    segment = models.ForeignKey(
        Segment,
        verbose_name=_("segment"),
        on_delete=models.CASCADE,
        related_name="criteria_actions",
    )
    sequence = models.PositiveIntegerField(_("No."))
    lines_added = models.PositiveIntegerField(_("lines added"), default=0)
    lines_removed = models.PositiveIntegerField(_("lines removed"), default=0)
    created_at = models.DateTimeField(_("run at"), auto_now_add=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("segment criteria action")
        verbose_name_plural = _("segment criteria actions")
        ordering = ["segment", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["segment", "sequence"], name="segment_criteria_action_sequence_once"
            )
        ]

    def __str__(self):
        return f"{self.segment_id} #{self.sequence} {self.get_action_display()}"


class SegmentHistory(SegmentLineFields):
    """A line removed by a criteria action, kept so that Go back restores it exactly.

    Added lines need no history row: they carry the action in ``added_by``.
    """

    action = models.ForeignKey(
        SegmentCriteriaAction,
        verbose_name=_("criteria action"),
        on_delete=models.CASCADE,
        related_name="removed_lines",
    )
    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), on_delete=models.CASCADE, related_name="+"
    )
    contact_company = models.ForeignKey(
        Contact, verbose_name=_("contact company No."), on_delete=models.CASCADE, related_name="+"
    )
    added_by = models.ForeignKey(
        SegmentCriteriaAction,
        verbose_name=_("added by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("segment history entry")
        verbose_name_plural = _("segment history")
        constraints = [
            models.UniqueConstraint(fields=["action", "contact"], name="segment_history_once")
        ]

    def __str__(self):
        return f"{self.action_id}: {self.contact_id}"


class SavedSegmentCriteria(CardUrlMixin, models.Model):
    """Criteria actions saved under a code to run again on another segment."""

    url_key = "code"

    code = CodeField(_("code"), max_length=10, unique=True)
    description = models.CharField(_("description"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("saved segment criteria")
        verbose_name_plural = _("saved segment criteria")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.description}".strip()


class SavedSegmentCriteriaAction(CriteriaFields):
    criteria = models.ForeignKey(
        SavedSegmentCriteria,
        verbose_name=_("saved criteria"),
        on_delete=models.CASCADE,
        related_name="actions",
    )
    sequence = models.PositiveIntegerField(_("No."))

    class Meta:
        verbose_name = _("saved criteria action")
        verbose_name_plural = _("saved criteria actions")
        ordering = ["criteria", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["criteria", "sequence"], name="saved_criteria_action_sequence_once"
            )
        ]

    def __str__(self):
        return f"{self.criteria_id} #{self.sequence} {self.get_action_display()}"


class LoggedSegment(CardUrlMixin, models.Model):
    """A segment that was logged: its interactions and campaign entries (docs/segments.md,
    Logged segments)."""

    url_key = "pk"

    segment_no = models.CharField(_("segment No."), max_length=20)
    description = models.CharField(_("description"), max_length=100)
    # The segment's language (default): its letters are in it, else in each contact's.
    language = models.CharField(
        _("language (default)"), max_length=5, choices=Language.choices, blank=True
    )
    date = models.DateField(_("date"), default=timezone.localdate)
    created_at = models.DateTimeField(_("logged at"), auto_now_add=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    canceled = models.BooleanField(_("canceled"), default=False)
    line_count = models.PositiveIntegerField(_("No. of interactions"), default=0)
    emails_queued = models.PositiveIntegerField(_("e-mails to send"), default=0)

    class Meta:
        verbose_name = _("logged segment")
        verbose_name_plural = _("logged segments")
        ordering = ["-id"]
        permissions = [("log_segment", _("Can log segments"))]

    def __str__(self):
        return f"{self.pk} {self.segment_no} {self.description}"

    @property
    def entry_no(self) -> int:
        return self.pk
