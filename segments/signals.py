"""Signals higher apps listen to (sent by the services, never by ``post_save``)."""

from django.dispatch import Signal

# Lines of a segment were added, removed or changed (campaign, campaign target).
# Arguments: segment, campaign_ids (the campaigns whose lines may have changed).
segment_lines_changed = Signal()
