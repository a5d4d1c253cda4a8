from django import forms
from django.db.models import Exists, OuterRef
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activities.models import OPEN_STATUSES, Activity, ActivityStep, Task
from campaigns.models import Campaign
from contacts.models import Contact
from core.forms import DATE_INPUT, KeyChoiceField, NumberedFormMixin
from salespeople.models import Salesperson, Team

CHOOSE_ONE = _("Choose a salesperson or a team.")
NOT_BOTH = _("Choose a salesperson or a team, not both.")


class ActivityForm(forms.ModelForm):
    class Meta:
        model = Activity
        fields = ["code", "description"]


class ActivityStepForm(forms.ModelForm):
    class Meta:
        model = ActivityStep
        fields = ["step_no", "type", "description", "priority", "date_formula"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date_formula"].help_text = ""  # explained once below the rows


class BaseActivityStepFormSet(BaseInlineFormSet):
    """The steps of an activity. A step No. held by a step that is not on the page (added
    by someone else meanwhile, or left out of the posted form) is an error of the form,
    not a failure of the database's unique constraint."""

    def clean(self):
        super().clean()
        if any(self.errors) or self.instance.pk is None:
            return
        numbers = {
            form.cleaned_data["step_no"]: form
            for form in self.forms
            if form.cleaned_data.get("step_no") is not None
            and not (self.can_delete and self._should_delete_form(form))
            and (form in self.initial_forms or form.has_changed())
        }
        shown = [form.instance.pk for form in self.initial_forms if form.instance.pk]
        taken = ActivityStep.objects.filter(activity=self.instance, step_no__in=numbers).exclude(
            pk__in=shown
        )
        for step_no in taken.values_list("step_no", flat=True):
            numbers[step_no].add_error(
                "step_no",
                _("Step %(no)s already exists; reload the page to see every step.")
                % {"no": step_no},
            )


# absolute_max: a posted TOTAL_FORMS of thousands builds at most this many forms.
ActivityStepFormSet = inlineformset_factory(
    Activity,
    ActivityStep,
    form=ActivityStepForm,
    formset=BaseActivityStepFormSet,
    extra=2,
    can_delete=True,
    max_num=100,
    absolute_max=100,
)


def own_salespeople(user, current=None):
    """The salespeople ``user`` may give a task to: any (not blocked) for those who
    see every task, otherwise only their own salesperson."""
    people = Salesperson.objects.selectable(current)
    if not user.has_perm("activities.view_all_tasks"):
        people = people.filter(user=user)
    return people


class TaskForm(NumberedFormMixin, forms.ModelForm):
    """A single task by hand (salesperson required) or the edit of any task.

    The salesperson of a team task or a team member's task belongs to the team
    assignment and is not changed here; the status of a closed task changes only
    with Reopen.
    """

    contact = KeyChoiceField(
        Contact.objects.all(), required=False, label=_("Contact No."), key="no"
    )

    class Meta:
        model = Task
        fields = [
            "no",
            "description",
            "type",
            "date",
            "priority",
            "status",
            "salesperson",
            "campaign",
            "contact",
        ]
        widgets = {"date": DATE_INPUT}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        task = self.instance
        salesperson = self.fields["salesperson"]
        salesperson.queryset = own_salespeople(user, task.salesperson_id)
        if task.team_id is not None:
            salesperson.disabled = True
            salesperson.required = False
        else:
            salesperson.required = True
        self.fields["campaign"].queryset = Campaign.objects.order_by("-no")
        status = self.fields["status"]
        if task.closed:
            status.disabled = True
        else:
            status.choices = [(s.value, s.label) for s in OPEN_STATUSES]
        if task.contact_id and not self.is_bound:
            self.initial["contact"] = task.contact.no


class CompleteTaskForm(forms.Form):
    """Who completed the task: asked (and required) for a team task only."""

    def __init__(self, *args, task=None, **kwargs):
        super().__init__(*args, **kwargs)
        if task is not None and task.is_team_task:
            self.fields["completed_by"] = forms.ModelChoiceField(
                Salesperson.objects.filter(memberships__team_id=task.team_id).order_by("code"),
                label=_("Completed by"),
                help_text=_("The team member who completed the team task."),
            )


class AssignActivityForm(forms.Form):
    """Choose activity, start date and salesperson **or** team (docs/activities.md)."""

    activity = forms.ModelChoiceField(Activity.objects.none(), label=_("Activity"))
    start_date = forms.DateField(label=_("Start date"), widget=DATE_INPUT)
    salesperson = forms.ModelChoiceField(
        Salesperson.objects.none(), required=False, label=_("Salesperson")
    )
    team = forms.ModelChoiceField(
        Team.objects.none(),
        required=False,
        label=_("Team"),
        help_text=_(
            "Or a team (leave the salesperson empty): a team task per step, and a task for "
            "each team member."
        ),
        # Choosing a team empties the salesperson field (static/js/app.js).
        widget=forms.Select(attrs={"data-clears": "salesperson"}),
    )

    def __init__(self, *args, source: str = "", record=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.source, self.record = source, record
        with_steps = ActivityStep.objects.filter(activity=OuterRef("pk"))
        self.fields["activity"].queryset = Activity.objects.filter(Exists(with_steps)).order_by(
            "code"
        )
        self.fields["salesperson"].queryset = Salesperson.objects.selectable()
        self.fields["team"].queryset = Team.objects.order_by("code")
        self.fields["start_date"].initial = timezone.localdate()
        if source == "campaign":
            self.fields["contact"] = KeyChoiceField(
                Contact.objects.all(),
                required=False,
                label=_("Contact No."),
                help_text=_("Optional: the contact the tasks are about."),
            )
        elif source == "contact":
            self.fields["campaign"] = forms.ModelChoiceField(
                Campaign.objects.order_by("-no"), required=False, label=_("Campaign")
            )
        default = getattr(record, "salesperson", None) if record is not None else None
        if default is not None and not default.blocked:
            self.fields["salesperson"].initial = default.pk

    def clean(self):
        cleaned = super().clean()
        salesperson, team = cleaned.get("salesperson"), cleaned.get("team")
        if salesperson is None and team is None and not self.has_error("salesperson"):
            raise forms.ValidationError(CHOOSE_ONE, code="assignee_required")
        if salesperson is not None and team is not None:
            if salesperson.pk != self.fields["salesperson"].initial:
                raise forms.ValidationError(NOT_BOTH, code="one_assignee")
            # The team was chosen over the salesperson pre-filled from the record
            # (docs/activities.md): the team wins, as the page's script shows.
            cleaned["salesperson"] = None
        return cleaned

    def assign_kwargs(self) -> dict:
        """The arguments of ``services.assign_activity`` for this form's record."""
        data = self.cleaned_data
        kwargs = {
            "activity": data["activity"],
            "start_date": data["start_date"],
            "salesperson": data.get("salesperson"),
            "team": data.get("team"),
        }
        if self.source == "campaign":
            kwargs["campaign"] = self.record
            if data.get("contact") is not None:
                kwargs["contacts"] = [data["contact"]]
        elif self.source == "contact":
            kwargs["contacts"] = [self.record]
            kwargs["campaign"] = data.get("campaign")
        elif self.source == "segment":
            kwargs["segment"] = self.record
        return kwargs
