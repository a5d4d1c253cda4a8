from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign, InteractionTemplate
from core.fields import code_validator
from core.forms import DATE_INPUT, NumberedFormMixin
from salespeople.models import Salesperson
from segments.criteria import CriteriaForm
from segments.models import SavedSegmentCriteria, Segment, SegmentLine

TARGET_NEEDS_CAMPAIGN = _("Choose a campaign first: only lines with a campaign can be targets.")
RESPONSE_NEEDS_CAMPAIGN = _("Choose a campaign first: only lines with a campaign can be responses.")


def check_campaign_flags(form, cleaned):
    if cleaned.get("campaign") is None:
        if cleaned.get("campaign_target"):
            form.add_error("campaign_target", TARGET_NEEDS_CAMPAIGN)
        if cleaned.get("campaign_response"):
            form.add_error("campaign_response", RESPONSE_NEEDS_CAMPAIGN)


class SegmentFlagsForm(forms.ModelForm):
    """*Campaign target* and *campaign response* alone: the header's check boxes on the
    segment card (docs/segments.md, Header and lines)."""

    class Meta:
        model = Segment
        fields = ["campaign_target", "campaign_response"]


class SegmentForm(NumberedFormMixin, forms.ModelForm):
    class Meta:
        model = Segment
        localized_fields = ["unit_cost", "unit_duration"]  # 12,50 in Dutch
        fields = [
            "no",
            "description",
            "campaign",
            "campaign_target",
            "campaign_response",
            "salesperson",
            "date",
            "interaction_template",
            "correspondence_type",
            "subject",
            "language",
            "unit_cost",
            "unit_duration",
            "information_flow",
            "initiated_by",
        ]
        widgets = {"date": DATE_INPUT}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["salesperson"].queryset = Salesperson.objects.selectable(
            self.instance.salesperson_id
        )
        self.fields["campaign"].queryset = Campaign.objects.order_by("-no")
        self.fields["interaction_template"].queryset = InteractionTemplate.objects.order_by("code")

    def clean(self):
        cleaned = super().clean()
        check_campaign_flags(self, cleaned)
        return cleaned


class SegmentLineForm(forms.ModelForm):
    class Meta:
        model = SegmentLine
        localized_fields = ["cost", "duration"]  # 12,50 in Dutch
        fields = [
            "interaction_template",
            "campaign",
            "campaign_target",
            "campaign_response",
            "salesperson",
            "correspondence_type",
            "subject",
            "date",
            "cost",
            "duration",
            "evaluation",
        ]
        widgets = {"date": DATE_INPUT}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["salesperson"].queryset = Salesperson.objects.selectable(
            self.instance.salesperson_id
        )
        self.fields["campaign"].queryset = Campaign.objects.order_by("-no")
        self.fields["interaction_template"].queryset = InteractionTemplate.objects.order_by("code")

    def clean(self):
        cleaned = super().clean()
        check_campaign_flags(self, cleaned)
        return cleaned


class AddContactsForm(CriteriaForm):
    allow_existing = forms.BooleanField(
        label=_("Allow existing contacts"),
        required=False,
        help_text=_("Renew the lines of contacts already in the segment instead of skipping them."),
    )
    expand_companies = forms.BooleanField(
        label=_("Expand companies"),
        required=False,
        help_text=_("Also add the persons of each company found."),
    )
    allow_related_companies = forms.BooleanField(
        label=_("Allow related companies"),
        required=False,
        help_text=_("Keep a company when persons of it are added (otherwise it is dropped)."),
    )
    ignore_exclusion = forms.BooleanField(
        label=_("Ignore exclusion"),
        required=False,
        help_text=_("Also add contacts marked Exclude from segments."),
    )

    OPTIONS = ["allow_existing", "expand_companies", "allow_related_companies", "ignore_exclusion"]

    def options(self):
        return {name: self.cleaned_data[name] for name in self.OPTIONS}


class RemoveContactsForm(CriteriaForm):
    entire_companies = forms.BooleanField(
        label=_("Entire companies"),
        required=False,
        help_text=_("Also take the persons of a matching company."),
    )

    OPTIONS = ["entire_companies"]


class SaveCriteriaForm(forms.Form):
    code = forms.CharField(
        label=capfirst(_("code")),
        max_length=10,
        help_text=_("Up to 10 characters, stored in capitals."),
    )
    description = forms.CharField(label=capfirst(_("description")), max_length=100, required=False)

    def clean_code(self):
        code = self.cleaned_data["code"].strip().upper()
        if SavedSegmentCriteria.objects.filter(code=code).exists():
            raise ValidationError(_("Saved criteria with this code already exist."))
        code_validator(code)
        return code


class ReuseCriteriaForm(forms.Form):
    criteria = forms.ModelChoiceField(
        label=capfirst(_("saved criteria")), queryset=SavedSegmentCriteria.objects.all()
    )


class LogSegmentForm(forms.Form):
    """The options of Log (docs/segments.md, Logging a segment)."""

    send_attachments = forms.BooleanField(
        label=_("Send attachments"),
        required=False,
        help_text=_(
            "Send the e-mail of the interaction template to every line with e-mail "
            "correspondence (after logging)."
        ),
    )
    create_follow_up = forms.BooleanField(
        label=_("Create follow-up segment"),
        required=False,
        help_text=_("A new segment with the same campaign and the logged contacts."),
    )
