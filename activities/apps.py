from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "activities"
    verbose_name = _("Activities and tasks")

    def ready(self):
        from activities import dashboard, panels, search_providers

        dashboard.register()
        panels.register()
        search_providers.register()
