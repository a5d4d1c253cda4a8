import django_filters
from django.utils.translation import gettext_lazy as _

from contacts.models import (
    BusinessRelation,
    Contact,
    Customer,
    IndustryGroup,
    MailingGroup,
)
from core.filters import SearchFilterSet


class ContactFilter(SearchFilterSet):
    search_fields = ("no", "name", "email", "city")

    industry_group = django_filters.ModelChoiceFilter(
        label=_("industry group"), field_name="industry_groups", queryset=IndustryGroup.objects
    )
    business_relation = django_filters.ModelChoiceFilter(
        label=_("business relation"),
        field_name="business_relations",
        queryset=BusinessRelation.objects,
    )
    mailing_group = django_filters.ModelChoiceFilter(
        label=_("mailing group"), field_name="mailing_groups", queryset=MailingGroup.objects
    )

    class Meta:
        model = Contact
        fields = ["type", "salesperson", "industry_group", "business_relation", "mailing_group"]


class CustomerFilter(SearchFilterSet):
    search_fields = ("no", "name", "contact__no")

    class Meta:
        model = Customer
        fields = ["price_group", "discount_group", "salesperson", "blocked"]
