"""Write operations on contacts and customers that are more than a form save."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from contacts.models import (
    CUSTOMER_RELATION,
    BusinessRelation,
    Contact,
    ContactBusinessRelation,
    ContactType,
    Customer,
)
from contacts.signals import customer_created_from_contact, customer_deleting

# Fields a new person takes from its company when left blank (as NAV does).
INHERITED_FROM_COMPANY = ["address", "post_code", "city", "country_code", "phone", "salesperson"]


@transaction.atomic
def save_contact(*, contact: Contact, user=None) -> Contact:
    """Create or change a contact; a new person fills blank address fields from its company."""
    if contact.type == ContactType.COMPANY:
        contact.company = None
    elif contact.pk is None and contact.company_id:
        company = contact.company
        for field in INHERITED_FROM_COMPANY:
            if not getattr(contact, field):
                setattr(contact, field, getattr(company, field))
    contact.save()
    return contact


def customer_relation() -> BusinessRelation:
    relation, _created = BusinessRelation.objects.get_or_create(
        code=CUSTOMER_RELATION, defaults={"description": "Customer"}
    )
    return relation


@transaction.atomic
def create_customer_from_contact(
    *, contact: Contact, user=None, price_group=None, discount_group=None
) -> Customer:
    """NAV's *Create as customer*: a customer linked to company ``contact`` through CUST."""
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if contact.type != ContactType.COMPANY:
        raise ValidationError(
            _("Only a company contact can become a customer; %(contact)s is a person.")
            % {"contact": contact}
        )
    existing = Customer.objects.filter(contact=contact).first()
    if existing:
        raise ValidationError(
            _("Contact %(contact)s is already customer %(customer)s.")
            % {"contact": contact, "customer": existing.no}
        )
    customer = Customer.objects.create(
        name=contact.name,
        salesperson=contact.salesperson,
        price_group=price_group,
        discount_group=discount_group,
        contact=contact,
    )
    ContactBusinessRelation.objects.get_or_create(
        contact=contact, business_relation=customer_relation()
    )
    customer_created_from_contact.send(sender=Customer, customer=customer, contact=contact)
    return customer


@transaction.atomic
def delete_customer(*, customer: Customer, user=None) -> None:
    """Delete ``customer`` and its CUST relation; campaign targets turn back into contacts."""
    contact = customer.contact
    if contact is not None:
        customer_deleting.send(sender=Customer, customer=customer, contact=contact)
        ContactBusinessRelation.objects.filter(
            contact=contact, business_relation__code=CUSTOMER_RELATION
        ).delete()
    customer.delete()
