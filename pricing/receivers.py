"""How pricing follows changes in lower apps (their custom signals)."""

from campaigns.signals import (
    campaign_dates_changed,
    campaign_deleting,
    campaign_deletion_summary,
    interactions_changed,
)
from contacts.signals import customer_created_from_contact, customer_deleting
from pricing import services
from segments.signals import segment_lines_changed


def _lines_changed(sender, segment, campaign_ids, **kwargs):
    services.refresh_targets(campaign_ids)


def _interactions_changed(sender, campaign_ids, **kwargs):
    services.refresh_targets(campaign_ids)


def _customer_created(sender, customer, contact, **kwargs):
    services.customer_created(customer)


def _customer_deleting(sender, customer, contact, **kwargs):
    services.customer_deleting(customer)


def _dates_changed(sender, campaign, **kwargs):
    services.move_campaign_dates(campaign)


def _campaign_deleting(sender, campaign, **kwargs):
    services.delete_campaign_rows(campaign)


def _deletion_summary(sender, campaign, **kwargs):
    return services.deletion_summary(campaign)


def connect():
    segment_lines_changed.connect(_lines_changed, dispatch_uid="pricing.lines_changed")
    interactions_changed.connect(_interactions_changed, dispatch_uid="pricing.interactions_changed")
    customer_created_from_contact.connect(
        _customer_created, dispatch_uid="pricing.customer_created"
    )
    customer_deleting.connect(_customer_deleting, dispatch_uid="pricing.customer_deleting")
    campaign_dates_changed.connect(_dates_changed, dispatch_uid="pricing.dates_changed")
    campaign_deleting.connect(_campaign_deleting, dispatch_uid="pricing.campaign_deleting")
    campaign_deletion_summary.connect(_deletion_summary, dispatch_uid="pricing.deletion_summary")
