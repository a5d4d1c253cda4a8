from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import FormView

from campaigns import services
from campaigns.filters import (
    CampaignEntryFilter,
    CampaignFilter,
    InteractionLogEntryFilter,
    InteractionTemplateFilter,
)
from campaigns.forms import (
    CampaignForm,
    DeleteCanceledEntriesForm,
    InteractionEvaluationForm,
    InteractionTemplateForm,
    LogInteractionForm,
    template_defaults,
)
from campaigns.models import Campaign, CampaignEntry, InteractionLogEntry, InteractionTemplate
from campaigns.statistics import campaign_statistics
from campaigns.tables import (
    CampaignEntryTable,
    CampaignTable,
    InteractionLogEntryTable,
    InteractionTemplateTable,
)
from contacts.models import Contact, Language
from core import generic_views as generic
from core.concurrency import version_input
from core.forms import add_service_error
from core.placeholders import PLACEHOLDERS
from core.submit_once import SubmitOnceMixin


class CampaignList(generic.RecordListView):
    model = Campaign
    queryset = Campaign.objects.select_related("status", "salesperson")
    table_class = CampaignTable
    filterset_class = CampaignFilter
    empty_text = gettext_lazy(
        "No campaigns yet. Set up campaign status codes, then create a campaign."
    )


