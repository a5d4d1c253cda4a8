import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign, CampaignEntry, InteractionLogEntry, InteractionTemplate
from core.tables import AmountColumn, CountColumn

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

    # Column priorities: 1 always shown, 2–6 from wider tables up (docs/lists.md).
    priorities = {
        "no": 1,
        "description": 1,
        "status": 2,
        "starting_date": 2,
        "ending_date": 3,
        "salesperson": 3,
        "activated": 3,
        "last_date_modified": 5,
        "activation": 4,
    }

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
        url = reverse(name, kwargs={"key": record.no})
        return format_html('<a class="btn btn-sm btn-outline-primary" href="{}">{}</a>', url, label)


def _code_column(accessor, label):
    return tables.Column(accessor=accessor, verbose_name=label, order_by=accessor)


class InteractionTemplateTable(tables.Table):
    code = tables.Column(linkify=True)
    campaign = _code_column("campaign__no", _("Campaign"))

    # Column priorities: 1 always shown, 2–6 from wider tables up (docs/lists.md).
    priorities = {
        "code": 1,
        "description": 1,
        "correspondence_type": 2,
        "information_flow": 3,
        "initiated_by": 4,
        "unit_cost": 3,
        "unit_duration": 4,
        "campaign": 5,
        "campaign_target": 5,
        "campaign_response": 5,
    }

    class Meta:
        model = InteractionTemplate
        fields = [
            "code",
            "description",
            "correspondence_type",
            "information_flow",
            "initiated_by",
            "unit_cost",
            "unit_duration",
            "campaign",
            "campaign_target",
            "campaign_response",
        ]


class InteractionLogEntryTable(tables.Table):
    entry_no = tables.Column(
        accessor="pk", verbose_name=_("Entry No."), order_by="id", linkify=True
    )
    contact = tables.Column(
        accessor="contact__no",
        verbose_name=_("Contact No."),
        order_by="contact__no",
        linkify=lambda record: record.contact.get_absolute_url(),
    )
    contact_name = tables.Column(
        accessor="contact__name", verbose_name=_("Contact name"), order_by="contact__name"
    )
    template = _code_column("template__code", _("Interaction template"))
    campaign = _code_column("campaign__no", _("Campaign"))
    salesperson = _code_column("salesperson__code", _("Salesperson"))

    # Column priorities: 1 always shown, 2–6 from wider tables up (docs/lists.md).
    priorities = {
        "entry_no": 1,
        "date": 2,
        "contact": 5,
        "contact_name": 1,
        "template": 5,
        "description": 5,
        "subject": 2,
        "campaign": 3,
        "campaign_target": 5,
        "campaign_response": 5,
        "salesperson": 5,
        "cost": 4,
        "duration": 3,
        "evaluation": 3,
        "canceled": 3,
    }

    class Meta:
        model = InteractionLogEntry
        fields = [
            "entry_no",
            "date",
            "contact",
            "contact_name",
            "template",
            "description",
            "subject",
            "campaign",
            "campaign_target",
            "campaign_response",
            "salesperson",
            "cost",
            "duration",
            "evaluation",
            "canceled",
        ]


class CampaignEntryTable(tables.Table):
    entry_no = tables.Column(
        accessor="pk", verbose_name=_("Entry No."), order_by="id", linkify=True
    )
    campaign = tables.Column(
        accessor="campaign__no",
        verbose_name=_("Campaign"),
        order_by="campaign__no",
        linkify=lambda record: record.campaign.get_absolute_url(),
    )
    user = _code_column("user__username", _("User"))
    salesperson = _code_column("salesperson__code", _("Salesperson"))
    interaction_count = CountColumn(verbose_name=_("No. of interactions"))
    cost = AmountColumn(verbose_name=_("Cost"), decimal_places=2)
    duration = AmountColumn(verbose_name=_("Duration (min.)"), decimal_places=1)

    # Column priorities: 1 always shown, 2–6 from wider tables up (docs/lists.md).
    priorities = {
        "entry_no": 1,
        "campaign": 2,
        "description": 1,
        "date": 2,
        "user": 4,
        "segment_no": 3,
        "canceled": 3,
        "salesperson": 4,
        "interaction_count": 3,
        "cost": 3,
        "duration": 4,
    }

    class Meta:
        model = CampaignEntry
        fields = [
            "entry_no",
            "campaign",
            "description",
            "date",
            "user",
            "segment_no",
            "canceled",
            "salesperson",
            "interaction_count",
            "cost",
            "duration",
        ]
