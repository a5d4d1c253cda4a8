from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SegmentsConfig(AppConfig):
    name = "segments"
    verbose_name = _("Segments")

    def ready(self):
        from core import jobs
        from segments import panels, segment_logging

        panels.register()
        for kind in segment_logging.EMAIL_KINDS:
            jobs.register(kind, segment_logging.run_email_job)
