"""Campaign pages: the list, the card with its statistics side panel, the form and the
delete (docs/campaigns.md)."""

from django.utils.translation import gettext_lazy

from campaigns import services
from campaigns.filters import (
    CampaignFilter,
)
from campaigns.forms import (
    CampaignForm,
)
from campaigns.models import Campaign
from campaigns.statistics import campaign_statistics
from campaigns.tables import (
    CampaignTable,
)
from core import generic_views as generic


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
        (gettext_lazy("Cost"), ["budget_cost"]),
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
