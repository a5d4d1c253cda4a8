"""Signals other apps listen to (sent by the services, never by ``post_save``)."""

from django.dispatch import Signal

# Sent after a campaign's starting or ending date changed.
# Arguments: campaign, old_starting_date, old_ending_date.
campaign_dates_changed = Signal()

# Sent inside the deleting transaction, before the campaign is deleted, so that
# other apps delete what belongs to it. Arguments: campaign.
campaign_deleting = Signal()

# Asked before the delete confirmation; each receiver answers with a list of
# lines naming what would be deleted with the campaign. Arguments: campaign.
campaign_deletion_summary = Signal()

# Interaction log entries of these campaigns were logged, canceled, restored or
# deleted. Arguments: campaign_ids.
interactions_changed = Signal()
