"""Interaction templates, the interaction log entries with their evaluation, and logging
an interaction for one contact (docs/campaigns.md)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView

from campaigns import services
from campaigns.filters import (
    InteractionLogEntryFilter,
    InteractionTemplateFilter,
)
from campaigns.forms import (
    InteractionEvaluationForm,
    InteractionTemplateForm,
    InteractionTemplateLanguageForm,
    LogInteractionForm,
    template_defaults,
)
from campaigns.models import InteractionLogEntry, InteractionTemplate, InteractionTemplateLanguage
from campaigns.rendering import merge_field_help
from campaigns.tables import (
    InteractionLogEntryTable,
    InteractionTemplateTable,
)
from contacts.models import Contact
from core import generic_views as generic
from core.concurrency import version_input
from core.forms import add_service_error
from core.submit_once import SubmitOnceMixin


class MergeFieldHelpMixin:
    """The merge fields a text may use (``campaigns.rendering.MERGE_FIELDS``)."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["merge_fields"] = merge_field_help()
        return context


class InteractionTemplateList(generic.RecordListView):
    model = InteractionTemplate
    queryset = InteractionTemplate.objects.select_related("campaign")
    table_class = InteractionTemplateTable
    filterset_class = InteractionTemplateFilter
    empty_text = gettext_lazy(
        "No interaction templates yet. Create one for each kind of interaction "
        "(letter, e-mail, phone call, response) before logging segments."
    )


class InteractionTemplateCard(MergeFieldHelpMixin, generic.RecordCardView):
    model = InteractionTemplate
    queryset = InteractionTemplate.objects.select_related("campaign")
    sections = [
        (gettext_lazy("General"), ["code", "description", "unit_cost", "unit_duration"]),
        (
            gettext_lazy("Interaction"),
            ["information_flow", "initiated_by", "correspondence_type", "default_language"],
        ),
        (gettext_lazy("Campaign"), ["campaign", "campaign_target", "campaign_response"]),
    ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["languages"] = list(self.object.languages.all())
        # Language versions are part of the template: its change permission.
        context["can_change_languages"] = self.request.user.has_perm(
            "campaigns.change_interactiontemplate"
        )
        return context


class InteractionTemplateCreate(generic.RecordCreateView):
    model = InteractionTemplate
    form_class = InteractionTemplateForm


class InteractionTemplateEdit(generic.RecordUpdateView):
    model = InteractionTemplate
    form_class = InteractionTemplateForm


class InteractionTemplateDelete(generic.RecordDeleteView):
    model = InteractionTemplate

    def deletion_summary(self):
        languages = [str(version) for version in self.object.languages.all()]
        if not languages:
            return []
        return [_("Language versions: %(languages)s") % {"languages": ", ".join(languages)}]


# Language versions of an interaction template -------------------------------------------


class TemplateLanguageMixin:
    """A language version's page under its template:
    ``/setup/interaction-templates/<key>/languages/<language>/``; the template's change
    permission, as language versions are part of the template."""

    model = InteractionTemplateLanguage
    permission_required = "campaigns.change_interactiontemplate"

    @cached_property
    def interaction_template(self):
        return get_object_or_404(InteractionTemplate, code=self.kwargs["key"])

    def get_object(self, queryset=None):
        return get_object_or_404(
            InteractionTemplateLanguage.objects.select_related("template"),
            template=self.interaction_template,
            language=self.kwargs["language"],
        )

    def get_breadcrumbs(self):
        template = self.interaction_template
        return [
            (
                capfirst(InteractionTemplate._meta.verbose_name_plural),
                reverse(InteractionTemplate.url_name("list")),
            ),
            (str(template), template.get_absolute_url()),
            (self.get_title(), None),
        ]

    def get_success_url(self):
        return self.interaction_template.get_absolute_url() + "#languages"


class TemplateLanguageFormMixin(MergeFieldHelpMixin, TemplateLanguageMixin):
    form_class = InteractionTemplateLanguageForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "template": self.interaction_template}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cancel_url"] = self.interaction_template.get_absolute_url()
        return context

    def get_success_message(self):
        return _("%(language)s version of interaction template %(template)s saved.") % {
            "language": self.object.get_language_display(),
            "template": self.interaction_template.code,
        }


class TemplateLanguageCreate(TemplateLanguageFormMixin, generic.RecordCreateView):
    def get_title(self):
        return _("New language version – %(template)s") % {"template": self.interaction_template}


class TemplateLanguageEdit(TemplateLanguageFormMixin, generic.RecordUpdateView):
    def get_title(self):
        return _("%(language)s version – %(template)s") % {
            "language": self.object.get_language_display(),
            "template": self.interaction_template,
        }


class TemplateLanguageDelete(TemplateLanguageMixin, generic.RecordDeleteView):
    def get_title(self):
        return _("Delete the %(language)s version – %(template)s") % {
            "language": self.object.get_language_display(),
            "template": self.interaction_template,
        }


# Interaction log entries ------------------------------------------------------------


class InteractionList(generic.RecordListView):
    model = InteractionLogEntry
    queryset = InteractionLogEntry.objects.select_related(
        "contact", "template", "campaign", "salesperson"
    )
    table_class = InteractionLogEntryTable
    filterset_class = InteractionLogEntryFilter
    empty_text = gettext_lazy(
        "No interactions logged yet. Log a segment, or log an interaction from a contact card."
    )


