"""Interaction panels and actions on the contact card (docs/campaigns.md, Interactions)."""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.audit import audit_card_panel
from core.panels import CardAction, CardPanel, register_card_action, register_card_panel

SHOWN = 20


def contact_interactions(contact):
    """The latest interactions of a person, or of a company and its persons (as
    NAV filters a company's interaction log entries on the contact company No.)."""
    from campaigns.models import InteractionLogEntry

    if contact.is_company:
        interactions = InteractionLogEntry.objects.filter(contact_company=contact)
        query = {"contact_company": contact.no}
    else:
        interactions = InteractionLogEntry.objects.filter(contact=contact)
        query = {"contact": contact.no}
    rows = list(
        interactions.select_related("contact", "template", "campaign").order_by("-date", "-id")[
            : SHOWN + 1
        ]
    )
    return {
        "interactions": rows[:SHOWN],
        "more": len(rows) > SHOWN,
        "contact": contact,
        "is_company": contact.is_company,
        "list_url": f"{reverse('campaigns:interactionlogentry_list')}?{urlencode(query)}",
    }


def register():
    # The last bulk operations on the campaign (activation, deleted entries …).
    register_card_panel("campaigns.campaign", audit_card_panel())
    register_card_panel(
        "contacts.contact",
        CardPanel(
            title=_("Interactions"),
            template="campaigns/partials/contact_interactions_panel.html",
            permission="campaigns.view_interactionlogentry",
            get_context=contact_interactions,
            order=20,
        ),
    )
    register_card_action(
        "contacts.contact",
        CardAction(
            label=_("Log interaction"),
            group="process",
            permission="campaigns.add_interactionlogentry",
            url=lambda contact: reverse(
                "campaigns:contact_log_interaction", kwargs={"key": contact.no}
            ),
            icon="chat-left-dots",
            order=10,
        ),
    )
    for order, (label, url_name, permission, icon) in enumerate(
        [
            (
                _("Entries"),
                "campaigns:campaignentry_list",
                "campaigns.view_campaignentry",
                "journal-text",
            ),
            (
                _("Interactions"),
                "campaigns:interactionlogentry_list",
                "campaigns.view_interactionlogentry",
                "chat-left-text",
            ),
        ],
        start=1,
    ):
        register_card_action(
            "campaigns.campaign",
            CardAction(
                label=label,
                group="related",
                permission=permission,
                url=lambda campaign, name=url_name: (
                    f"{reverse(name)}?{urlencode({'campaign': campaign.no})}"
                ),
                icon=icon,
                order=order,
            ),
        )
    register_card_action(
        "campaigns.campaign",
        CardAction(
            label=_("Statistics"),
            group="related",
            permission="campaigns.view_campaign",
            url=lambda campaign: reverse(
                "campaigns:campaign_statistics", kwargs={"key": campaign.no}
            ),
            icon="bar-chart",
            order=3,
        ),
    )
