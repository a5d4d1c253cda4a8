"""Model fields shared by every app."""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

code_validator = RegexValidator(
    r"^[A-Z0-9][A-Z0-9 ._-]*$",
    _("Use upper-case letters, digits, spaces and . _ - only (no slash)."),
)

# A record's No. is part of its card's address (/segments/SG0001/): no slash, no
# characters a URL or a shell would treat specially. Numbers from a series are
# the series' prefix and digits; a typed number keeps its case.
number_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9 ._-]*$",
    _("Use letters, digits, spaces and . _ - only (no slash)."),
)


class CodeField(models.CharField):
    """An upper-case business code (NAV's Code type): trimmed and upper-cased on input."""

    default_validators = [code_validator]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 20)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return value.strip().upper() if isinstance(value, str) else value

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.attname)
        if isinstance(value, str):
            value = value.strip().upper()
            setattr(model_instance, self.attname, value)
        return value

    def formfield(self, **kwargs):
        field = super().formfield(**kwargs)
        field.widget.attrs.setdefault("class", "text-uppercase")
        return field


class DateFormulaFormField(forms.CharField):
    """A date formula typed and shown in the user's language (``LM+1K`` in Dutch), cleaned
    to its stored, language-neutral form (``CM+1Q``; docs/activities.md)."""

    def prepare_value(self, value):
        from core.date_formulas import display

        return display(value) if isinstance(value, str) else value

    def to_python(self, value):
        from core.date_formulas import normalize

        return normalize(super().to_python(value))


class DateFormulaField(models.CharField):
    """A date formula in NAV syntax, validated and stored in its language-neutral form."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    @property
    def default_validators(self):  # imported late: date_formulas uses gettext
        from core.date_formulas import validate_date_formula

        return [validate_date_formula]

    def formfield(self, **kwargs):
        kwargs.setdefault("form_class", DateFormulaFormField)
        return super().formfield(**kwargs)

    def pre_save(self, model_instance, add):
        from core.date_formulas import normalize

        value = getattr(model_instance, self.attname)
        try:
            value = normalize(value)
        except ValidationError:
            return value  # full_clean reports it; never store a half-normalised value
        setattr(model_instance, self.attname, value)
        return value
