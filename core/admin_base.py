"""The Django admin on the same footing as the pages (docs/services.md,
docs/concurrency.md).

Every ``ModelAdmin`` of the project derives from ``RecordAdmin`` (or
``RecordHistoryAdmin`` for a model with history):

- its edit form carries the version the record was loaded from; a save over a newer
  version is refused with the values saved meanwhile beside the ones typed, and saving
  again applies the typed ones (as on the pages);
- a save or delete goes through the record's service (``save_service`` /
  ``delete_service``, default the generic ``core.services.save_record`` /
  ``delete_record``), so the admin keeps every rule; a refusal is shown as a message.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _
from simple_history.admin import SimpleHistoryAdmin

from core.concurrency import (
    VERSION_FIELD,
    RecordChanged,
    lock_stored,
    record_version,
    version_names,
)
from core.services import delete_record, save_record


class Refused(Exception):
    """A service refused the admin's save or delete (carries the ``ValidationError``)."""

    def __init__(self, error: ValidationError):
        super().__init__(error)
        self.error = error


def _m2m_names(form) -> list[str]:
    return [
        field.name
        for field in form._meta.model._meta.many_to_many
        if field.name in form.fields and not form.fields[field.name].disabled
    ]


def versioned_form(base):
    """``base`` (the admin's ModelForm) with the hidden version field and its check."""

    class VersionedForm(base):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            field = forms.CharField(widget=forms.HiddenInput, required=False)
            self.fields[VERSION_FIELD] = field
            if self.instance.pk is not None and not self.is_bound:
                names = version_names(type(self.instance), m2m=_m2m_names(self))
                self.initial[VERSION_FIELD] = record_version(self.instance, names)

        def _post_clean(self):
            super()._post_clean()
            version = self.cleaned_data.get(VERSION_FIELD)
            if self.instance.pk is None or not version or self.errors:
                return
            m2m = {name: self.cleaned_data.get(name) or [] for name in _m2m_names(self)}
            try:
                # Locked until the admin's transaction ends: the save follows in it.
                lock_stored(self.instance, version=version, m2m=m2m)
            except RecordChanged as error:
                data = self.data.copy()
                data[self.add_prefix(VERSION_FIELD)] = error.version  # save again: yours
                self.data = data
                lines = [
                    _("%(field)s: saved now “%(theirs)s”, yours “%(yours)s”.")
                    % {"field": row["label"], "theirs": row["theirs"], "yours": row["yours"]}
                    for row in error.differences
                    if row["differ"]
                ]
                self.add_error(None, [error.message, *lines])

    VersionedForm.__name__ = base.__name__
    return VersionedForm


class RecordAdminMixin:
    """See the module docstring."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        if "fields" not in kwargs:
            kwargs["fields"] = flatten_fieldsets(self.get_fieldsets(request, obj))
        if kwargs["fields"] is not None:  # the version is the form's own field
            kwargs["fields"] = [name for name in kwargs["fields"] if name != VERSION_FIELD]
        return versioned_form(super().get_form(request, obj, change=change, **kwargs))

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        named = {name for _title, options in fieldsets for name in _flat(options["fields"])}
        if VERSION_FIELD in named or obj is None:
            return fieldsets
        *rest, (title, options) = fieldsets
        return [*rest, (title, {**options, "fields": [*options["fields"], VERSION_FIELD]})]

    def save_service(self, request, obj, form, change):
        """Save ``obj`` (the form's values on it) through its service."""
        save_record(instance=obj, user=request.user)

    def delete_service(self, request, obj):
        delete_record(instance=obj, user=request.user)

    def save_model(self, request, obj, form, change):
        try:
            self.save_service(request, obj, form, change)
        except ValidationError as error:
            raise Refused(error) from None

    def delete_model(self, request, obj):
        try:
            self.delete_service(request, obj)
        except ValidationError as error:
            raise Refused(error) from None

    def changeform_view(self, request, *args, **kwargs):
        try:
            return super().changeform_view(request, *args, **kwargs)
        except Refused as refused:  # the admin's transaction is rolled back
            for message in refused.error.messages:
                messages.error(request, message)
            return HttpResponseRedirect(request.get_full_path())

    def delete_view(self, request, *args, **kwargs):
        try:
            return super().delete_view(request, *args, **kwargs)
        except Refused as refused:
            for message in refused.error.messages:
                messages.error(request, message)
            return HttpResponseRedirect(request.get_full_path())


def _flat(fields):
    for entry in fields:
        if isinstance(entry, list | tuple):
            yield from entry
        else:
            yield entry


class RecordAdmin(RecordAdminMixin, admin.ModelAdmin):
    pass


class RecordHistoryAdmin(RecordAdminMixin, SimpleHistoryAdmin):
    pass
