from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Setup")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from core import dashboard, retention, tables  # tables registers AmountColumn & co. first
        from core.filter_syntax import register_sqlite_function
        from core.middleware import apply_language_at_login
        from core.roles import sync_role_permissions

        tables.cache_cell_signatures()
        retention.register_core_kinds()
        dashboard.register_core_panels()
        post_migrate.connect(sync_role_permissions, dispatch_uid="core.sync_role_permissions")
        user_logged_in.connect(apply_language_at_login, dispatch_uid="core.apply_language_at_login")
        # NAV filters fold case the same way on SQLite as on PostgreSQL (core/filter_syntax.py).
        connection_created.connect(
            register_sqlite_function, dispatch_uid="core.filter_syntax.register_sqlite_function"
        )
