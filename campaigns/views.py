from django.utils.translation import gettext_lazy as _

from campaigns import services
from campaigns.filters import CampaignFilter
from campaigns.forms import CampaignForm
from campaigns.models import Campaign
from campaigns.tables import CampaignTable
from core import generic_views as generic


class CampaignList(generic.RecordListView):
    model = Campaign
    queryset = Campaign.objects.select_related("status", "salesperson")
    table_class = CampaignTable
    filterset_class = CampaignFilter
    empty_text = _("No campaigns yet. Set up campaign status codes, then create a campaign.")


class CampaignCard(generic.RecordCardView):
    model = Campaign
    queryset = Campaign.objects.select_related("status", "salesperson")
    template_name = "campaigns/campaign_card.html"
    sections = [
        (_("General"), ["no", "description", "status", "salesperson"]),
        (_("Period"), ["starting_date", "ending_date", "last_date_modified", "activated"]),
    ]


class CampaignSaveMixin:
    def save_form(self, form):
        return services.save_campaign(campaign=form.save(commit=False), user=self.request.user)


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
