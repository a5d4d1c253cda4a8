"""Number series: where campaigns, segments, contacts … get their No. (SPEC §2.1)."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.fields import CodeField


class CardUrlMixin:
    """URLs of a record's pages by convention: ``<app>:<model>_<action>`` with ``key``.

    ``url_key`` names the business key used in URLs (``/campaigns/CP0001/``).
    """

    url_key = "no"

    @classmethod
    def url_name(cls, action: str) -> str:
        return f"{cls._meta.app_label}:{cls._meta.model_name}_{action}"

    def get_url(self, action: str) -> str:
        from django.urls import reverse

        return reverse(self.url_name(action), kwargs={"key": getattr(self, self.url_key)})

    def get_absolute_url(self):
        return self.get_url("card")


class CodeTable(CardUrlMixin, models.Model):
    """A small code table (NAV's setup tables): a unique upper-case code and a description."""

    url_key = "code"

    code = CodeField(_("code"), max_length=10, unique=True)
    description = models.CharField(_("description"), max_length=100, blank=True)

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self):
        return self.code


class NumberSeries(CardUrlMixin, models.Model):
    """A prefix and a counter; the next number is taken under a row lock."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    description = models.CharField(_("description"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=10, blank=True)
    digits = models.PositiveSmallIntegerField(
        _("digits"),
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("The counter is zero-padded to this many digits."),
    )
    last_number = models.PositiveBigIntegerField(_("last number used"), default=0)
    allow_manual = models.BooleanField(
        _("manual numbers"),
        default=True,
        help_text=_("Users may type a No. by hand instead of taking the next one."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("number series")
        verbose_name_plural = _("number series")
        ordering = ["code"]

    def __str__(self):
        return self.code

    def format(self, number: int) -> str:
        return f"{self.prefix}{number:0{self.digits}d}"

    @property
    def next_preview(self) -> str:
        return self.format(self.last_number + 1)

    url_key = "code"


class NumberedModel(models.Model):
    """A document or master record whose ``no`` comes from a number series.

    Subclasses set ``number_series`` to the code of their series. The number is
    taken in ``save()`` inside the creating transaction (see ``core.numbering``).
    """

    number_series: str = ""

    no = models.CharField(_("No."), max_length=20, unique=True, blank=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self.no:
            from core.numbering import take_next_number

            self.no = take_next_number(self.number_series, model=type(self))
        super().save(*args, **kwargs)
