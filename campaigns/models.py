"""Campaign status codes, campaigns, campaign entries, interaction templates and
interaction log entries (docs/campaigns.md)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from campaigns.rendering import check_language_version
from contacts.models import Contact, CorrespondenceType, Language
from core.fields import CodeField
from core.models import CardUrlMixin, CodeTable, NumberedModel
from salespeople.models import Salesperson


class InformationFlow(models.TextChoices):
    BLANK = "", _("(blank)")
    OUTBOUND = "outbound", _("Outbound")
    INBOUND = "inbound", _("Inbound")


class InitiatedBy(models.TextChoices):
    BLANK = "", _("(blank)")
    US = "us", _("Us")
    THEM = "them", _("Them")


class Evaluation(models.TextChoices):
    BLANK = "", _("(blank)")
    VERY_POSITIVE = "very_positive", _("Very positive")
    POSITIVE = "positive", _("Positive")
    NEUTRAL = "neutral", _("Neutral")
    NEGATIVE = "negative", _("Negative")
    VERY_NEGATIVE = "very_negative", _("Very negative")


class CampaignStage(models.TextChoices):
    """What a campaign status means for what may still be done (docs/campaigns.md)."""

    OPEN = "", _("Open")
    DONE = "done", _("Done")
    CANCELED = "canceled", _("Canceled")


class CampaignStatus(CodeTable):
    """A stage a campaign is in (e.g. 1-PLAN, 2-ACTIVE, 3-DONE); set up before campaigns.
    Its *stage* says whether a campaign with it is over (done or canceled)."""

    # Shown and edited on the code table's pages besides code and description.
    code_table_fields = ["stage"]

    stage = models.CharField(
        _("stage"),
        max_length=10,
        choices=CampaignStage.choices,
        blank=True,
        default=CampaignStage.OPEN,
        help_text=_(
            "Done or canceled: the campaign is over; activating its sales prices asks "
            "for a confirmation with a warning."
        ),
    )

    history = HistoricalRecords()

    class Meta(CodeTable.Meta):
        verbose_name = _("campaign status")
        verbose_name_plural = _("campaign statuses")


class CampaignQuerySet(models.QuerySet):
    def active_on(self, date):
        """Campaigns running on ``date`` (a blank date is open-ended)."""
        return self.filter(
            Q(starting_date__isnull=True) | Q(starting_date__lte=date),
            Q(ending_date__isnull=True) | Q(ending_date__gte=date),
        )

    def activated(self):
        return self.filter(activated=True)


class Campaign(CardUrlMixin, NumberedModel):
    """A marketing campaign: a period, a status, a salesperson, and (later) its
    segments, prices, entries, tasks and statistics."""

    number_series = "CAMPAIGN"

    description = models.CharField(_("description"), max_length=100)
    starting_date = models.DateField(_("starting date"), null=True, blank=True)
    ending_date = models.DateField(_("ending date"), null=True, blank=True)
    salesperson = models.ForeignKey(
        Salesperson,
        verbose_name=_("salesperson"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="campaigns",
    )
    status = models.ForeignKey(
        CampaignStatus,
        verbose_name=_("status code"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="campaigns",
    )
    last_date_modified = models.DateField(_("last date modified"), auto_now=True)
    activated = models.BooleanField(
        _("activated"),
        default=False,
        editable=False,
        help_text=_("Its sales prices and line discounts apply to its target group."),
    )
    # Kept by pricing's services whenever they rebuild or remove the target group,
    # so the card does not count 200,000 target rows on every view.
    target_count = models.PositiveIntegerField(_("targets"), default=0, editable=False)
    # What the campaign cost besides its interactions (print, media, an agency): counted
    # in its cost and ROI (docs/statistics.md).
    budget_cost = models.DecimalField(
        _("budget cost"),
        max_digits=14,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(0)],
        help_text=_(
            "What the campaign costs besides its interactions (printing, media, an agency); "
            "added to the interaction cost in its statistics and ROI."
        ),
    )

    history = HistoricalRecords(excluded_fields=["last_date_modified", "target_count"])
    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-no"]
        indexes = [
            models.Index(fields=["starting_date", "ending_date"], name="campaign_dates_idx"),
            models.Index(fields=["activated"], name="campaign_activated_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(starting_date__isnull=True)
                | Q(ending_date__isnull=True)
                | Q(starting_date__lte=models.F("ending_date")),
                name="campaign_start_not_after_end",
                violation_error_message=_("The starting date may not be after the ending date."),
            )
        ]

    def __str__(self):
        return f"{self.no} {self.description}"

    @property
    def is_over(self) -> bool:
        """Its status is done or canceled (load the status with the campaign)."""
        return self.status_id is not None and self.status.stage in {
            CampaignStage.DONE,
            CampaignStage.CANCELED,
        }


class InteractionTemplate(CardUrlMixin, models.Model):
    """How an interaction is logged (a letter, an e-mail, a phone call, a response):
    its cost, duration, direction, campaign flags and its text per language."""

    url_key = "code"

    code = CodeField(_("code"), max_length=10, unique=True)
    description = models.CharField(_("description"), max_length=100)
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
    information_flow = models.CharField(
        _("information flow"), max_length=10, choices=InformationFlow.choices, blank=True
    )
    initiated_by = models.CharField(
        _("initiated by"), max_length=10, choices=InitiatedBy.choices, blank=True
    )
    correspondence_type = models.CharField(
        _("correspondence type (default)"),
        max_length=10,
        choices=CorrespondenceType.choices,
        blank=True,
    )
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="interaction_templates",
    )
    campaign_target = models.BooleanField(_("campaign target"), default=False)
    campaign_response = models.BooleanField(_("campaign response"), default=False)
    # The texts are its language versions (InteractionTemplateLanguage).
    default_language = models.CharField(
        _("language (default)"),
        max_length=5,
        choices=Language.choices,
        default=Language.ENGLISH,
        help_text=_("Contacts of a language without its own version get this one."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("interaction template")
        verbose_name_plural = _("interaction templates")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(campaign__isnull=False)
                | Q(campaign_target=False, campaign_response=False),
                name="interaction_template_target_needs_campaign",
                violation_error_message=_(
                    "Campaign target and campaign response can only be set with a campaign."
                ),
            )
        ]

    def __str__(self):
        return f"{self.code} {self.description}"


class InteractionTemplateLanguage(models.Model):
    """NAV's interaction template language: the subject and bodies of a template's
    letters and e-mails in one language, with merge fields (docs/campaigns.md)."""

    template = models.ForeignKey(
        InteractionTemplate,
        verbose_name=_("interaction template"),
        on_delete=models.CASCADE,
        related_name="languages",
    )
    language = models.CharField(_("language"), max_length=5, choices=Language.choices)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body_text = models.TextField(_("body (text)"), blank=True)
    body_html = models.TextField(
        _("body (HTML)"), blank=True, help_text=_("Optional: the e-mail as HTML.")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("interaction template language")
        verbose_name_plural = _("interaction template languages")
        ordering = ["template", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "language"],
                name="interaction_template_language_unique",
                violation_error_message=_("The template has a version in this language already."),
            )
        ]

    def __str__(self):
        return str(self.get_language_display())

    def get_absolute_url(self):
        return self.template.get_absolute_url() + "#languages"

    def clean(self):
        check_language_version(self)


class CampaignEntryQuerySet(models.QuerySet):
    def canceled_matching(self, *, campaign=None, date_from=None, date_to=None, salesperson=None):
        """The canceled entries of the batch *Delete canceled campaign entries*: of
        ``campaign``, dated from ``date_from`` to ``date_to``, of ``salesperson`` (each
        filter only when given)."""
        entries = self.filter(canceled=True)
        if campaign is not None:
            entries = entries.filter(campaign=campaign)
        if date_from is not None:
            entries = entries.filter(date__gte=date_from)
        if date_to is not None:
            entries = entries.filter(date__lte=date_to)
        if salesperson is not None:
            entries = entries.filter(salesperson=salesperson)
        return entries

    def with_figures(self):
        """Annotate No. of interactions, cost and duration from the entry's
        interactions that share its canceled state (docs/campaigns.md); postponed
        interactions are not logged yet and do not count."""
        # One correlated subquery per figure, not a join + GROUP BY: a list page
        # then adds up the interactions of its 50 entries only, not of every entry
        # (an entry of a logged 200,000-line segment has 200,000; docs/performance.md).
        interactions = (
            InteractionLogEntry.objects.filter(
                campaign_entry=models.OuterRef("pk"),
                canceled=models.OuterRef("canceled"),
                postponed=False,
            )
            .order_by()
            .values("campaign_entry")
        )

        def figure(aggregate, zero, output_field):
            total = interactions.annotate(figure=aggregate).values("figure")
            return Coalesce(models.Subquery(total), Value(zero), output_field=output_field)

        return self.annotate(
            interaction_count=figure(models.Count("id"), 0, models.IntegerField()),
            cost=figure(
                models.Sum("cost"),
                Decimal(0),
                models.DecimalField(max_digits=14, decimal_places=2),
            ),
            duration=figure(
                models.Sum("duration"),
                Decimal(0),
                models.DecimalField(max_digits=14, decimal_places=1),
            ),
        )


class CampaignEntry(CardUrlMixin, models.Model):
    """The interactions one action produced for a campaign (a logged segment, or
    single interactions)."""

    url_key = "pk"

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="entries"
    )
    description = models.CharField(_("description"), max_length=100)
    date = models.DateField(_("date"), default=timezone.localdate)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    segment_no = models.CharField(_("segment No."), max_length=20, blank=True)
    logged_segment = models.ForeignKey(
        "segments.LoggedSegment",
        verbose_name=_("logged segment"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="campaign_entries",
    )
    canceled = models.BooleanField(_("canceled"), default=False)
    salesperson = models.ForeignKey(
        Salesperson,
        verbose_name=_("salesperson"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = CampaignEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("campaign entry")
        verbose_name_plural = _("campaign entries")
        ordering = ["-id"]
        permissions = [("delete_campaign_entry", _("Can delete canceled campaign entries"))]
        indexes = [
            models.Index(fields=["campaign", "canceled"], name="campaign_entry_campaign_idx")
        ]

    def __str__(self):
        return f"{self.pk} {self.description}"

    @property
    def entry_no(self) -> int:
        return self.pk


class InteractionLogEntryQuerySet(models.QuerySet):
    def counting(self):
        """The entries statistics and activation count: neither canceled nor postponed."""
        return self.filter(canceled=False, postponed=False)

    def figures(self, *, canceled: bool = False) -> dict:
        """The key figures of these interactions in one query: how many, e-mails,
        letters still to print, failed attempts, canceled ones, and the cost and
        duration of those whose canceled state is ``canceled`` (a canceled logged
        segment shows what it had cost)."""
        same_state = Q(canceled=canceled)
        return self.aggregate(
            count=models.Count("id"),
            emails=models.Count("id", filter=Q(correspondence_type=CorrespondenceType.EMAIL)),
            letters=models.Count(
                "id", filter=Q(correspondence_type=CorrespondenceType.HARD_COPY, canceled=False)
            ),
            failed=models.Count("id", filter=Q(attempt_failed=True)),
            canceled_count=models.Count("id", filter=Q(canceled=True)),
            cost=models.Sum("cost", filter=same_state),
            duration=models.Sum("duration", filter=same_state),
        )


class InteractionLogEntry(CardUrlMixin, models.Model):
    """One interaction with a contact; never edited after creation except its
    canceled flag and evaluation (docs/campaigns.md, Interactions)."""

    url_key = "pk"

    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), on_delete=models.PROTECT, related_name="interactions"
    )
    contact_company = models.ForeignKey(
        Contact,
        verbose_name=_("contact company No."),
        on_delete=models.PROTECT,
        related_name="+",
    )
    date = models.DateField(_("date"), default=timezone.localdate)
    template = models.ForeignKey(
        InteractionTemplate,
        verbose_name=_("interaction template"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="interactions",
    )
    description = models.CharField(_("description"), max_length=100, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    salesperson = models.ForeignKey(
        Salesperson,
        verbose_name=_("salesperson"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    cost = models.DecimalField(_("cost"), max_digits=12, decimal_places=2, default=0)
    duration = models.DecimalField(_("duration (min.)"), max_digits=10, decimal_places=1, default=0)
    information_flow = models.CharField(
        _("information flow"), max_length=10, choices=InformationFlow.choices, blank=True
    )
    initiated_by = models.CharField(
        _("initiated by"), max_length=10, choices=InitiatedBy.choices, blank=True
    )
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="interactions",
    )
    campaign_entry = models.ForeignKey(
        CampaignEntry,
        verbose_name=_("campaign entry"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="interactions",
    )
    campaign_target = models.BooleanField(_("campaign target"), default=False)
    campaign_response = models.BooleanField(_("campaign response"), default=False)
    segment_no = models.CharField(_("segment No."), max_length=20, blank=True)
    logged_segment = models.ForeignKey(
        "segments.LoggedSegment",
        verbose_name=_("logged segment"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="interactions",
    )
    correspondence_type = models.CharField(
        _("correspondence type"), max_length=10, choices=CorrespondenceType.choices, blank=True
    )
    evaluation = models.CharField(
        _("evaluation"), max_length=15, choices=Evaluation.choices, blank=True
    )
    attempt_failed = models.BooleanField(_("attempt failed"), default=False)
    # Set when the interaction's e-mail is handed to the mail server: a job that
    # runs again (retry, or resumed after a crash) never sends it a second time.
    email_sent_at = models.DateTimeField(_("e-mail sent at"), null=True, blank=True, editable=False)
    canceled = models.BooleanField(_("canceled"), default=False)
    postponed = models.BooleanField(_("postponed"), default=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = InteractionLogEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("interaction log entry")
        verbose_name_plural = _("interaction log entries")
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["campaign", "canceled", "postponed", "date"],
                name="interaction_campaign_idx",
            ),
            models.Index(fields=["contact", "date"], name="interaction_contact_idx"),
            models.Index(fields=["contact_company"], name="interaction_company_idx"),
            models.Index(fields=["template", "date"], name="interaction_template_idx"),
            # Archiving by date reads the oldest days first (docs/archiving.md).
            models.Index(fields=["date"], name="interaction_date_idx"),
        ]

    def __str__(self):
        return f"{self.pk} {self.description}"

    @property
    def entry_no(self) -> int:
        return self.pk


class InteractionDay(models.Model):
    """The counted interactions (neither canceled nor postponed) of one campaign on one
    date, summed: kept by ``campaigns.services.notify_interactions_changed``, which every
    change of interactions calls, so that the home dashboard reads a few rows per
    campaign instead of counting 200,000 interactions (docs/dashboard.md)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    interactions = models.PositiveIntegerField(default=0)
    contacted = models.PositiveIntegerField(default=0)
    responded = models.PositiveIntegerField(default=0)
    cost = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    duration = models.DecimalField(max_digits=16, decimal_places=1, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "date"], name="interaction_day_once")
        ]

    def __str__(self):
        return f"{self.campaign_id} {self.date}"
