"""Signals higher apps listen to (sent by the services, never by ``post_save``)."""

from django.dispatch import Signal

# Lines of a segment were added, removed or changed (campaign, campaign target).
# Arguments: segment, campaign_ids (the campaigns whose lines may have changed).
segment_lines_changed = Signal()

# A segment was logged (inside the logging transaction). Arguments: logged_segment,
# user, send_emails (whether its e-mail interactions are to be sent), language (the
# segment's language, "" for each contact's). A receiver that queues the e-mails
# returns the job.
segment_logged = Signal()
