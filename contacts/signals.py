"""Signals higher apps listen to (sent by the services, never by ``post_save``)."""

from django.dispatch import Signal

# A company contact became a customer. Arguments: customer, contact.
customer_created_from_contact = Signal()
# A customer that was linked to a company contact is about to be deleted.
# Arguments: customer, contact.
customer_deleting = Signal()
# Contacts are about to be deleted (their rows not locked yet): an app whose services
# lock its own records before the rows that point to contacts locks those records now,
# so the delete takes its locks in the same order (docs/concurrency.md, Lock order).
# Arguments: ids.
contacts_deleting = Signal()
# Contacts were deleted together (a bulk delete: their segment lines went with them).
# Arguments: count.
contacts_deleted = Signal()
