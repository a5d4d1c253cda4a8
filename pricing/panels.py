"""Pricing panels on other apps' cards."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.panels import CardPanel, register_card_panel


def campaign_pricing(campaign):
    from pricing.services import price_counts

    prices, discounts = price_counts(campaign)
    targets = campaign.target_count
    return {
        "campaign": campaign,
        # The overlap check is loaded after the card (pricing.views.CampaignOverlapsPanel).
        "overlaps_url": (
            reverse("pricing:campaign_overlaps", kwargs={"key": campaign.no})
            if prices + discounts
            else ""
        ),
        "summary": ", ".join(
            [
                ngettext("%(n)d sales price", "%(n)d sales prices", prices) % {"n": prices},
                ngettext("%(n)d line discount", "%(n)d line discounts", discounts)
                % {"n": discounts},
                ngettext("%(n)d target", "%(n)d targets", targets) % {"n": targets},
            ]
        ),
    }


ITEM_UNITS_SHOWN = 20


def item_units(item):
    """The units an item is sold in, for its card (one query)."""
    from pricing.models import ItemUnitOfMeasure

    units = list(
        ItemUnitOfMeasure.objects.filter(item=item).select_related("unit_of_measure")[
            : ITEM_UNITS_SHOWN + 1
        ]
    )
    return {"item": item, "units": units[:ITEM_UNITS_SHOWN], "more": len(units) > ITEM_UNITS_SHOWN}


def register():
    register_actions()
    register_card_panel(
        "pricing.item",
        CardPanel(
            title=_("Units of measure"),
            template="pricing/partials/item_units_panel.html",
            permission="pricing.view_itemunitofmeasure",
            get_context=item_units,
            order=5,
        ),
    )
    register_card_panel(
        "campaigns.campaign",
        CardPanel(
            title=_("Sales prices and line discounts"),
            template="pricing/partials/campaign_pricing_panel.html",
            permission="pricing.view_salesprice",
            get_context=campaign_pricing,
            order=5,
        ),
    )


def register_actions():
    from django.urls import reverse

    from core.panels import CardAction, register_card_action
    from pricing.views import campaign_rows_url

    for action in [
        CardAction(
            label=_("Activate sales prices/line discounts"),
            group="process",
            permission="pricing.activate_campaign",
            url=lambda c: reverse("pricing:campaign_activate", kwargs={"key": c.no}),
            icon="lightning-charge",
            # An activated campaign offers Deactivate instead (docs/pricing.md).
            show=lambda c: not c.activated,
            order=10,
        ),
        CardAction(
            label=_("Deactivate sales prices/line discounts"),
            group="process",
            permission="pricing.activate_campaign",
            url=lambda c: reverse("pricing:campaign_deactivate", kwargs={"key": c.no}),
            icon="lightning",
            show=lambda c: c.activated,
            order=11,
        ),
        CardAction(
            label=_("Sales prices"),
            group="related",
            permission="pricing.view_salesprice",
            url=lambda c: campaign_rows_url("pricing:salesprice_list", c),
            icon="tags",
            order=20,
        ),
        CardAction(
            label=_("Sales line discounts"),
            group="related",
            permission="pricing.view_saleslinediscount",
            url=lambda c: campaign_rows_url("pricing:saleslinediscount_list", c),
            icon="percent",
            order=21,
        ),
    ]:
        register_card_action("campaigns.campaign", action)
