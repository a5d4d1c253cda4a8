from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activities.forms import AssignActivityForm
from campaigns.models import Campaign
from contacts.models import Contact
from core.forms import DATE_INPUT, KeyChoiceField, NumberedFormMixin
from opportunities.models import Opportunity, SalesCycle, SalesCycleStage
from salespeople.models import Salesperson


def amount_field(label, **kwargs):
    return forms.DecimalField(
        label=label, max_digits=14, decimal_places=2, min_value=0, localize=True, **kwargs
    )


def percent_field(label, **kwargs):
    return forms.DecimalField(
        label=label,
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
        localize=True,
        **kwargs,
    )


class SalesCycleForm(forms.ModelForm):
    class Meta:
        model = SalesCycle
        fields = ["code", "description", "probability_calculation", "blocked"]


class SalesCycleStageForm(forms.ModelForm):
    """A stage of ``sales_cycle``; a stage No. that the cycle already has is a field error."""

    class Meta:
        model = SalesCycleStage
        localized_fields = ["completed_percent"]  # 12,50 in Dutch
        fields = [
            "stage",
            "description",
            "completed_percent",
            "activity",
            "quote_required",
            "allow_skip",
            "date_formula",
        ]

    def __init__(self, *args, sales_cycle=None, **kwargs):
        super().__init__(*args, **kwargs)
        if sales_cycle is not None:
            self.instance.sales_cycle = sales_cycle
        self.fields["activity"].queryset = self.fields["activity"].queryset.order_by("code")
        if not self.instance.pk and sales_cycle is not None and not self.is_bound:
            last = sales_cycle.stages.order_by("-stage").values_list("stage", flat=True).first()
            self.initial.setdefault("stage", (last or 0) + 1)

    def clean_stage(self):
        number = self.cleaned_data["stage"]
        cycle = self.instance.sales_cycle
        taken = SalesCycleStage.objects.filter(sales_cycle=cycle, stage=number)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(
                _("Sales cycle %(code)s already has a stage %(stage)s."),
                params={"code": cycle.code, "stage": number},
                code="unique",
            )
        return number


def own_salespeople(user, current=None):
    """The salespeople ``user`` may give an opportunity to: any (not blocked) for those
    who see every opportunity, otherwise only their own salesperson."""
    people = Salesperson.objects.selectable(current).order_by("code")
    if not user.has_perm("opportunities.view_all_opportunities"):
        people = people.filter(user=user)
    return people


class OpportunityForm(NumberedFormMixin, forms.ModelForm):
    """The opportunity header. Its figures change with stage changes only; its sales
    cycle (and creation date) only before it has started."""

    contact = KeyChoiceField(Contact.objects.all(), label=_("Contact No."), key="no")

    class Meta:
        model = Opportunity
        fields = [
            "no",
            "description",
            "contact",
            "salesperson",
            "campaign",
            "sales_cycle",
            "priority",
            "creation_date",
        ]
        widgets = {"creation_date": DATE_INPUT}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        opportunity = self.instance
        self.fields["salesperson"].queryset = own_salespeople(user, opportunity.salesperson_id)
        self.fields["campaign"].queryset = Campaign.objects.order_by("-no")
        # A blocked sales cycle is not offered, except the one the opportunity has.
        offered = Q(blocked=False) | Q(pk=opportunity.sales_cycle_id)
        self.fields["sales_cycle"].queryset = SalesCycle.objects.filter(offered).order_by("code")
        if opportunity.pk and opportunity.is_started:
            for name in ("sales_cycle", "creation_date"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Fixed once the opportunity has started.")
        if opportunity.contact_id and not self.is_bound:
            self.initial["contact"] = opportunity.contact.no


class OpportunityCreateForm(OpportunityForm):
    estimated_value = amount_field(_("Estimated value"), initial=0)
    chances_of_success_percent = percent_field(_("Chances of success %"), initial=0)
    activate_first_stage = forms.BooleanField(
        label=_("Activate first stage"),
        required=False,
        initial=True,
        help_text=_("Move the new opportunity to the first stage of its sales cycle at once."),
    )


class StageChangeForm(forms.Form):
    """Date of change and the opportunity's figures at that moment (NAV's update wizard)."""

    date = forms.DateField(label=_("Date of change"), widget=DATE_INPUT)
    estimated_value = amount_field(_("Estimated value"))
    chances_of_success_percent = percent_field(_("Chances of success %"))

    def __init__(self, *args, opportunity=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()
        if opportunity is not None:
            self.fields["estimated_value"].initial = opportunity.estimated_value
            self.fields[
                "chances_of_success_percent"
            ].initial = opportunity.chances_of_success_percent


class GoToStageForm(StageChangeForm):
    """Choose any other stage of the opportunity's sales cycle."""

    field_order = ["stage", "date", "estimated_value", "chances_of_success_percent"]

    def __init__(self, *args, opportunity=None, **kwargs):
        super().__init__(*args, opportunity=opportunity, **kwargs)
        stages = SalesCycleStage.objects.none()
        if opportunity is not None:
            stages = SalesCycleStage.objects.filter(sales_cycle_id=opportunity.sales_cycle_id)
            if opportunity.current_stage_id:
                stages = stages.exclude(pk=opportunity.current_stage_id)
        self.fields["stage"] = forms.ModelChoiceField(
            stages.order_by("stage"),
            label=_("Stage"),
            help_text=_("A later stage skips the stages in between (they must allow skip)."),
        )
        self.order_fields(self.field_order)


class CloseOpportunityForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[("won", _("Won")), ("lost", _("Lost"))],
        widget=forms.RadioSelect,
    )
    date = forms.DateField(label=_("Date closed"), widget=DATE_INPUT)
    estimated_value = amount_field(
        _("Estimated value"),
        help_text=_("Won: the value the opportunity was won for."),
    )

    def __init__(self, *args, opportunity=None, outcome="", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()
        if outcome in ("won", "lost"):
            self.fields["outcome"].initial = outcome
        if opportunity is not None:
            self.fields["estimated_value"].initial = opportunity.estimated_value


class OpportunityAssignActivityForm(AssignActivityForm):
    """Assign activity from an opportunity: the tasks carry the opportunity, its
    campaign and its contact."""

    def assign_kwargs(self) -> dict:
        kwargs = super().assign_kwargs()
        opportunity = self.record
        kwargs["opportunity"] = opportunity
        kwargs["campaign"] = opportunity.campaign
        kwargs["contacts"] = [opportunity.contact]
        return kwargs
