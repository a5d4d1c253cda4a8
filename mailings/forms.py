"""Forms of the e-mail pages: the test e-mail of a previewed line, and the reason
staff give when they clear an opt-out or unblock an address."""

from django import forms
from django.utils.translation import gettext_lazy as _


class TestEmailForm(forms.Form):
    """The previewed line whose message is sent as a test (blank: the first line)."""

    line = forms.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput
    )


class ReasonForm(forms.Form):
    """Why staff clear an opt-out or unblock an address; kept with their name."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("Kept with your name and the date, e.g. “Asked by phone on 3 March”."),
    )
