from django import forms
from django.utils.translation import gettext_lazy as _

EXPIRY_CHOICES = [
    ("30", _("30 days")),
    ("90", _("90 days")),
    ("365", _("1 year")),
    ("", _("Never")),
]


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. the web site's contact form."),
    )
    expires_in = forms.ChoiceField(
        label=_("Expires after"), choices=EXPIRY_CHOICES, required=False, initial="90"
    )
