import django_tables2 as tables
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from contacts.models import Contact, Customer


class ContactTable(tables.Table):
    no = tables.Column(linkify=True)
    company = tables.Column(
        accessor="company__no", verbose_name=capfirst(_("company No.")), order_by="company__no"
    )
    salesperson = tables.Column(
        accessor="salesperson__code", verbose_name=_("Salesperson"), order_by="salesperson__code"
    )

    class Meta:
        model = Contact
        fields = ["no", "name", "type", "company", "city", "email", "phone", "salesperson"]


class CustomerTable(tables.Table):
    no = tables.Column(linkify=True)
    contact = tables.Column(
        accessor="contact__no", verbose_name=capfirst(_("company contact")), order_by="contact__no"
    )

    class Meta:
        model = Customer
        fields = [
            "no",
            "name",
            "contact",
            "price_group",
            "discount_group",
            "salesperson",
            "blocked",
        ]
