import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from salespeople.models import Salesperson, Team


class SalespersonTable(tables.Table):
    code = tables.Column(linkify=True)

    class Meta:
        model = Salesperson
        fields = ["code", "name", "email", "phone", "commission_percent", "user", "blocked"]


class TeamTable(tables.Table):
    code = tables.Column(linkify=True)
    member_count = tables.Column(verbose_name=_("No. of members"))

    class Meta:
        model = Team
        fields = ["code", "name", "member_count"]
