"""The Django admin on the same footing as the pages (docs/services.md,
docs/concurrency.md).

Every ``ModelAdmin`` of the project derives from ``RecordAdmin`` (or
``RecordHistoryAdmin`` for a model with history):

- its edit form carries the version the record was loaded from; a save over a newer
  version is refused with the values saved meanwhile beside the ones typed, and saving
  again applies the typed ones (as on the pages);
- a save or delete goes through the record's service (``save_service`` /
  ``delete_service``, default the generic ``core.services.save_record`` /
  ``delete_record``), so the admin keeps every rule; so do the list's *Delete
  selected* (``delete_selection``: each record through ``delete_service``, or a
  set-based service), all or none, and an inline's rows (``save_formset``: through
  their model's admin's services); a refusal is shown as a message;
- its list has filters and a search box: an admin that names none gets them from the
  model (``default_list_filter`` / ``default_search_fields``: choices, yes/no fields,
  dates and code tables to filter by, numbers, codes and names to search; a code
  table that has nothing else to filter gets *In use*) (docs/operations.md, The admin).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
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


# The fields an admin's search box looks in when it names none, and the keys of a
# related record it also searches (``contact__no``).
SEARCHED_NAMES = ("no", "code", "name", "description", "subject", "address", "username")
RELATED_KEYS = ("no", "code")


def _is_code_table(model) -> bool:
    """A small table of codes (campaign statuses, units of measure) worth a filter."""
    names = {field.name for field in model._meta.concrete_fields}
    return "code" in names and "no" not in names and len(names) <= 6


class InUseFilter(admin.SimpleListFilter):
    """*In use*: records another record refers to, or none does (a code to delete)."""

    title = gettext_lazy("in use")
    parameter_name = "in_use"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() not in ("yes", "no"):
            return queryset
        used = Q()
        for relation in queryset.model._meta.related_objects:
            used |= Q(**{f"{relation.name}__isnull": False})
        ids = queryset.filter(used).values("pk")
        if self.value() == "yes":
            return queryset.filter(pk__in=ids)
        return queryset.exclude(pk__in=ids)


def default_list_filter(model) -> list:
    """Filters from the model: choices, yes/no, the first date, code tables."""
    found, has_date = [], False
    for field in model._meta.concrete_fields:
        if field.primary_key or field.name in SEARCHED_NAMES:
            continue
        if field.choices or isinstance(field, models.BooleanField):
            found.append(field.name)
        elif isinstance(field, models.DateField) and not has_date:
            found.append(field.name)
            has_date = True
        elif field.many_to_one and _is_code_table(field.related_model):
            found.append(field.name)
    if not found and model._meta.related_objects:
        found.append(InUseFilter)
    if not found:  # a table of links: filter by the first record it links to
        first = next((field for field in model._meta.concrete_fields if field.many_to_one), None)
        if first is not None:
            found.append((first.name, admin.RelatedOnlyFieldListFilter))
    return found


def default_search_fields(model) -> list[str]:
    """Search fields from the model: its own No., code and name, its records' keys."""
    found = []
    for field in model._meta.concrete_fields:
        if field.name in SEARCHED_NAMES and isinstance(field, models.CharField):
            found.append(field.name)
        elif field.many_to_one:
            related = {f.name for f in field.related_model._meta.concrete_fields}
            found += [f"{field.name}__{key}" for key in RELATED_KEYS if key in related]
    return found


class RecordAdminMixin:
    """See the module docstring."""

    def get_list_filter(self, request):
        return super().get_list_filter(request) or default_list_filter(self.model)

    def get_search_fields(self, request):
        return super().get_search_fields(request) or default_search_fields(self.model)

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

    def delete_selection(self, request, queryset):
        """The list's *Delete selected*: each record through ``delete_service``. A
        model with a set-based service for many records uses that instead."""
        for obj in queryset:
            self.delete_service(request, obj)

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

    def save_formset(self, request, form, formset, change):
        """The inline rows through the services too: each through the ``save_service``
        / ``delete_service`` of its model's own admin (a quote line priced by the
        engine), or the generic record services when the model has no admin; a refusal
        rolls the whole form back."""
        rows = self.admin_site._registry.get(formset.model)
        if not isinstance(rows, RecordAdminMixin):  # none, or not one of the project's
            rows = RecordAdmin(formset.model, self.admin_site)  # the generic services
        forms = {id(inline.instance): inline for inline in formset.forms}
        changed = formset.save(commit=False)  # the rows with the form's values, unwritten
        try:
            for obj in formset.deleted_objects:
                rows.delete_service(request, obj)
            for obj in changed:
                rows.save_service(request, obj, forms.get(id(obj)), obj.pk is not None)
        except ValidationError as error:
            raise Refused(error) from None
        formset.save_m2m()

    def delete_queryset(self, request, queryset):
        """*Delete selected* keeps every rule too: through the services, all or none
        (one refusal keeps every record)."""
        try:
            with transaction.atomic():
                self.delete_selection(request, queryset)
        except ValidationError as error:
            raise Refused(error) from None

    def changelist_view(self, request, *args, **kwargs):
        return _refusals_shown(request, super().changelist_view, *args, **kwargs)

    def changeform_view(self, request, *args, **kwargs):
        return _refusals_shown(request, super().changeform_view, *args, **kwargs)

    def delete_view(self, request, *args, **kwargs):
        return _refusals_shown(request, super().delete_view, *args, **kwargs)


def _refusals_shown(request, view, *args, **kwargs):
    """``view``'s response; a service's refusal (its transaction rolled back) becomes
    messages on the same page instead."""
    try:
        return view(request, *args, **kwargs)
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
