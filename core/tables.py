import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from core.models import NumberSeries


class NumberSeriesTable(tables.Table):
    code = tables.Column(linkify=True)
    next_preview = tables.Column(verbose_name=_("next No."), orderable=False)

    class Meta:
        model = NumberSeries
        fields = ["code", "description", "prefix", "digits", "last_number", "allow_manual"]
        sequence = [*fields[:5], "next_preview", "allow_manual"]
