from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpportunitiesConfig(AppConfig):
    name = "opportunities"
    verbose_name = _("Opportunities and sales cycles")

    def ready(self):
        from campaigns.statistics import campaign_results_requested, campaign_statistics_requested
        from campaigns.statistics_views import campaign_charts_requested
        from opportunities import dashboard, panels, search_providers, statistics

        dashboard.register()
        panels.register()
        search_providers.register()
        campaign_statistics_requested.connect(
            statistics.campaign_opportunity_figures, dispatch_uid="opportunity_figures"
        )
        campaign_charts_requested.connect(
            statistics.campaign_opportunity_chart, dispatch_uid="opportunity_chart"
        )
        campaign_results_requested.connect(
            statistics.campaign_results, dispatch_uid="opportunity_results"
        )
