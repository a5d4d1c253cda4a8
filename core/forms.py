from django import forms

from core.models import NumberSeries


class NumberSeriesForm(forms.ModelForm):
    class Meta:
        model = NumberSeries
        fields = ["code", "description", "prefix", "digits", "last_number", "allow_manual"]
