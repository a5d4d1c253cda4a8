import django_filters
from django.db.models import Exists, OuterRef
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from contacts.models import (
    BusinessRelation,
    Contact,
    ContactBusinessRelation,
    ContactIndustryGroup,
    ContactMailingGroup,
    Customer,
    IndustryGroup,
    MailingGroup,
)
from core.filters import SearchFilterSet


class ContactFilter(SearchFilterSet):
    # "Starts with" on each: the No.'s unique index and the Upper() indexes of
    # name, e-mail and city (Contact.Meta.indexes) answer it at a million contacts.
    search_fields = ("no", "name", "email", "city")

    industry_group = django_filters.ModelChoiceFilter(
        label=capfirst(_("industry group")),
        queryset=IndustryGroup.objects,
        method="filter_code",
    )
    business_relation = django_filters.ModelChoiceFilter(
        label=capfirst(_("business relation")),
        queryset=BusinessRelation.objects,
        method="filter_code",
    )
    mailing_group = django_filters.ModelChoiceFilter(
        label=capfirst(_("mailing group")),
        queryset=MailingGroup.objects,
        method="filter_code",
    )

    CODE_LINKS = {
        "industry_group": ContactIndustryGroup,
        "business_relation": ContactBusinessRelation,
        "mailing_group": ContactMailingGroup,
    }

    def filter_code(self, queryset, name, value):
        """Contacts holding the code: ``id IN (SELECT contact_id …)`` (few holders:
        fetched from the link table's index and sorted), or, when the list reads in
        order (more than 10,000 holders), ``EXISTS`` checked on each contact read in
        the page's order, never a join that sorts all 200,000 holders of a code."""
        if not value:
            return queryset
        links = self.CODE_LINKS[name].objects.filter(**{name: value})
        if self.read_in_order:  # many holders: check each contact as it is read
            return queryset.filter(Exists(links.filter(contact=OuterRef("pk"))))
        return queryset.filter(pk__in=links.values("contact_id"))

    class Meta:
        model = Contact
        fields = ["type", "salesperson", "industry_group", "business_relation", "mailing_group"]


class CustomerFilter(SearchFilterSet):
    search_fields = ("no", "name", "contact__no")

    class Meta:
        model = Customer
        fields = ["price_group", "discount_group", "salesperson", "blocked"]
