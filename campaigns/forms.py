from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from campaigns.models import (
    Campaign,
    InteractionLogEntry,
    InteractionTemplate,
    InteractionTemplateLanguage,
)
from campaigns.rendering import merge_context, render_content
from contacts.models import Language
from core.forms import DATE_INPUT, NumberedFormMixin
from salespeople.models import Salesperson


class CampaignForm(NumberedFormMixin, forms.ModelForm):
    class Meta:
        model = Campaign
        fields = [
            "no",
            "description",
            "status",
            "starting_date",
            "ending_date",
            "salesperson",
            "budget_cost",
        ]
        widgets = {"starting_date": DATE_INPUT, "ending_date": DATE_INPUT}
        localized_fields = ["budget_cost"]  # 1.800,00 in Dutch

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance.salesperson_id
        self.fields["salesperson"].queryset = Salesperson.objects.selectable(current)
        self.fields["budget_cost"].required = False  # blank: no cost besides interactions

    def clean_budget_cost(self):
        return self.cleaned_data.get("budget_cost") or Decimal(0)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("starting_date"), cleaned.get("ending_date")
        if start and end and start > end:
            # Show the error on the field the user changed (docs/campaigns.md).
            field = "starting_date" if "starting_date" in self.changed_data else "ending_date"
            self.add_error(
                field,
                ValidationError(
                    _("The starting date may not be after the ending date."),
                    code="reversed_dates",
                ),
            )
        return cleaned


# Interactions and campaign entries (docs/campaigns.md) ----------------------------

TARGET_NEEDS_CAMPAIGN = _("Choose a campaign first: only a campaign can have targets.")
RESPONSE_NEEDS_CAMPAIGN = _("Choose a campaign first: only a campaign can have responses.")


def check_campaign_flags(form, cleaned) -> None:
    """Campaign target / response are only allowed together with a campaign."""
    if cleaned.get("campaign") is None:
        if cleaned.get("campaign_target"):
            form.add_error("campaign_target", TARGET_NEEDS_CAMPAIGN)
        if cleaned.get("campaign_response"):
            form.add_error("campaign_response", RESPONSE_NEEDS_CAMPAIGN)


