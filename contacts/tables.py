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

    # Column priorities: 1 always shown, 2–6 from wider tables up (docs/lists.md).
    priorities = {
        "no": 1,
        "name": 1,
        "type": 3,
        "company": 4,
        "city": 2,
        "email": 3,
        "phone": 4,
        "salesperson": 5,
    }

    class Meta:
        model = Contact
        fields = ["no", "name", "type", "company", "city", "email", "phone", "salesperson"]


class CustomerTable(tables.Table):
    no = tables.Column(linkify=True)
    contact = tables.Column(
        accessor="contact__no", verbose_name=capfirst(_("company contact")), order_by="contact__no"
    )

    # Column priorities: 1 always shown, 2–6 from wider tables up (docs/lists.md).
    priorities = {
        "no": 1,
        "name": 1,
        "contact": 3,
        "price_group": 2,
        "discount_group": 3,
        "salesperson": 4,
        "blocked": 4,
    }

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
