from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalespeopleConfig(AppConfig):
    name = "salespeople"
    verbose_name = _("Salespeople")
