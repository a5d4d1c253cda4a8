"""Two users at once on the same contacts: a bulk delete or salesperson assignment
locks the selected rows first and then writes history, the change and the audit entry
for exactly the rows it still changes (docs/concurrency.md, Lock order)."""

import pytest
from django.db import transaction

from contacts import services
from contacts.models import Contact
from core.models import AuditAction, AuditEntry
from tests.concurrency import race, refused
from tests.factories import CompanyFactory, SalespersonFactory, TaskFactory

ROUNDS = 10


def history(contacts, history_type: str) -> int:
    return Contact.history.filter(
        id__in=[contact.pk for contact in contacts], history_type=history_type
    ).count()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_contacts_deleted_twice_at_once_are_deleted_and_logged_once():
    for _round in range(ROUNDS):
        contacts = [CompanyFactory() for _ in range(3)]
        audited = AuditEntry.objects.filter(action=AuditAction.RECORDS_DELETED).count()

        def delete(contacts=contacts):
            selection = Contact.objects.filter(pk__in=[contact.pk for contact in contacts])
            return services.delete_contacts(contacts=selection)

        outcomes = race(delete, delete)
        assert sorted(outcomes) == [0, 3]
        assert history(contacts, "-") == 3
        assert AuditEntry.objects.filter(action=AuditAction.RECORDS_DELETED).count() == audited + 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_salesperson_assigned_twice_at_once_is_logged_once():
    salesperson = SalespersonFactory()
    for _round in range(ROUNDS):
        contacts = [CompanyFactory(salesperson=None) for _ in range(3)]
        audited = AuditEntry.objects.filter(action=AuditAction.SALESPERSON_ASSIGNED).count()

        def assign(contacts=contacts):
            selection = Contact.objects.filter(pk__in=[contact.pk for contact in contacts])
            return services.assign_salesperson(records=selection, salesperson=salesperson)

        outcomes = race(assign, assign)
        assert sorted(outcomes) == [0, 3]
        assert history(contacts, "~") == 3
        assert (
            AuditEntry.objects.filter(action=AuditAction.SALESPERSON_ASSIGNED).count()
            == audited + 1
        )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_contact_deleted_while_a_task_is_made_for_it_is_refused_not_a_crash():
    """The delete locks the contacts before it looks for what uses them: a writer that
    locks the contact it points to is either seen (nothing deleted) or finds the contact
    gone; never an IntegrityError at the commit."""
    for _round in range(ROUNDS):
        contact = CompanyFactory()
        salesperson = SalespersonFactory()

        def delete(contact=contact):
            return services.delete_contacts(contacts=Contact.objects.filter(pk=contact.pk))

        @transaction.atomic
        def make_task(contact=contact, salesperson=salesperson):
            # As a writer does: the record it refers to, locked against a delete.
            locked = Contact.objects.select_for_update(no_key=True).filter(pk=contact.pk)
            if not locked.exists():
                return "gone"
            return TaskFactory(contact=contact, salesperson=salesperson)

        deleted, made = race(delete, make_task)
        if made == "gone":
            assert deleted == 1
            assert not Contact.objects.filter(pk=contact.pk).exists()
        else:
            assert refused(deleted)
            assert Contact.objects.filter(pk=contact.pk).exists()
