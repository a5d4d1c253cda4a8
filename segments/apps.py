from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SegmentsConfig(AppConfig):
    name = "segments"
    verbose_name = _("Segments")

    def ready(self):
        from segments import panels, search_providers

        panels.register()
        search_providers.register()
