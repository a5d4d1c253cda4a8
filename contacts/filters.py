import django_filters
from django.db.models import Exists, OuterRef
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from contacts.codes import (
    BUSINESS_RELATIONS,
    CODE_GROUPS,
    INDUSTRY_GROUPS,
    JOB_RESPONSIBILITIES,
    MAILING_GROUPS,
)
from contacts.models import Contact, Customer
from core.filters import INSIDE, SearchFilterSet

CODE_GROUP_OF_FILTER = {group.code_field: group for group in CODE_GROUPS}


def code_filter(group):
    """A filter on the contacts that hold one code of ``group`` (``filter_code``)."""
    return django_filters.ModelChoiceFilter(
        label=capfirst(group.label), queryset=group.code_model.objects, method="filter_code"
    )


class ContactFilter(SearchFilterSet):
    # Inside each, ignoring case and accents (Contact.search_text and its trigram
    # index, core.search); one or two characters: "starts with", answered by the
    # No.'s unique index and the Upper() indexes of name, e-mail and city.
    search_fields = ("no", "name", "email", "city")
    search_mode = INSIDE

    # Named after the link table's field to the code: ``?industry_group=…``.
    industry_group = code_filter(INDUSTRY_GROUPS)
    business_relation = code_filter(BUSINESS_RELATIONS)
    job_responsibility = code_filter(JOB_RESPONSIBILITIES)
    mailing_group = code_filter(MAILING_GROUPS)

    def filter_code(self, queryset, name, value):
        """Contacts holding the code: ``id IN (SELECT contact_id …)`` (few holders:
        fetched from the link table's index and sorted), or, when the list reads in
        order (more than 10,000 holders), ``EXISTS`` checked on each contact read in
        the page's order, never a join that sorts all 200,000 holders of a code."""
        if not value:
            return queryset
        links = CODE_GROUP_OF_FILTER[name].through.objects.filter(**{name: value})
        if self.read_in_order:  # many holders: check each contact as it is read
            return queryset.filter(Exists(links.filter(contact=OuterRef("pk"))))
        return queryset.filter(pk__in=links.values("contact_id"))

    class Meta:
        model = Contact
        # Every classification code table (contacts.codes.CODE_GROUPS) has its filter.
        fields = [
            "type",
            "salesperson",
            "industry_group",
            "business_relation",
            "job_responsibility",
            "mailing_group",
        ]


class CustomerFilter(SearchFilterSet):
    search_fields = ("no", "name", "contact__no")  # the contact's No.: starts with
    search_labels = {"contact__no": _("company contact No.")}
    search_mode = INSIDE

    class Meta:
        model = Customer
        fields = ["price_group", "discount_group", "salesperson", "blocked"]
