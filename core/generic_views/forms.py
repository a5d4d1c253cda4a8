"""Create, edit and delete pages: one transaction through a service, the record's
version (docs/concurrency.md), fields filled in from the link."""

import copy

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms import ModelChoiceField
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.generic import CreateView, DeleteView, UpdateView

from core.concurrency import (
    VERSION_FIELD,
    RecordChanged,
    record_version,
    version_input,
    version_names,
)
from core.forms import KeyChoiceField, add_service_error
from core.generic_views.base import KeyObjectMixin, ModelPermissionMixin, PageMixin
from core.services import delete_record, save_record
from core.submit_once import SubmitOnceMixin


class FormPageMixin(SubmitOnceMixin, PageMixin):
    """Save a form in one transaction through a service; a refusal becomes a form error.

    A form sent again with its one-time token is refused (``core.submit_once``). An edit
    form carries the version of the record it was loaded from (``core.concurrency``):
    a save over a newer version is refused and the page shows who changed the record,
    when, and their values beside the ones typed; saving again applies those.
    """

    template_kind = "form"
    generic_template = "generic/form.html"
    success_message = ""
    # Line sets saved together with the record (e.g. an activity's steps in a formset):
    # the version covers them too.
    version_lines: tuple[str, ...] = ()
    conflict = None

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if getattr(kwargs.get("instance"), "pk", None) is not None:
            # The form puts what was typed on its instance even when it is refused; the
            # page (title, breadcrumbs, Cancel) keeps showing the record as stored.
            kwargs["instance"] = copy.copy(kwargs["instance"])
        return kwargs

    def editing(self) -> bool:
        return getattr(getattr(self, "object", None), "pk", None) is not None

    @staticmethod
    def m2m_fields(form) -> list[str]:
        """The many-to-many fields of the model that ``form`` edits."""
        return [
            field.name
            for field in form._meta.model._meta.many_to_many
            if field.name in form.fields and not form.fields[field.name].disabled
        ]

    def form_version(self, form) -> str | None:
        """The version the form was loaded from: the one it was posted with (kept on a
        page shown again with errors), the record's now on a GET, the newest after a
        refused stale save."""
        if self.conflict is not None:
            return self.conflict.version
        if self.request.method == "POST":
            return self.request.POST.get(VERSION_FIELD) or None
        record = self.object
        names = version_names(type(record), m2m=self.m2m_fields(form), lines=self.version_lines)
        return record_version(record, names)

    def check_version(self, form) -> bool:
        """Before asking something more (a confirmation step), tell a user whose form is
        stale: shows the conflict and returns False. The save checks again, locked."""
        record = self.object
        names = version_names(type(record), m2m=self.m2m_fields(form), lines=self.version_lines)
        version = self.form_version(form)
        if version is None or record_version(record, names) == version:
            return True
        m2m = {name: form.cleaned_data.get(name) or [] for name in self.m2m_fields(form)}
        self.conflict = RecordChanged(stored=record, yours=form.instance, fields=names, pending=m2m)
        return False

    def save_kwargs(self, form) -> dict:
        """What every save service takes from the page: the acting user and, for an
        edit, the version the form was loaded from."""
        kwargs = {"user": self.request.user}
        if self.editing():
            kwargs["version"] = self.form_version(form)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context.get("form")
        if self.editing() and form is not None and hasattr(form, "_meta"):
            version = self.form_version(form)
            if version:
                context["version_field"] = version_input(self.object, version=version)
        context["conflict"] = self.conflict
        return context

    def form_valid(self, form):
        try:
            with transaction.atomic():
                self.object = self.save_form(form)
        except RecordChanged as error:
            self.conflict = error  # shown above the form (generic/partials/conflict.html)
            return self.form_invalid(form)
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        message = self.get_success_message()
        if message:
            messages.success(self.request, message)
        return HttpResponseRedirect(self.get_success_url())

    def get_success_message(self) -> str:
        return self.success_message % {"object": self.object} if self.success_message else ""

    def save_form(self, form):
        """Save through the generic record service; apps with a service of their own
        override this and pass ``save_kwargs``."""
        instance = form.save(commit=False)
        m2m = {name: form.cleaned_data[name] for name in self.m2m_fields(form)}
        return save_record(
            instance=instance, m2m=m2m, lines=self.version_lines, **self.save_kwargs(form)
        )


