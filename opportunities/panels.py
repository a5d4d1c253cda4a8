"""Opportunity panels and actions on the campaign and contact cards (docs/opportunities.md).

The panels list other salespeople's opportunities, so they need
``opportunities.view_all_opportunities``; the "Opportunities" action opens the list,
which shows a salesperson only their own.
"""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from core.panels import CardAction, CardPanel, register_card_action, register_card_panel

SHOWN = 20


def _list_url(**query) -> str:
    return f"{reverse('opportunities:opportunity_list')}?{urlencode(query)}"


def _rows(opportunities):
    rows = list(
        opportunities.select_related("contact", "salesperson", "current_stage").order_by(
            "closed", "-creation_date", "-no"
        )[: SHOWN + 1]
    )
    return rows[:SHOWN], len(rows) > SHOWN


def campaign_opportunities(campaign):
    """The campaign's latest opportunities, open ones first (one query)."""
    from opportunities.models import Opportunity

    rows, more = _rows(Opportunity.objects.filter(campaign=campaign))
    return {
        "opportunities": rows,
        "more": more,
        "show_contact": True,
        "all_url": _list_url(campaign=campaign.pk),
        "new_url": f"{reverse('opportunities:opportunity_create')}?"
        + urlencode({"campaign": campaign.no}),
        "empty_text": _("No opportunities for this campaign yet."),
        "all_text": _("All opportunities of this campaign…"),
    }


def contact_opportunities(contact):
    """The contact's latest opportunities, open ones first (one query)."""
    from opportunities.models import Opportunity

    rows, more = _rows(Opportunity.objects.filter(contact=contact))
    return {
        "opportunities": rows,
        "more": more,
        "show_contact": False,
        "all_url": _list_url(contact=contact.no),
        "new_url": f"{reverse('opportunities:opportunity_create')}?"
        + urlencode({"contact": contact.no}),
        "empty_text": _("No opportunities for this contact yet."),
        "all_text": _("All opportunities of this contact…"),
    }


def register():
    for label, get_context in (
        ("campaigns.campaign", campaign_opportunities),
        ("contacts.contact", contact_opportunities),
    ):
        register_card_panel(
            label,
            CardPanel(
                title=_("Opportunities"),
                template="opportunities/partials/opportunities_panel.html",
                permission="opportunities.view_all_opportunities",
                get_context=get_context,
                order=40,
            ),
        )
    register_card_action(
        "campaigns.campaign",
        CardAction(
            label=_("Opportunities"),
            group="related",
            permission="opportunities.view_opportunity",
            url=lambda campaign: _list_url(campaign=campaign.pk),
            icon="graph-up-arrow",
            order=45,
        ),
    )
    register_card_action(
        "contacts.contact",
        CardAction(
            label=_("Opportunities"),
            group="related",
            permission="opportunities.view_opportunity",
            url=lambda contact: _list_url(contact=contact.no),
            icon="graph-up-arrow",
            order=45,
        ),
    )
    register_card_action(
        "contacts.contact",
        CardAction(
            label=_("New opportunity"),
            group="process",
            permission="opportunities.add_opportunity",
            url=lambda contact: (
                f"{reverse('opportunities:opportunity_create')}?"
                + urlencode({"contact": contact.no})
            ),
            icon="graph-up-arrow",
            order=45,
        ),
    )
    register_card_action(
        "opportunities.opportunity",
        CardAction(
            label=_("Assign activity"),
            group="process",
            permission="activities.assign_activity",
            url=lambda opportunity: reverse(
                "opportunities:opportunity_assign_activity", kwargs={"key": opportunity.no}
            ),
            icon="calendar-plus",
            show=lambda opportunity: not opportunity.closed,
            order=40,
        ),
    )
