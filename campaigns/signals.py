"""Signals other apps listen to (sent by the services, never by ``post_save``)."""

from django.dispatch import Signal

# Sent after a campaign's starting or ending date changed.
# Arguments: campaign, old_starting_date, old_ending_date.
campaign_dates_changed = Signal()