def query_value(field, value: str):
    """The initial value of form ``field`` for ``value`` taken from a link: a record by the
    key its URLs use (``?campaign=CP0001``), a key typed in a text box as it is, any
    other value as the field cleans it (None when it does not)."""
    value = value.strip()[:100]
    if isinstance(field, KeyChoiceField):
        return value.upper()
    if isinstance(field, ModelChoiceField):
        model = field.queryset.model
        key = getattr(model, "url_key", "pk")
        try:
            return field.queryset.filter(**{key: value.upper()}).first()
        except (ValueError, ValidationError):
            return None
    try:
        return field.clean(value)
    except ValidationError:
        return None


class QueryInitialMixin:
    """A form page that a link opens filled in: each query parameter named like a form
    field (or an alias in ``query_aliases``: ``{"company": "company_no"}``) gives that
    field its initial value (``query_value``); a value that does not fit is left out."""

    query_aliases: dict[str, str] = {}

    def get_initial(self):
        initial = super().get_initial()
        fields = self.get_form_class().base_fields
        for name, value in self.request.GET.items():
            field_name = self.query_aliases.get(name, name)
            field = fields.get(field_name)
            if field is None or not value or field_name in initial:
                continue
            chosen = query_value(field, value)
            if chosen not in (None, ""):
                initial[field_name] = chosen
        return initial


class RecordCreateView(ModelPermissionMixin, QueryInitialMixin, FormPageMixin, CreateView):
    """A new record; a link may fill in its fields (``QueryInitialMixin``)."""

    permission_action = "add"

    def get_title(self):
        return self.title or _("New %(model)s") % {"model": self.model._meta.verbose_name}

    def get_breadcrumbs(self):
        return [self.list_crumb(), (self.get_title(), None)]

    def form_valid(self, form):
        self.success_message = self.success_message or _("%(model)s %%(object)s created.") % {
            "model": capfirst(self.model._meta.verbose_name)
        }
        return super().form_valid(form)


class RecordUpdateView(ModelPermissionMixin, KeyObjectMixin, FormPageMixin, UpdateView):
    permission_action = "change"

    def get_title(self):
        return _("Edit %(object)s") % {"object": self.object}

    def get_breadcrumbs(self):
        return [
            self.list_crumb(),
            (str(self.object), self.object.get_absolute_url()),
            (_("Edit"), None),
        ]

    def form_valid(self, form):
        self.success_message = self.success_message or _("%(model)s %%(object)s saved.") % {
            "model": capfirst(self.model._meta.verbose_name)
        }
        return super().form_valid(form)


class RecordDeleteView(ModelPermissionMixin, KeyObjectMixin, PageMixin, DeleteView):
    """Confirm, then delete; a record still referenced is refused with what refers to it."""

    permission_action = "delete"
    template_kind = "confirm_delete"
    generic_template = "generic/confirm_delete.html"

    def get_title(self):
        return _("Delete %(object)s") % {"object": self.object}

    def get_breadcrumbs(self):
        return [
            self.list_crumb(),
            (str(self.object), self.object.get_absolute_url()),
            (_("Delete"), None),
        ]

    def deletion_summary(self) -> list[str]:
        """Lines naming what is deleted together with the record (shown before Yes)."""
        return []

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["summary"] = self.deletion_summary()
        return context

    def get_success_url(self):
        return reverse(self.model.url_name("list"))

    def form_valid(self, form):
        label = str(self.object)
        try:
            with transaction.atomic():
                self.perform_delete()
        except ValidationError as error:  # e.g. still in use: the message names by what
            for message in error.messages:
                messages.error(self.request, message)
            return HttpResponseRedirect(self.object.get_absolute_url())
        messages.success(
            self.request,
            _("%(model)s %(object)s deleted.")
            % {"model": capfirst(self.model._meta.verbose_name), "object": label},
        )
        return HttpResponseRedirect(self.get_success_url())

    def perform_delete(self):
        delete_record(instance=self.object, user=self.request.user)
