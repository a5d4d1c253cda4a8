from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuotesConfig(AppConfig):
    name = "quotes"
    verbose_name = _("Sales quotes")

    def ready(self):
        from campaigns.statistics import campaign_results_requested
        from pricing.services import UNIT_USES
        from quotes import search_providers, statistics
        from quotes.services import quote_lines_in_unit

        # An item's unit of measure on quote lines stays (docs/pricing.md, Units of measure).
        UNIT_USES.append(quote_lines_in_unit)
        search_providers.register()
        campaign_results_requested.connect(
            statistics.campaign_results, dispatch_uid="quote_line_results"
        )
