from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from campaigns import views
from campaigns.models import Campaign, CampaignStatus
from core.code_tables import code_table_urls
from core.urls_helpers import record_urls

app_name = "campaigns"

urlpatterns = [
    path(
        "setup/campaign-statuses/",
        include(
            code_table_urls(
                CampaignStatus,
                empty_text=_(
                    "No campaign status codes yet. Set them up before creating campaigns."
                ),
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
