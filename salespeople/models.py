"""Salespeople and teams (docs/setup.md, Salespeople and teams): who conducts campaigns."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.fields import CodeField
from core.models import CardUrlMixin


class SalespersonQuerySet(models.QuerySet):
    def selectable(self, current=None):
        """Salespeople that may be chosen on a record: not blocked, or the current value."""
        condition = models.Q(blocked=False)
        if current is not None:
            condition |= models.Q(pk=current.pk if hasattr(current, "pk") else current)
        return self.filter(condition)


class Salesperson(CardUrlMixin, models.Model):
    """A salesperson or purchaser; optionally the login user of a person in the company."""

    url_key = "code"

    code = CodeField(_("code"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone No."), max_length=30, blank=True)
    commission_percent = models.DecimalField(
        _("commission %"),
        max_digits=5,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="salesperson",
        help_text=_("The login that sees this salesperson's tasks under My tasks."),
    )
    blocked = models.BooleanField(
        _("blocked"), default=False, help_text=_("A blocked salesperson cannot be chosen.")
    )

    history = HistoricalRecords()
    objects = SalespersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("salesperson")
        verbose_name_plural = _("salespeople")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(commission_percent__gte=0, commission_percent__lte=100),
                name="salesperson_commission_0_100",
                violation_error_message=_("Commission % must be between 0 and 100."),
            )
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class Team(CardUrlMixin, models.Model):
    """A group of salespeople that can carry out activities together."""

    url_key = "code"

    code = CodeField(_("code"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=50)
    members = models.ManyToManyField(
        Salesperson,
        through="TeamMember",
        related_name="teams",
        verbose_name=_("members"),
        blank=True,
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class TeamMember(models.Model):
    """Membership of a salesperson in a team; it keeps the salesperson from being deleted."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, verbose_name=_("team"))
    salesperson = models.ForeignKey(
        Salesperson,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("salesperson"),
    )

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        constraints = [
            models.UniqueConstraint(
                fields=["team", "salesperson"],
                name="team_member_once",
                violation_error_message=_("This salesperson is already a member of the team."),
            )
        ]

    def __str__(self):
        return f"{self.team.code}: {self.salesperson.code}"
