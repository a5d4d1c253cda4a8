import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign


class CampaignTable(tables.Table):
    no = tables.Column(linkify=True)
    salesperson = tables.Column(
        accessor="salesperson__code", order_by="salesperson__code", verbose_name=_("Salesperson")
    )

    class Meta:
        model = Campaign
        fields = [
            "no",
            "description",
            "status",
            "starting_date",
            "ending_date",
            "salesperson",
            "activated",
            "last_date_modified",
        ]
