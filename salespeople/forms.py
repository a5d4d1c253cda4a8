from django import forms
from django.db.models import Q

from core.forms import KeysMultipleChoiceField
from salespeople.models import Salesperson, Team


class SalespersonForm(forms.ModelForm):
    class Meta:
        model = Salesperson
        localized_fields = ["commission_percent"]  # 12,50 in Dutch
        fields = ["code", "name", "email", "phone", "commission_percent", "user", "blocked"]


class TeamForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ["code", "name", "members"]
        widgets = {"members": forms.CheckboxSelectMultiple}
        field_classes = {"members": KeysMultipleChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Blocked salespeople cannot be added, but current members stay visible.
        current = self.instance.members.all() if self.instance.pk else Salesperson.objects.none()
        self.fields["members"].queryset = Salesperson.objects.filter(
            Q(blocked=False) | Q(pk__in=current.values("pk"))
        )
