from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactsConfig(AppConfig):
    name = "contacts"
    verbose_name = _("Contacts")

    def ready(self):
        from contacts import importing
        from core import jobs
        from core.models import Job

        jobs.register(Job.Kind.CONTACT_IMPORT, importing.run_import_job)
