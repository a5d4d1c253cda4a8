"""Write operations on campaigns that are more than a form save."""

from django.db import transaction

from campaigns.models import Campaign
from campaigns.signals import campaign_dates_changed


@transaction.atomic
def save_campaign(*, campaign: Campaign, user=None) -> Campaign:
    """Create or change ``campaign`` (already validated).

    When the dates of an existing campaign change, ``campaign_dates_changed`` is
    sent so that the campaign's sales prices and line discounts move with them
    (SPEC §3.2).
    """
    old = None
    if campaign.pk:
        old = Campaign.objects.filter(pk=campaign.pk).values("starting_date", "ending_date").first()
    campaign.save()
    if old and (
        old["starting_date"] != campaign.starting_date or old["ending_date"] != campaign.ending_date
    ):
        campaign_dates_changed.send(
            sender=Campaign,
            campaign=campaign,
            old_starting_date=old["starting_date"],
            old_ending_date=old["ending_date"],
        )
    return campaign


@transaction.atomic
def delete_campaign(*, campaign: Campaign, user=None) -> None:
    """Delete ``campaign``; records that still refer to it refuse with ``ProtectedError``."""
    campaign.delete()
