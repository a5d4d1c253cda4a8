"""Write operations on campaigns that are more than a form save."""

from django.db import transaction

from campaigns.models import Campaign
from campaigns.signals import (
    campaign_dates_changed,
    campaign_deleting,
    campaign_deletion_summary,
)


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
    """Delete ``campaign`` with what belongs to it (its campaign prices, discounts
    and target group); records that still refer to it refuse with ``ProtectedError``."""
    campaign_deleting.send(sender=Campaign, campaign=campaign)
    campaign.delete()


def deletion_summary(campaign: Campaign) -> list[str]:
    """What would be deleted together with ``campaign``, as readable lines."""
    lines = []
    for _receiver, answer in campaign_deletion_summary.send(sender=Campaign, campaign=campaign):
        lines.extend(answer or [])
    return lines
