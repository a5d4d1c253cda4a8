"""Deleting in the admin keeps every rule (docs/operations.md, The admin): a record's
*Delete* and the list's *Delete selected* go through the record's service, and a
selection is deleted all or none."""

import pytest
from django.urls import reverse

from contacts.models import Contact, ContactBusinessRelation, Customer
from contacts.services import create_customer_from_contact
from tests.factories import BusinessRelationFactory, CompanyFactory, PersonFactory

pytestmark = pytest.mark.django_db


def delete_selected(client, model, records):
    """The admin list's *Delete selected*, confirmed."""
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    data = {
        "action": "delete_selected",
        "_selected_action": [record.pk for record in records],
        "post": "yes",
    }
    return client.post(url, data, follow=True)


def test_a_refused_selection_in_the_admin_deletes_nothing_and_says_why(
    superuser_client, monkeypatch
):
    """The contacts' delete service refuses more than its limit at once: nothing is
    deleted and the list says why (no error page)."""
    from contacts import services

    monkeypatch.setattr(services, "BULK_DELETE_LIMIT", 1)
    chosen = [CompanyFactory(name="Acme"), CompanyFactory(name="Bolt")]
    response = delete_selected(superuser_client, Contact, chosen)
    assert response.status_code == 200
    assert Contact.objects.filter(pk__in=[contact.pk for contact in chosen]).count() == 2
    assert "At most 1 contacts can be deleted at once" in response.content.decode()


def test_a_protected_record_in_a_selection_keeps_the_selection(superuser_client):
    """Acme has a person that is not deleted with it: the admin names it and deletes
    nothing, Bolt selected with it stays too."""
    acme = CompanyFactory(name="Acme")
    PersonFactory(name="Ann", company=acme)
    bolt = CompanyFactory(name="Bolt")
    response = delete_selected(superuser_client, Contact, [acme, bolt])
    assert response.status_code == 200
    assert Contact.objects.filter(pk__in=[acme.pk, bolt.pk]).count() == 2
    assert "Ann" in response.content.decode()


def test_customers_deleted_together_in_the_admin_lose_their_cust_relation_only(
    superuser_client,
):
    """The customer service's rule (docs/contacts.md): the CUST relation goes with the
    customer, the contact keeps its other relations."""
    company = CompanyFactory(business_relations=[BusinessRelationFactory(code="PROS")])
    customer = create_customer_from_contact(contact=company)
    delete_selected(superuser_client, Customer, [customer])
    assert not Customer.objects.exists()
    codes = ContactBusinessRelation.objects.filter(contact=company).values_list(
        "business_relation__code", flat=True
    )
    assert list(codes) == ["PROS"]