class CampaignCard(generic.RecordCardView):
    model = Campaign
    queryset = Campaign.objects.select_related("status", "salesperson")
    sections = [
        (gettext_lazy("General"), ["no", "description", "status", "salesperson"]),
        (
            gettext_lazy("Period"),
            ["starting_date", "ending_date", "last_date_modified", "activated"],
        ),
    ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["statistics"] = campaign_statistics(self.object)
        return context


class CampaignSaveMixin:
    def save_form(self, form):
        return services.save_campaign(campaign=form.save(commit=False), **self.save_kwargs(form))


class CampaignCreate(CampaignSaveMixin, generic.RecordCreateView):
    model = Campaign
    form_class = CampaignForm


class CampaignEdit(CampaignSaveMixin, generic.RecordUpdateView):
    model = Campaign
    form_class = CampaignForm


class CampaignDelete(generic.RecordDeleteView):
    model = Campaign

    def deletion_summary(self):
        return services.deletion_summary(self.object)

    def perform_delete(self):
        services.delete_campaign(campaign=self.object, user=self.request.user)


# Interaction templates (SPEC §4) ---------------------------------------------------

PLACEHOLDER_LABELS = {
    "no": gettext_lazy("contact No."),
    "name": gettext_lazy("contact name"),
    "company": gettext_lazy("company name (a company's own name)"),
    "job_title": gettext_lazy("job title"),
    "address": gettext_lazy("address"),
    "post_code": gettext_lazy("post code"),
    "city": gettext_lazy("city"),
    "country_code": gettext_lazy("country/region code"),
    "email": gettext_lazy("e-mail"),
    "phone": gettext_lazy("phone No."),
    "salesperson": gettext_lazy("salesperson name"),
}


def placeholder_help() -> list[tuple[str, str]]:
    return [(f"{{{name}}}", PLACEHOLDER_LABELS.get(name, name)) for name in PLACEHOLDERS]


class PlaceholderHelpMixin:
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["placeholders"] = placeholder_help()
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


class InteractionTemplateCard(PlaceholderHelpMixin, generic.RecordCardView):
    model = InteractionTemplate
    queryset = InteractionTemplate.objects.select_related("campaign")
    sections = [
        (gettext_lazy("General"), ["code", "description", "unit_cost", "unit_duration"]),
        (
            gettext_lazy("Interaction"),
            ["information_flow", "initiated_by", "correspondence_type"],
        ),
        (gettext_lazy("Campaign"), ["campaign", "campaign_target", "campaign_response"]),
    ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        template = self.object
        context["contents"] = [
            (Language.ENGLISH.label, template.subject_en, template.body_en),
            (Language.DUTCH.label, template.subject_nl, template.body_nl),
        ]
        return context


class InteractionTemplateCreate(PlaceholderHelpMixin, generic.RecordCreateView):
    model = InteractionTemplate
    form_class = InteractionTemplateForm


class InteractionTemplateEdit(PlaceholderHelpMixin, generic.RecordUpdateView):
    model = InteractionTemplate
    form_class = InteractionTemplateForm


class InteractionTemplateDelete(generic.RecordDeleteView):
    model = InteractionTemplate


# Interaction log entries (SPEC §4) -------------------------------------------------


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


# Log an interaction for one contact (SPEC §4) ---------------------------------------


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


# Campaign entries (SPEC §3.3) -------------------------------------------------------

ENTRY_INTERACTIONS_PER_PAGE = 50


class CampaignEntryList(generic.RecordListView):
    model = CampaignEntry
    queryset = CampaignEntry.objects.with_figures().select_related(
        "campaign", "user", "salesperson"
    )
    table_class = CampaignEntryTable
    filterset_class = CampaignEntryFilter
    empty_text = gettext_lazy(
        "No campaign entries yet. They are made when a segment is logged or an "
        "interaction is logged for a campaign."
    )


class CampaignEntryCard(generic.RecordCardView):
    model = CampaignEntry
    queryset = CampaignEntry.objects.with_figures().select_related(
        "campaign", "user", "salesperson", "logged_segment"
    )
    show_history = False
    sections = [
        (
            gettext_lazy("General"),
            [
                (gettext_lazy("Entry No."), "pk"),
                "campaign",
                "description",
                "date",
                "user",
                "salesperson",
                "canceled",
            ],
        ),
        (gettext_lazy("Segment"), ["segment_no", "logged_segment"]),
    ]
    # An entry may have 200,000 interactions: keyset pages, a capped count.
    sublists = (
        generic.SubList(
            "interactions",
            rows=lambda card: InteractionLogEntry.objects.filter(campaign_entry=card.object)
            .select_related("contact", "template", "salesperson", "campaign")
            .order_by("id"),
            table=InteractionLogEntryTable,
            exclude=("subject", "campaign", "evaluation"),
            per_page=ENTRY_INTERACTIONS_PER_PAGE,
            empty_text=gettext_lazy("This entry has no interaction log entries."),
        ),
    )

    def get_title(self):
        return _("Campaign entry %(entry)s") % {"entry": self.object}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entry = self.object
        user = self.request.user
        # Deleting needs the custom permission, not Django's default delete one.
        context["delete_url"] = (
            entry.get_url("delete") if user.has_perm(DELETE_ENTRY_PERMISSION) else None
        )
        context["can_cancel"] = user.has_perm("campaigns.change_campaignentry")
        context["interactions_url"] = (
            f"{reverse('campaigns:interactionlogentry_list')}?"
            f"{urlencode({'campaign': entry.campaign.no})}"
        )
        return context


DELETE_ENTRY_PERMISSION = "campaigns.delete_campaign_entry"


class EntryCancelAction(generic.ConfirmActionView):
    """Cancel or undo the cancel of a campaign entry and all its interactions."""

    model = CampaignEntry
    permission_required = "campaigns.change_campaignentry"
    cancel = True

    def affected(self) -> int:
        return (
            InteractionLogEntry.objects.filter(campaign_entry=self.object)
            .exclude(canceled=self.cancel)
            .count()
        )

    def refusal(self) -> str:
        if self.object.canceled == self.cancel:
            if self.cancel:
                return _("Campaign entry %(no)s is already canceled.") % {"no": self.object.pk}
            return _("Campaign entry %(no)s is not canceled.") % {"no": self.object.pk}
        return ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["refused"] = bool(self.refusal())
        return context

    def perform(self, form):
        refusal = self.refusal()
        if refusal:
            raise ValidationError(refusal)
        changed = services.set_entry_canceled(
            entry=self.object, canceled=self.cancel, user=self.request.user
        )
        return self.done_message(changed)


class EntryCancel(EntryCancelAction):
    action_label = gettext_lazy("Cancel entry")  # the title; "Cancel" alone reads as "go back"
    submit_label = gettext_lazy("Yes, cancel")
    template_name = "campaigns/campaignentry_confirm.html"

    def question(self):
        refusal = self.refusal()
        if refusal:
            return refusal
        count = self.affected()
        return ngettext(
            "Cancel campaign entry %(entry)s of campaign %(campaign)s? Its %(n)d interaction "
            "log entry is canceled too and no longer counts in the campaign statistics.",
            "Cancel campaign entry %(entry)s of campaign %(campaign)s? Its %(n)d interaction "
            "log entries are canceled too and no longer count in the campaign statistics.",
            count,
        ) % {"entry": self.object, "campaign": self.object.campaign.no, "n": count}

    def done_message(self, changed):
        return ngettext(
            "Campaign entry %(no)s canceled with %(n)d interaction log entry.",
            "Campaign entry %(no)s canceled with %(n)d interaction log entries.",
            changed,
        ) % {"no": self.object.pk, "n": changed}


class EntryUndoCancel(EntryCancelAction):
    cancel = False
    action_label = gettext_lazy("Undo cancel")
    submit_label = gettext_lazy("Yes, undo cancel")
    template_name = "campaigns/campaignentry_confirm.html"

    def question(self):
        refusal = self.refusal()
        if refusal:
            return refusal
        count = self.affected()
        return ngettext(
            "Undo the cancel of campaign entry %(entry)s of campaign %(campaign)s? Its "
            "%(n)d interaction log entry counts again in the campaign statistics.",
            "Undo the cancel of campaign entry %(entry)s of campaign %(campaign)s? Its "
            "%(n)d interaction log entries count again in the campaign statistics.",
            count,
        ) % {"entry": self.object, "campaign": self.object.campaign.no, "n": count}

    def done_message(self, changed):
        return ngettext(
            "Cancel of campaign entry %(no)s undone with %(n)d interaction log entry.",
            "Cancel of campaign entry %(no)s undone with %(n)d interaction log entries.",
            changed,
        ) % {"no": self.object.pk, "n": changed}


class CampaignEntryDelete(generic.RecordDeleteView):
    """Only a canceled entry can be deleted; its interactions go with it."""

    model = CampaignEntry
    queryset = CampaignEntry.objects.select_related("campaign")
    permission_required = DELETE_ENTRY_PERMISSION

    def get_title(self):
        return _("Delete campaign entry %(entry)s") % {"entry": self.object}

    def get_success_url(self):
        return (
            f"{reverse('campaigns:campaignentry_list')}?"
            f"{urlencode({'campaign': self.object.campaign.no})}"
        )

    def deletion_summary(self):
        count = InteractionLogEntry.objects.filter(campaign_entry=self.object).count()
        return [
            ngettext("%(n)d interaction log entry", "%(n)d interaction log entries", count)
            % {"n": count}
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if not self.object.canceled:
            context["refusal"] = _(
                "Campaign entry %(no)s is not canceled. Cancel it before deleting it."
            ) % {"no": self.object.pk}
        return context

    def perform_delete(self):
        services.delete_campaign_entry(entry=self.object, user=self.request.user)


class DeleteCanceledEntries(
    generic.ModelPermissionMixin, generic.QueryInitialMixin, generic.PageMixin, FormView
):
    """Batch *Delete canceled campaign entries* (SPEC §3.3): filters, then a
    confirmation that says how many go, then the service."""

    model = CampaignEntry
    permission_required = DELETE_ENTRY_PERMISSION
    form_class = DeleteCanceledEntriesForm
    template_name = "campaigns/delete_canceled_entries.html"
    title = gettext_lazy("Delete canceled campaign entries")

    def get_breadcrumbs(self):
        return [self.list_crumb(), (self.get_title(), None)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cancel_url"] = reverse("campaigns:campaignentry_list")
        return context

    def form_valid(self, form):
        filters = form.filters()
        if "confirm" not in self.request.POST:
            entries = CampaignEntry.objects.canceled_matching(**filters)
            count = entries.count()
            if not count:
                form.add_error(None, _("No canceled campaign entries match these filters."))
                return self.form_invalid(form)
            interactions = InteractionLogEntry.objects.filter(
                campaign_entry__in=entries.values("id")
            ).count()
            question = _("Delete %(entries)s with %(interactions)s? This cannot be undone.") % {
                "entries": ngettext(
                    "%(n)d canceled campaign entry", "%(n)d canceled campaign entries", count
                )
                % {"n": count},
                "interactions": ngettext(
                    "%(n)d interaction log entry", "%(n)d interaction log entries", interactions
                )
                % {"n": interactions},
            }
            return self.render_to_response(
                self.get_context_data(form=form, question=question, confirming=True)
            )
        try:
            with transaction.atomic():
                deleted = services.delete_canceled_campaign_entries(
                    **filters, user=self.request.user
                )
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            ngettext(
                "%(n)d canceled campaign entry deleted.",
                "%(n)d canceled campaign entries deleted.",
                deleted,
            )
            % {"n": deleted},
        )
        return HttpResponseRedirect(reverse("campaigns:campaignentry_list"))
