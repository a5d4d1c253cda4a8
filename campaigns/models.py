"""Campaign status codes and campaigns (SPEC §3.1–§3.2)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

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


class CampaignStatus(CodeTable):
    """A stage a campaign is in (e.g. 1-PLAN, 2-ACTIVE, 3-DONE); set up before campaigns."""

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

    history = HistoricalRecords(excluded_fields=["last_date_modified"])
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
