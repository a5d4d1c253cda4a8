from django.urls import include, path

from campaigns import views
from campaigns.models import Campaign, CampaignStatus
from core.urls_helpers import record_urls

app_name = "campaigns"

urlpatterns = [
    path(
        "setup/campaign-statuses/",
        include(
            record_urls(
                CampaignStatus,
                list=views.CampaignStatusList,
                card=views.CampaignStatusCard,
                create=views.CampaignStatusCreate,
                edit=views.CampaignStatusEdit,
                delete=views.CampaignStatusDelete,
            )
        ),
    ),
    path(
        "campaigns/",
        include(
            record_urls(
                Campaign,
                list=views.CampaignList,
                card=views.CampaignCard,
                create=views.CampaignCreate,
                edit=views.CampaignEdit,
                delete=views.CampaignDelete,
            )
        ),
    ),
]
