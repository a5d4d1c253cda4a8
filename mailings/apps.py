from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailingsConfig(AppConfig):
    name = "mailings"
    verbose_name = _("Marketing e-mail")

    def ready(self):
        from core import jobs
        from core.models import Job
        from mailings import checks, metrics, panels, receivers, retention, sending, webhooks  # noqa: F401

        panels.register()
        metrics.register()
        retention.register()
        receivers.connect()
        webhooks.connect()
        for kind in (Job.Kind.SEGMENT_EMAILS, Job.Kind.SEGMENT_EMAIL_RETRY):
            jobs.register(kind, sending.run_email_job)
