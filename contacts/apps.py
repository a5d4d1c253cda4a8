from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ContactsConfig(AppConfig):
    name = "contacts"
    verbose_name = _("Contacts")

    def ready(self):
        from contacts import importing, search_providers
        from core import jobs
        from core.models import Job

        jobs.register(Job.Kind.CONTACT_IMPORT, importing.run_import_job)
        search_providers.register()  # the search box in the top bar (core.global_search)
        post_migrate.connect(ensure_search_indexes, sender=self)


def ensure_search_indexes(sender, using="default", **kwargs):
    """SQLite drops a table's triggers when a migration copies the table: the FTS5
    search index (core.search) and its triggers come back after every migrate."""
    from django.db import connections

    from contacts.models import Contact, Customer
    from core.search import ensure_sqlite_index

    for model in (Contact, Customer):
        ensure_sqlite_index(connections[using], model)
