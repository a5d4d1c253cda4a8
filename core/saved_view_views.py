"""The pages of saved views and the column chooser (docs/lists.md): save the list's
state under a name, open a view, rename or delete one's own view, choose the columns
of a list. The rules are the services' (core.remembered_lists); any logged-in user may keep
views of the lists they may see."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect, QueryDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, View

from core import remembered_lists
from core.generic_views.base import PageMixin
from core.models import ListState, SavedView
from core.submit_once import SubmitOnceMixin


class SaveViewForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=remembered_lists.MAX_NAME)
    team = forms.ModelChoiceField(
        label=_("Share with team"),
        queryset=None,
        required=False,
        empty_label=_("Only me"),
        help_text=_("Members of the team see the view in their Views menu; only you change it."),
    )
    query = forms.CharField(required=False, widget=forms.HiddenInput, max_length=4000)
    columns = forms.CharField(required=False, widget=forms.HiddenInput, max_length=4000)

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        if not teams.exists():  # no salesperson or no team: nothing to share with
            del self.fields["team"]


class RenameViewForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=remembered_lists.MAX_NAME)


def _add_errors(form, error: ValidationError) -> None:
    """The service's refusal on the form: on the field it names when the form shows
    that field, else above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, errors in error.error_dict.items():
        shown = field in form.fields and not form.fields[field].widget.is_hidden
        for message in errors:
            form.add_error(field if shown else None, message)


def _list_spec_or_404(list_key):
    try:
        return remembered_lists.list_spec(list_key)
    except ValidationError:
        raise Http404 from None


class SavedViewPage(PageMixin):
    model = SavedView
    template_name = "generic/form.html"

    def get_breadcrumbs(self):
        spec = self.spec
        title = spec.view_class.title or spec.model._meta.verbose_name_plural
        return [(str(title)[:1].upper() + str(title)[1:], spec.url), (self.get_title(), None)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cancel_url"] = self.spec.url
        return context


class SaveView(SubmitOnceMixin, SavedViewPage, FormView):
    """Save the current state of a list (its URL name in the URL) under a name."""

    title = _("Save view")
    form_class = SaveViewForm

    def dispatch(self, request, *args, **kwargs):
        self.spec = _list_spec_or_404(kwargs["list_key"])
        if not request.user.has_perms(self.spec.view_class().get_permission_required()):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        state = ListState.objects.filter(user=self.request.user, list_key=self.spec.key).first()
        if state is None:
            return {}
        columns = state.columns if isinstance(state.columns, list) else []
        return {"query": state.query, "columns": ",".join(map(str, columns))}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["teams"] = remembered_lists.user_teams(self.request.user)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        query = form["query"].value() or ""
        context["view_filters"] = [
            (name, value) for name, values in QueryDict(query).lists() for value in values
        ]
        headers = dict(self.spec.column_headers())
        shown = [name for name in (form["columns"].value() or "").split(",") if name in headers]
        context["view_columns"] = [headers[name] for name in shown]
        return context

    def get_template_names(self):
        return ["core/savedview_form.html"]

    def form_valid(self, form):
        data = form.cleaned_data
        columns = [name for name in data["columns"].split(",") if name] or None
        try:
            view = remembered_lists.save_view(
                user=self.request.user,
                list_key=self.spec.key,
                name=data["name"],
                query=data["query"],
                columns=columns,
                team=data.get("team"),
            )
        except (ValidationError, PermissionDenied) as error:
            if isinstance(error, PermissionDenied):
                error = ValidationError(str(error))
            _add_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, gettext("View “%(name)s” saved.") % {"name": view.name})
        return HttpResponseRedirect(remembered_lists.open_view(user=self.request.user, view=view))


class OwnViewMixin:
    """The user's own view from the URL (another user's: 404)."""

    def dispatch(self, request, *args, **kwargs):
        self.view_object = (
            SavedView.objects.filter(pk=kwargs["pk"], user_id=request.user.pk).first()
            if request.user.is_authenticated
            else None
        )
        if self.view_object is None:
            raise Http404
        self.spec = _list_spec_or_404(self.view_object.list_key)
        return super().dispatch(request, *args, **kwargs)


class RenameView(SubmitOnceMixin, OwnViewMixin, SavedViewPage, FormView):
    title = _("Rename view")
    form_class = RenameViewForm

    def get_initial(self):
        return {"name": self.view_object.name}

    def form_valid(self, form):
        try:
            remembered_lists.rename_view(
                user=self.request.user, view=self.view_object, name=form.cleaned_data["name"]
            )
        except ValidationError as error:
            _add_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, gettext("View renamed."))
        return HttpResponseRedirect(self.spec.url)


class DeleteView(SubmitOnceMixin, OwnViewMixin, SavedViewPage, FormView):
    title = _("Delete view")
    form_class = forms.Form
    template_name = "generic/confirm.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["question"] = gettext("Delete the view “%(name)s”?") % {
            "name": self.view_object.name
        }
        if self.view_object.shared_with_team_id:
            context["details"] = [gettext("Your team no longer sees it either.")]
        context["submit_label"] = gettext("Yes, delete")
        context["object"] = self.view_object
        return context

    def form_valid(self, form):
        try:
            remembered_lists.delete_view(user=self.request.user, view=self.view_object)
        except ValidationError as error:
            messages.error(self.request, " ".join(error.messages))
        else:
            messages.success(self.request, gettext("View deleted."))
        return HttpResponseRedirect(self.spec.url)


class OpenView(View):
    """Apply a view (the user's own or one shared with their team) to its list."""

    http_method_names = ["get"]

    def get(self, request, pk):
        view = SavedView.objects.filter(pk=pk).first()
        if view is None:
            raise Http404
        try:
            url = remembered_lists.open_view(user=request.user, view=view)
        except PermissionDenied:
            raise Http404 from None  # a view not shared with the user is not theirs to see
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return HttpResponseRedirect(_list_spec_or_404(view.list_key).url)
        return HttpResponseRedirect(url)


class ChooseColumns(View):
    """Show the posted ``columns`` of the list ``list`` (``reset``: every column)."""

    http_method_names = ["post"]

    def post(self, request):
        spec = _list_spec_or_404(request.POST.get("list"))
        columns = None if "reset" in request.POST else request.POST.getlist("columns")
        try:
            remembered_lists.choose_columns(user=request.user, list_key=spec.key, columns=columns)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(spec.url)
