"""Fill the target count kept on each campaign from its existing target group."""

from django.db import migrations
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce


def fill(apps, schema_editor):
    Campaign = apps.get_model("campaigns", "Campaign")
    CampaignTarget = apps.get_model("pricing", "CampaignTarget")
    counts = (
        CampaignTarget.objects.filter(campaign=OuterRef("pk"))
        .order_by()
        .values("campaign")
        .annotate(n=Count("pk"))
        .values("n")
    )
    Campaign.objects.update(target_count=Coalesce(Subquery(counts), 0))


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0006_campaign_target_count"),
        ("pricing", "0002_alter_historicalitem_no_and_more"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
