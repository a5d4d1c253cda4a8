from django import forms
from django.utils.translation import gettext as _

from core.models import NumberSeries
from core.numbering import check_manual_number


class NumberSeriesForm(forms.ModelForm):
    class Meta:
        model = NumberSeries
        fields = ["code", "description", "prefix", "digits", "last_number", "allow_manual"]


class NumberedFormMixin:
    """For a ModelForm of a ``NumberedModel``: No. blank takes the next number of
    the series, a typed No. is checked against the series, and No. is fixed once
    the record exists."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["no"]
        if self.instance.pk:
            field.disabled = True
        else:
            field.help_text = _(
                "Leave blank to take the next number of the %(series)s number series."
            ) % {"series": self._meta.model.number_series}

    def clean_no(self):
        number = (self.cleaned_data.get("no") or "").strip().upper()
        if number and not self.instance.pk:
            check_manual_number(self._meta.model.number_series, number)
        return number
