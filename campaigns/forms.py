from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign
from core.forms import NumberedFormMixin
from salespeople.models import Salesperson

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CampaignForm(NumberedFormMixin, forms.ModelForm):
    class Meta:
        model = Campaign
        fields = ["no", "description", "status", "starting_date", "ending_date", "salesperson"]
        widgets = {"starting_date": DATE_INPUT, "ending_date": DATE_INPUT}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance.salesperson_id
        self.fields["salesperson"].queryset = Salesperson.objects.selectable(current)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("starting_date"), cleaned.get("ending_date")
        if start and end and start > end:
            # Show the error on the field the user changed (SPEC §3.2).
            field = "starting_date" if "starting_date" in self.changed_data else "ending_date"
            self.add_error(
                field,
                ValidationError(
                    _("The starting date may not be after the ending date."),
                    code="reversed_dates",
                ),
            )
        return cleaned
