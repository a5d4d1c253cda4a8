"""Segment panels on the campaign card and the contact card."""

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from core.audit import audit_card_panel
from core.panels import CardPanel, register_card_panel

SHOWN = 20


def campaign_segments(campaign):
    """The campaign's open segments and its logged segments (docs/campaigns.md,
    Campaigns): two queries, whatever the number of segments and interactions."""
    from segments.models import LoggedSegment, Segment

    segments = list(
        Segment.objects.filter(campaign=campaign)
        .select_related("salesperson")
        .order_by("-no")[: SHOWN + 1]
    )
    # A logged segment belongs to the campaign through its interactions; the count is
    # of its interactions of this campaign (filter before annotate: the same join).
    logged = list(
        LoggedSegment.objects.filter(interactions__campaign=campaign)
        .annotate(interaction_count=Count("interactions"))
        .order_by("-id")[: SHOWN + 1]
    )
    return {
        "segments": segments[:SHOWN],
        "more": len(segments) > SHOWN,
        "logged_segments": logged[:SHOWN],
        "more_logged": len(logged) > SHOWN,
        "campaign": campaign,
    }


def contact_segments(contact):
    from segments.models import SegmentLine

    lines = list(
        SegmentLine.objects.filter(contact=contact)
        .select_related("segment", "campaign")
        .order_by("-segment__no")[: SHOWN + 1]
    )
    return {"lines": lines[:SHOWN], "more": len(lines) > SHOWN, "contact": contact}


def register():
    from segments import bulk_actions

    bulk_actions.register()  # Add to segment on the contact list
    # The last criteria actions, Go backs and activity assignments of a segment.
    register_card_panel("segments.segment", audit_card_panel())
    register_card_panel(
        "campaigns.campaign",
        CardPanel(
            title=_("Segments"),
            template="segments/partials/campaign_segments_panel.html",
            permission="segments.view_segment",
            get_context=campaign_segments,
            order=10,
        ),
    )
    register_card_panel(
        "contacts.contact",
        CardPanel(
            title=_("Segments"),
            template="segments/partials/contact_segments_panel.html",
            permission="segments.view_segment",
            get_context=contact_segments,
            order=10,
        ),
    )
