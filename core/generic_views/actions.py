"""Yes/no actions on a record (NAV's confirm) that call a service."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _
from django.views.generic import DetailView
from django.views.generic.edit import FormMixin

from core.forms import add_service_error
from core.generic_views.base import KeyObjectMixin, ModelPermissionMixin, PageMixin
from core.submit_once import SubmitOnceMixin


class ConfirmActionView(
    ModelPermissionMixin, SubmitOnceMixin, KeyObjectMixin, PageMixin, FormMixin, DetailView
):
    """A card action that asks yes/no first (NAV's confirm), then calls a service.

    Subclasses set ``permission_required`` and implement ``question()`` and
    ``perform()``; ``perform`` returns the message shown on the card and may
    raise ``ValidationError`` to refuse. A refusal that names a field of the action's
    form (the date of a stage change) is shown on that form, with what was typed, and so
    is every refusal of an action with ``refusals_on_form`` (a form the user filled in
    to say how: assign an activity, move to a stage); any other goes back to the card as
    a message. With ``confirm_first`` the
    page asks ``confirmation(form)`` once more after the form is filled in (e.g. how
    many tasks will be made) before it performs.
    """

    template_name = "generic/confirm.html"
    action_label = ""
    submit_label = ""
    form_class = None
    confirm_first = False
    refusals_on_form = False

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

    def details(self) -> list[str]:
        """Lines shown in a list under the question (e.g. warnings); none by default."""
        return []

    def perform(self, form) -> str:
        raise NotImplementedError

    def get_success_url(self):
        return self.object.get_absolute_url()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["question"] = self.question()
        context["details"] = self.details()
        context["action_label"] = self.action_label
        context["submit_label"] = self.submit_label or _("Yes")
        return context

    def confirmation(self, form) -> str:
        return ""

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = self.get_form()
        if not form.is_valid():
            return self.form_invalid(form)
        if self.confirm_first and request.POST.get("confirm") != "yes":
            return self.render_to_response(
                self.get_context_data(form=form, confirmation=self.confirmation(form))
            )
        try:
            with transaction.atomic():
                message = self.perform(form)
        except ValidationError as error:
            if self.refusals_on_form or _names_a_field(error, form):
                add_service_error(form, error)
                return self.form_invalid(form)
            for text in error.messages:
                messages.error(request, text)
        else:
            if message:
                messages.success(request, message)
        return HttpResponseRedirect(self.get_success_url())


def _names_a_field(error: ValidationError, form) -> bool:
    fields = set(form.fields) | set(getattr(form, "service_error_fields", {}))
    return hasattr(error, "error_dict") and any(name in fields for name in error.error_dict)
