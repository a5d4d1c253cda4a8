from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import connections
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from core.models import NumberSeries
from core.numbering import check_manual_number


class LocalDateInput(forms.DateInput):
    """A date typed in the user's language's format: 31-12-2026 (dd-mm-jjjj in Dutch,
    dd-mm-yyyy in English), the format the lists show, with that format as the
    placeholder. Not the browser's date picker, which shows the browser's locale
    (mm/dd/yyyy in an American Chromium) whatever the user's language. The format is
    the active language's first DATE_INPUT_FORMATS (config/formats); 31/12/2026, 31.12.2026
    and ISO 2026-12-31 are accepted too (docs/formats.md, Dates)."""

    input_type = "text"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        widget_attrs.setdefault("placeholder", _("dd-mm-yyyy"))
        widget_attrs.setdefault("inputmode", "numeric")
        widget_attrs.setdefault("autocomplete", "off")
        widget_attrs.setdefault("size", 10)
        widget_attrs.setdefault("class", "date-input")
        return context


# Every date field of a form or filter (not date formulas: core.date_formulas), as a
# field's ``widget=`` (the field copies it). A form that sets a field's widget itself
# gives it ``LocalDateInput()``: crispy marks an invalid field on its widget, and on
# this shared one the mark would reach every date field built after.
DATE_INPUT = LocalDateInput()


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


class KeyChoiceField(forms.ModelChoiceField):
    """Choose a record by typing its business key (No. or code) in a text box.

    For tables too big for a select (items, customers, contacts): one indexed
    lookup on submit, a field error naming the key when it does not exist.
    """

    widget = forms.TextInput

    def __init__(self, queryset, *, key="no", **kwargs):
        kwargs.pop("to_field_name", None)  # the model field's own; we look up by key
        super().__init__(queryset, to_field_name=key, **kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().upper()
        try:
            return super().to_python(value)
        except ValidationError as error:
            if error.code != "invalid_choice":
                raise
            # Worded when it is shown, in the user's language: "Item BERLIN does not exist."
            raise ValidationError(
                _("%(record)s %(value)s does not exist."),
                code="invalid_choice",
                params={"record": capfirst(self.queryset.model._meta.verbose_name), "value": value},
            ) from None

    def prepare_value(self, value):
        """The key to show: an edit form's initial value is the record's primary key
        (``item_id``), which is not what a user types."""
        if value is None or value == "" or hasattr(value, "_meta"):
            return super().prepare_value(value)
        if isinstance(value, int):
            key = (
                self.queryset.model._default_manager.filter(pk=value)
                .values_list(self.to_field_name, flat=True)
                .first()
            )
            return value if key is None else key
        return value


class KeysMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's ModelMultipleChoiceField, but a key beyond the database's integer range
    (``99999999999999999999``) is the field's "not a valid value" error: Django looks
    all the keys up with one ``IN (…)`` query, which the database driver refuses."""

    def _check_values(self, value):
        meta = self.queryset.model._meta
        key_field = meta.get_field(self.to_field_name) if self.to_field_name else meta.pk
        ops = connections[self.queryset.db].ops
        kind = key_field.get_internal_type()
        if kind not in ops.integer_field_ranges:  # not an integer key
            return super()._check_values(value)
        low, high = ops.integer_field_range(kind)
        for key in value if isinstance(value, list | tuple) else ():
            try:
                number = int(str(key))
            except ValueError:
                continue  # Django's own check reports it
            if (low is not None and number < low) or (high is not None and number > high):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": key},
                )
        return super()._check_values(value)


def add_service_error(form, error: ValidationError) -> None:
    """Show a service's refusal on ``form``: a message about a field the form has goes
    under that field (``form.service_error_fields`` maps a model field to the form field
    that sets it, e.g. ``customer`` to ``customer_no``), any other above the form with
    the field's name in front."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    model = getattr(getattr(form, "_meta", None), "model", None)
    renamed = getattr(form, "service_error_fields", {})
    for name, errors in error.error_dict.items():
        name = renamed.get(name, name)
        if name in form.fields or name == NON_FIELD_ERRORS:
            form.add_error(name, errors)
            continue
        label = name
        if model is not None:
            try:
                label = capfirst(model._meta.get_field(name).verbose_name)
            except FieldDoesNotExist:
                pass
        for message in ValidationError(errors).messages:
            form.add_error(None, f"{label}: {message}")
