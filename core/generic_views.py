"""The one generic way to build list, card, edit, delete and action pages.

Every app configures these bases (model, queryset, filterset, table, form,
sections) instead of writing its own views. URL names follow
``<app>:<model>_<list|card|create|edit|delete|...>`` with the business key as
``key`` (see ``core.models.CardUrlMixin``).
"""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.http import Http404, HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.generic import CreateView, DeleteView, DetailView, UpdateView
from django.views.generic.edit import FormMixin
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin
from django_tables2.export import ExportMixin

from core.history import history_rows
from core.panels import actions_for, panels_for
from core.presentation import card_sections, describe_protected


class ModelPermissionMixin(PermissionRequiredMixin):
    """Check ``<app>.<permission_action>_<model>`` unless ``permission_required`` is set.

    A logged-in user without the permission gets 403; anonymous users never get
    here (``LoginRequiredMiddleware`` sends them to the login page).
    """

    raise_exception = True
    permission_action = "view"

    def get_permission_required(self):
        if self.permission_required:
            return super().get_permission_required()
        meta = self.model._meta
        return [f"{meta.app_label}.{self.permission_action}_{meta.model_name}"]


def _has_model_perm(user, model, action: str) -> bool:
    meta = model._meta
    return user.has_perm(f"{meta.app_label}.{action}_{meta.model_name}")


def _url_or_none(name: str, **kwargs) -> str | None:
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


class KeyObjectMixin:
    """Find the record by the business key in the URL (``url_key`` of the model)."""

    slug_url_kwarg = "key"

    def get_slug_field(self):
        return self.model.url_key

    def get_object(self, queryset=None):
        try:
            return super().get_object(queryset)
        except (ValueError, ValidationError):
            raise Http404 from None  # e.g. letters where a number key is expected


class PageMixin:
    """Title and breadcrumbs of a page."""

    title: str = ""

    def get_title(self) -> str:
        return str(self.title)

    def list_crumb(self):
        model = self.model
        return (capfirst(model._meta.verbose_name_plural), _url_or_none(model.url_name("list")))

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        return [(self.get_title(), None)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = self.get_title()
        context["breadcrumbs"] = self.get_breadcrumbs()
        context["model_meta"] = self.model._meta
        return context


class RecordListView(ModelPermissionMixin, PageMixin, ExportMixin, SingleTableMixin, FilterView):
    """A list page: search, filter panel, sortable paginated table, CSV export."""

    template_name = "generic/list.html"
    partial_template_name = "generic/partials/list_results.html"
    # Only the table paginates (one COUNT); the ListView itself must not.
    paginate_by = None
    table_pagination = {"per_page": 50}
    export_formats = ("csv",)
    empty_text = ""
    create_label = ""

    def get_title(self):
        return self.title or capfirst(self.model._meta.verbose_name_plural)

    def get_breadcrumbs(self):
        return [(self.get_title(), None)]

    def render_to_response(self, context, **response_kwargs):
        if self.request.GET.get(self.export_trigger_param) not in (None, *self.export_formats):
            raise Http404  # only the formats we offer (CSV); anything else is not a page
        return super().render_to_response(context, **response_kwargs)

    def get_export_filename(self, export_format):
        return f"{self.model._meta.model_name}s.{export_format}"

    def get_template_names(self):
        if getattr(self.request, "htmx", False) and not self.request.htmx.boosted:
            return [self.partial_template_name]
        return [self.template_name]

    def get_table_kwargs(self):
        kwargs = super().get_table_kwargs()
        kwargs.setdefault("empty_text", self.empty_text or _("Nothing here yet."))
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if _has_model_perm(self.request.user, self.model, "add"):
            context["create_url"] = _url_or_none(self.model.url_name("create"))
            context["create_label"] = self.create_label or _("New")
        query = self.request.GET.copy()
        query.pop("page", None)
        query["_export"] = "csv"
        context["export_query"] = query.urlencode()
        context["filters_active"] = any(
            v for k, v in self.request.GET.items() if k not in {"page", "sort", "q"}
        )
        return context


class RecordCardView(ModelPermissionMixin, KeyObjectMixin, PageMixin, DetailView):
    """A card page: header, action bar, FastTab-like sections, side panel, history."""

    template_name = "generic/card.html"
    # [(section title, [field names])]; the generic template renders these.
    sections: list[tuple[str, list[str]]] = []
    show_history = True

    def get_title(self):
        return str(self.object)

    def get_breadcrumbs(self):
        return [self.list_crumb(), (self.get_title(), None)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        obj = self.object
        key = getattr(obj, self.model.url_key)
        context["sections"] = card_sections(obj, self.sections)
        if _has_model_perm(user, self.model, "change"):
            context["edit_url"] = _url_or_none(self.model.url_name("edit"), key=key)
        if _has_model_perm(user, self.model, "delete"):
            context["delete_url"] = _url_or_none(self.model.url_name("delete"), key=key)
        context["panels"] = panels_for(obj, user)
        context["card_actions"] = actions_for(obj, user)
        if self.show_history:
            context["history"] = history_rows(obj)
        return context


class FormPageMixin(PageMixin):
    """Save a form in one transaction; a refused service call becomes a form error."""

    template_name = "generic/form.html"
    success_message = ""

    def form_valid(self, form):
        try:
            with transaction.atomic():
                self.object = self.save_form(form)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        if self.success_message:
            messages.success(self.request, self.success_message % {"object": self.object})
        return HttpResponseRedirect(self.get_success_url())

    def save_form(self, form):
        return form.save()


class RecordCreateView(ModelPermissionMixin, FormPageMixin, CreateView):
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
    template_name = "generic/confirm_delete.html"

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
        except ProtectedError as error:
            messages.error(self.request, describe_protected(self.object, error))
            return HttpResponseRedirect(self.object.get_absolute_url())
        except ValidationError as error:
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
        self.object.delete()


class ConfirmActionView(ModelPermissionMixin, KeyObjectMixin, PageMixin, FormMixin, DetailView):
    """A card action that asks yes/no first (NAV's confirm), then calls a service.

    Subclasses set ``permission_required`` and implement ``question()`` and
    ``perform()``; ``perform`` returns the message shown on the card and may
    raise ``ValidationError`` to refuse with a message.
    """

    template_name = "generic/confirm.html"
    action_label = ""
    submit_label = ""
    form_class = None

    def get_form_class(self):
        from django import forms

        return self.form_class or forms.Form

    def get_title(self):
        return f"{self.action_label} – {self.object}"

    def get_breadcrumbs(self):
        return [
            self.list_crumb(),
            (str(self.object), self.object.get_absolute_url()),
            (str(self.action_label), None),
        ]

    def question(self) -> str:
        raise NotImplementedError

    def perform(self, form) -> str:
        raise NotImplementedError

    def get_success_url(self):
        return self.object.get_absolute_url()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["question"] = self.question()
        context["action_label"] = self.action_label
        context["submit_label"] = self.submit_label or _("Yes")
        return context

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = self.get_form()
        if not form.is_valid():
            return self.form_invalid(form)
        try:
            with transaction.atomic():
                message = self.perform(form)
        except ValidationError as error:
            for text in error.messages:
                messages.error(request, text)
        else:
            if message:
                messages.success(request, message)
        return HttpResponseRedirect(self.get_success_url())
