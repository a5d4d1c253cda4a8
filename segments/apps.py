from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SegmentsConfig(AppConfig):
    name = "segments"
    verbose_name = _("Segments")

    def ready(self):
        from core import audit
        from segments import panels, search_providers
        from segments.services.actions import audit_criteria_text

        panels.register()
        search_providers.register()
        audit.register_description("segment_criteria", audit_criteria_text)
