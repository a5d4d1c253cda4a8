from django.urls import path

from campaigns.statistics_views import CampaignStatisticsView

# Included by campaigns/urls.py (namespace "campaigns").
urlpatterns = [
    path(
        "campaigns/<str:key>/statistics/",
        CampaignStatisticsView.as_view(),
        name="campaign_statistics",
    ),
]
