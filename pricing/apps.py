from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PricingConfig(AppConfig):
    name = "pricing"
    verbose_name = _("Sales prices and discounts")

    def ready(self):
        from pricing import panels, receivers, search_providers

        receivers.connect()
        panels.register()
        search_providers.register()
