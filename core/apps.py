from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Setup")

    def ready(self):
        from core.roles import sync_role_permissions

        post_migrate.connect(sync_role_permissions, dispatch_uid="core.sync_role_permissions")
