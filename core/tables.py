import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from core.models import Job, NumberSeries


class NumberSeriesTable(tables.Table):
    code = tables.Column(linkify=True)
    next_preview = tables.Column(verbose_name=_("next No."), orderable=False)

    class Meta:
        model = NumberSeries
        fields = ["code", "description", "prefix", "digits", "last_number", "allow_manual"]
        sequence = [*fields[:5], "next_preview", "allow_manual"]


class JobTable(tables.Table):
    id = tables.Column(verbose_name=_("No."), linkify=True)
    progress = tables.TemplateColumn(
        verbose_name=_("progress"),
        orderable=False,
        template_code="{{ record.processed }} / {{ record.total }}",
    )
    result_url = tables.TemplateColumn(
        verbose_name=_("result"),
        orderable=False,
        template_code=(
            '{% load i18n %}{% if record.result_url %}<a href="{{ record.result_url }}">'
            '{% translate "Open" %}</a>{% endif %}'
        ),
    )

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "description",
            "user",
            "state",
            "created_at",
            "started_at",
            "finished_at",
            "error",
        ]
        sequence = [*fields[:5], "progress", *fields[5:], "result_url"]
