from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The integration API under /api/v1/ (docs/api.md): it sits on top of every app."""

    name = "api"
    verbose_name = _("API")

    def ready(self):
        from api import retention, schema  # noqa: F401 - schema registers the OpenAPI extension

        retention.register()
