import django_tables2 as tables
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign

# Activation lives in the pricing app (higher up); the list links to it by URL name.
ACTIVATION_URLS = ("pricing:campaign_activate", "pricing:campaign_deactivate")


class CampaignTable(tables.Table):
    no = tables.Column(linkify=True)
    salesperson = tables.Column(
        accessor="salesperson__code", order_by="salesperson__code", verbose_name=_("Salesperson")
    )
    activation = tables.Column(
        accessor="pk", verbose_name=_("Activation"), orderable=False, exclude_from_export=True
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
            "activation",
        ]

    def render_activation(self, record):
        request = getattr(self, "request", None)
        if request is None or not request.user.has_perm("pricing.activate_campaign"):
            return ""
        name, label = (
            (ACTIVATION_URLS[1], _("Deactivate"))
            if record.activated
            else (ACTIVATION_URLS[0], _("Activate"))
        )
        try:
            url = reverse(name, kwargs={"key": record.no})
        except NoReverseMatch:
            return ""
        return format_html('<a class="btn btn-sm btn-outline-primary" href="{}">{}</a>', url, label)