class InteractionTemplateForm(forms.ModelForm):
    class Meta:
        model = InteractionTemplate
        localized_fields = ["unit_cost", "unit_duration"]  # 12,50 in Dutch
        fields = [
            "code",
            "description",
            "unit_cost",
            "unit_duration",
            "information_flow",
            "initiated_by",
            "correspondence_type",
            "campaign",
            "campaign_target",
            "campaign_response",
            "default_language",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = Campaign.objects.order_by("-no")

    def clean(self):
        cleaned = super().clean()
        check_campaign_flags(self, cleaned)
        return cleaned


class InteractionTemplateLanguageForm(forms.ModelForm):
    """A language version of an interaction template (docs/campaigns.md, Merge fields):
    its texts are checked by the model (``campaigns.rendering.check_template_text``),
    so a text that would not render is a field error here."""

    class Meta:
        model = InteractionTemplateLanguage
        fields = ["language", "subject", "body_text", "body_html"]
        widgets = {
            "body_text": forms.Textarea(attrs={"rows": 10}),
            "body_html": forms.Textarea(attrs={"rows": 6}),
        }

    def __init__(self, *args, template, **kwargs):
        super().__init__(*args, **kwargs)
        self.template = template
        self.instance.template = template

    def clean_language(self):
        language = self.cleaned_data["language"]
        others = InteractionTemplateLanguage.objects.filter(template=self.template)
        if others.exclude(pk=self.instance.pk).filter(language=language).exists():
            raise ValidationError(
                _("This template has a %(language)s version already; edit that one.")
                % {"language": Language(language).label},
                code="unique",
            )
        return language


# The fields that choosing an interaction template fills in (NAV's OnValidate).
TEMPLATE_DEFAULT_FIELDS = (
    "description",
    "subject",
    "campaign",
    "campaign_target",
    "campaign_response",
    "cost",
    "duration",
    "correspondence_type",
    "information_flow",
    "initiated_by",
)


def template_defaults(template: InteractionTemplate, contact) -> dict:
    """What a new interaction of ``contact`` takes from ``template``: the subject of the
    language version of the contact's language, merged."""
    context = merge_context(
        contact=contact, salesperson=contact.salesperson, campaign=template.campaign
    )
    subject = render_content(template, contact.language, context).subject
    return {
        "description": template.description,
        "subject": subject[:200],
        "campaign": template.campaign,
        "campaign_target": template.campaign_target if template.campaign_id else False,
        "campaign_response": template.campaign_response if template.campaign_id else False,
        "cost": template.unit_cost,
        "duration": template.unit_duration,
        "correspondence_type": template.correspondence_type or contact.correspondence_type,
        "information_flow": template.information_flow,
        "initiated_by": template.initiated_by,
    }


class LogInteractionForm(forms.ModelForm):
    """One interaction for one contact (docs/campaigns.md, Interactions).

    Choosing a template fills in its defaults (htmx, or the *Fill in from
    template* button without JavaScript); ``defaults_from`` remembers for which
    template that happened. When the template was chosen without it, the fields
    left blank still take the template's values on save.
    """

    defaults_from = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = InteractionLogEntry
        localized_fields = ["cost", "duration"]  # 12,50 in Dutch
        fields = [
            "template",
            "date",
            "description",
            "subject",
            "campaign",
            "campaign_target",
            "campaign_response",
            "cost",
            "duration",
            "correspondence_type",
            "information_flow",
            "initiated_by",
            "evaluation",
            "attempt_failed",
            "salesperson",
        ]
        widgets = {"date": DATE_INPUT}
        help_texts = {
            "description": _("Blank takes the description of the interaction template."),
            "campaign": _("The interaction joins the campaign's “Interactions” entry."),
            "cost": _("Blank takes the unit cost of the interaction template."),
            "duration": _("Blank takes the unit duration of the interaction template."),
        }

    def __init__(self, *args, contact, **kwargs):
        super().__init__(*args, **kwargs)
        self.contact = contact
        fields = self.fields
        fields["template"].required = True
        fields["template"].queryset = InteractionTemplate.objects.select_related("campaign")
        fields["template"].to_field_name = "code"  # ?template=CODE links fill it in
        fields["campaign"].queryset = Campaign.objects.order_by("-no")
        fields["salesperson"].queryset = Salesperson.objects.selectable()
        fields["date"].required = True
        for name in ("cost", "duration"):
            fields[name].required = False
            fields[name].validators.append(MinValueValidator(0))
            fields[name].widget.attrs["min"] = 0

    def clean(self):
        cleaned = super().clean()
        template = cleaned.get("template")
        if template is not None:
            defaults = template_defaults(template, self.contact)
            if cleaned.get("defaults_from") != template.code:
                # The template was chosen without its defaults being filled in:
                # whatever was left blank takes the template's value.
                for name in ("campaign", "correspondence_type", "information_flow", "initiated_by"):
                    if name in cleaned and not cleaned[name]:
                        cleaned[name] = defaults[name]
                if cleaned.get("campaign") == template.campaign and template.campaign_id:
                    for name in ("campaign_target", "campaign_response"):
                        cleaned[name] = cleaned.get(name) or defaults[name]
                if "subject" in cleaned and not cleaned["subject"]:
                    cleaned["subject"] = defaults["subject"]
            if "description" in cleaned and not cleaned["description"]:
                cleaned["description"] = defaults["description"]
            for name in ("cost", "duration"):
                if name in cleaned and cleaned[name] is None:
                    cleaned[name] = defaults[name]
        check_campaign_flags(self, cleaned)
        return cleaned


class InteractionEvaluationForm(forms.ModelForm):
    """The one field of a logged interaction that may still change (docs/campaigns.md)."""

    class Meta:
        model = InteractionLogEntry
        fields = ["evaluation"]


class DeleteCanceledEntriesForm(forms.Form):
    """The filters of the batch *Delete canceled campaign entries* (docs/campaigns.md)."""

    campaign = forms.ModelChoiceField(
        label=_("Campaign"),
        queryset=Campaign.objects.order_by("-no"),
        to_field_name="no",
        required=False,
    )
    date_from = forms.DateField(label=_("Date from"), required=False, widget=DATE_INPUT)
    date_to = forms.DateField(label=_("Date to"), required=False, widget=DATE_INPUT)
    salesperson = forms.ModelChoiceField(
        label=_("Salesperson"),
        queryset=Salesperson.objects.all(),
        to_field_name="code",
        required=False,
    )

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", _("The date to may not be before the date from."))
        return cleaned

    def filters(self) -> dict:
        """The keyword arguments of ``services.delete_canceled_campaign_entries``."""
        data = self.cleaned_data
        return {
            name: data.get(name) for name in ("campaign", "date_from", "date_to", "salesperson")
        }
