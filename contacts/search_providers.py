"""What the search box in the top bar finds among contacts and customers
(core.global_search, docs/search.md): the text inside No., name, e-mail and city like
the contact list (customers: No. and name), ignoring case and accents, ranked,
through the trigram index. Companies and persons are one group, each result marked:
a company with "Company", a person with their company's name."""

from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from contacts.models import Contact, ContactType, Customer
from core.global_search import (
    SearchProvider,
    inside_search,
    list_searched,
    register_search_provider,
)
from core.search import search_field


def search_contacts(user, text: str, limit: int):
    queryset = Contact.objects.select_related("company").only(
        "no", "name", "type", "company__no", "company__name"
    )
    return inside_search(queryset, text, search_field(Contact).sources, limit)


def describe_contact(contact: Contact) -> tuple[str, str, str]:
    if contact.type == ContactType.COMPANY:
        return contact.no, contact.name, str(_("Company"))
    return contact.no, contact.name, contact.company.name if contact.company_id else ""


def search_customers(user, text: str, limit: int):
    fields = search_field(Customer).sources  # No. and name
    return inside_search(Customer.objects.only("no", "name"), text, fields, limit)


def register() -> None:
    register_search_provider(
        SearchProvider(
            key="contacts.contact",
            label=capfirst(Contact._meta.verbose_name_plural),
            model=Contact,
            permission="contacts.view_contact",
            search=search_contacts,
            order=10,
            describe=describe_contact,
            list_url=list_searched("contacts:contact_list"),
        )
    )
    register_search_provider(
        SearchProvider(
            key="contacts.customer",
            label=capfirst(Customer._meta.verbose_name_plural),
            model=Customer,
            permission="contacts.view_customer",
            search=search_customers,
            order=20,
            list_url=list_searched("contacts:customer_list"),
        )
    )