class InteractionCard(generic.RecordCardView):
    """Read-only: a logged interaction changes only its evaluation (and canceled,
    through its campaign entry)."""

    model = InteractionLogEntry
    queryset = InteractionLogEntry.objects.select_related(
        "contact",
        "contact_company",
        "template",
        "salesperson",
        "campaign",
        "campaign_entry",
        "logged_segment",
        "user",
    )
    show_history = False
    sections = [
        (
            gettext_lazy("General"),
            [
                (gettext_lazy("Entry No."), "pk"),
                "contact",
                "contact_company",
                "date",
                "template",
                "description",
                "subject",
                "salesperson",
                "user",
            ],
        ),
        (
            gettext_lazy("Campaign"),
            [
                "campaign",
                "campaign_entry",
                "campaign_target",
                "campaign_response",
                "segment_no",
                "logged_segment",
            ],
        ),
        (
            gettext_lazy("Interaction"),
            [
                "cost",
                "duration",
                "information_flow",
                "initiated_by",
                "correspondence_type",
                "evaluation",
                "attempt_failed",
                "canceled",
                "postponed",
            ],
        ),
    ]

    def get_title(self):
        return _("Interaction log entry %(no)s") % {"no": self.object.pk}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.request.user.has_perm("campaigns.change_interactionlogentry"):
            context["evaluation_form"] = InteractionEvaluationForm(instance=self.object)
            context["evaluation_version"] = version_input(self.object)
        return context


class InteractionEvaluation(generic.RecordUpdateView):
    """Change the evaluation of a logged interaction; nothing else."""

    model = InteractionLogEntry
    form_class = InteractionEvaluationForm

    def get_title(self):
        return _("Evaluation of interaction log entry %(no)s") % {"no": self.object.pk}

    def get_breadcrumbs(self):
        return [
            self.list_crumb(),
            (str(self.object.pk), self.object.get_absolute_url()),
            (_("Evaluation"), None),
        ]

    def get_success_message(self):
        return _("Evaluation saved.")


# Log an interaction for one contact ---------------------------------------------------


class ContactLogInteraction(
    generic.ModelPermissionMixin, SubmitOnceMixin, generic.PageMixin, FormView
):
    """The contact card's *Log interaction*: one interaction, saved through
    ``services.log_interaction`` (which joins the campaign's "Interactions" entry).

    A GET with ``template`` fills in the template's defaults over whatever else
    the (htmx-refreshed) form carried."""

    model = InteractionLogEntry
    permission_required = "campaigns.add_interactionlogentry"
    form_class = LogInteractionForm
    template_name = "campaigns/log_interaction.html"

    def dispatch(self, request, *args, **kwargs):
        self.contact = get_object_or_404(
            Contact.objects.select_related("salesperson"), no=kwargs["key"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_title(self):
        return _("Log interaction – %(contact)s") % {"contact": self.contact}

    def get_breadcrumbs(self):
        return [
            (capfirst(Contact._meta.verbose_name_plural), reverse("contacts:contact_list")),
            (str(self.contact), self.contact.get_absolute_url()),
            (_("Log interaction"), None),
        ]

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["contact"] = self.contact
        kwargs["instance"] = InteractionLogEntry(contact=self.contact)
        return kwargs

    def get_initial(self):
        return self.initial_from(self.request.GET)

    def initial_from(self, data) -> dict:
        """The form's starting values: the contact's defaults, what ``data`` carried
        for the fields a template does not fill in, and the template's defaults."""
        contact = self.contact
        salesperson = contact.salesperson
        initial = {
            "date": timezone.localdate(),
            "salesperson": salesperson if salesperson and not salesperson.blocked else None,
            "correspondence_type": contact.correspondence_type,
        }
        typed = [name for name in self.form_class.Meta.fields if name != "template"]
        initial.update((name, data[name]) for name in typed if data.get(name))
        code = data.get("template", "").strip().upper()
        template = (
            InteractionTemplate.objects.select_related("campaign").filter(code=code).first()
            if code
            else None
        )
        if template is not None:
            # The template's values replace what was typed; where it has none
            # (no subject, no information flow) the typing stays.
            initial.update(
                (name, value)
                for name, value in template_defaults(template, contact).items()
                if value not in ("", None) or not data.get(name)
            )
            initial["template"] = template
            initial["defaults_from"] = template.code
        return initial

    def post(self, request, *args, **kwargs):
        if "_fill" in request.POST:
            # The template changed: show the form again with its defaults, save nothing.
            form = self.form_class(
                initial=self.initial_from(request.POST),
                contact=self.contact,
                instance=InteractionLogEntry(contact=self.contact),
            )
            return self.render_to_response(self.get_context_data(form=form))
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["contact"] = self.contact
        context["cancel_url"] = self.contact.get_absolute_url()
        return context

    def form_valid(self, form):
        interaction = form.save(commit=False)
        interaction.contact = self.contact
        try:
            with transaction.atomic():
                interaction = services.log_interaction(
                    interaction=interaction, user=self.request.user
                )
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        if interaction.campaign_entry_id:
            message = _(
                "Interaction %(no)s logged for %(contact)s in campaign entry %(entry)s "
                "of campaign %(campaign)s."
            ) % {
                "no": interaction.pk,
                "contact": self.contact,
                "entry": interaction.campaign_entry_id,
                "campaign": interaction.campaign.no,
            }
        else:
            message = _("Interaction %(no)s logged for %(contact)s.") % {
                "no": interaction.pk,
                "contact": self.contact,
            }
        messages.success(self.request, message)
        return HttpResponseRedirect(self.contact.get_absolute_url())
