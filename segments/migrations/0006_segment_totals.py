"""A segment keeps its lines' cost and duration added up, as it keeps their number
(docs/segments.md, Totals): the fields, filled from the lines in one UPDATE."""

from decimal import Decimal

from django.db import migrations, models
from django.db.models import OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce


def fill_totals(apps, schema_editor):
    Segment = apps.get_model("segments", "Segment")
    SegmentLine = apps.get_model("segments", "SegmentLine")
    lines = SegmentLine.objects.filter(segment=OuterRef("pk")).order_by().values("segment")

    def total(name):
        return Coalesce(
            Subquery(lines.annotate(total=Sum(name)).values("total")), Value(Decimal(0))
        )

    Segment.objects.update(cost_total=total("cost"), duration_total=total("duration"))


class Migration(migrations.Migration):
    dependencies = [
        ("segments", "0005_loggedsegment_language"),
    ]

    operations = [
        migrations.AddField(
            model_name="segment",
            name="cost_total",
            field=models.DecimalField(
                decimal_places=2,
                default=0,
                editable=False,
                max_digits=18,
                verbose_name="total cost",
            ),
        ),
        migrations.AddField(
            model_name="segment",
            name="duration_total",
            field=models.DecimalField(
                decimal_places=1,
                default=0,
                editable=False,
                max_digits=16,
                verbose_name="total duration (min.)",
            ),
        ),
        migrations.RunPython(fill_totals, migrations.RunPython.noop),
    ]
