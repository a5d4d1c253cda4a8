"""Campaign entries: the list, the card with its interactions, cancel and undo, delete
one canceled entry or a batch of them (docs/campaigns.md)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import FormView

from campaigns import services
from campaigns.filters import (
    CampaignEntryFilter,
)
from campaigns.forms import (
    DeleteCanceledEntriesForm,
)
from campaigns.models import CampaignEntry, InteractionLogEntry
from campaigns.tables import (
    CampaignEntryTable,
    InteractionLogEntryTable,
)
from core import generic_views as generic
from core.forms import add_service_error

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
            rows=lambda card: (
                InteractionLogEntry.objects.filter(campaign_entry=card.object)
                .select_related("contact", "template", "salesperson", "campaign")
                .order_by("id")
            ),
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
    """Batch *Delete canceled campaign entries* (docs/campaigns.md): filters, then a
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
