"""Signals higher apps listen to (sent by the services, never by ``post_save``)."""

from django.dispatch import Signal

# A company contact became a customer. Arguments: customer, contact.
customer_created_from_contact = Signal()
# A customer that was linked to a company contact is about to be deleted.
# Arguments: customer, contact.
customer_deleting = Signal()
# Contacts were deleted together (a bulk delete: their segment lines went with them).
# Arguments: count.
contacts_deleted = Signal()
