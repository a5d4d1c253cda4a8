"""NAV's filter syntax on the API's lists (docs/api.md, Filters in NAV's syntax).

The filter panels of the list pages take one value per field; NAV's filter syntax
(``A|B``, ``A&B``, ``A..B``, ``<>A``, ``<A``, ``>=A``, ``AB*``, ``A?C``, ``''``) is what
a segment's *Add contacts*, *Reduce* and *Refine* take on text fields
(docs/segments.md, Criteria). The API's lists take it on their text and code fields
through the very same function, ``core.filter_syntax.filter_condition``: the same
expression selects the same rows, ignoring case the same way on SQLite and
PostgreSQL. A broken expression is a 400 naming the parameter, with the parser's own
message.

Each list's FilterSet is the page's (its filters, its search ``q``) with these filters
added (``with_nav_filters``); a plain value (``?no=CT000001``) is NAV's "equal to",
ignoring case.
"""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from campaigns.filters import CampaignFilter
from contacts.filters import ContactFilter, CustomerFilter
from core.filter_syntax import filter_condition, parse
from quotes.filters import SalesQuoteFilter

SYNTAX_HELP = _(
    "NAV's filter syntax: A|B either, A&B both, A..B from A to B, <>A not A, <A, <=A, "
    ">A, >=A, * any characters, ? one character, '' blank; ignoring case."
)


class NavFilterField(forms.CharField):
    """A text field whose value must be a valid NAV filter expression."""

    def validate(self, value):
        super().validate(value)
        if value:
            try:
                parse(value)
            except ValidationError as error:
                raise ValidationError(error.messages) from None


class NavFilter(django_filters.CharFilter):
    """The rows whose ``field_name`` matches a NAV filter expression."""

    field_class = NavFilterField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("help_text", SYNTAX_HELP)
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(filter_condition(self.field_name, value))


def with_nav_filters(filterset_class, fields: dict, *, name: str, **attributes):
    """``filterset_class`` with a ``NavFilter`` per ``{parameter: (field path, label)}``;
    a parameter the page's filters name too is replaced (a plain No. stays "equal to")."""
    declared = {
        parameter: NavFilter(field_name=path, label=label)
        for parameter, (path, label) in fields.items()
    }
    meta = type("Meta", (filterset_class.Meta,), {})
    return type(
        name,
        (filterset_class,),
        {**declared, **attributes, "Meta": meta, "__module__": __name__},
    )


def filter_code(self, queryset, name, value: int):
    """ContactFilter's code filters, typed for the schema: a code's id."""
    return ContactFilter.filter_code(self, queryset, name, value)


ContactNavFilter = with_nav_filters(
    ContactFilter,
    {
        "no": ("no", _("No.")),
        "name": ("name", _("Name")),
        "company_no": ("company__no", _("Company No.")),
        "city": ("city", _("City")),
        "post_code": ("post_code", _("Post code")),
        "country_code": ("country_code", _("Country/region code")),
        "email": ("email", _("E-mail")),
    },
    name="ContactNavFilter",
    filter_code=filter_code,
)

CustomerNavFilter = with_nav_filters(
    CustomerFilter,
    {
        "no": ("no", _("No.")),
        "name": ("name", _("Name")),
        "contact_no": ("contact__no", _("Company contact No.")),
    },
    name="CustomerNavFilter",
)

CampaignNavFilter = with_nav_filters(
    CampaignFilter,
    {"no": ("no", _("No.")), "description": ("description", _("Description"))},
    name="CampaignNavFilter",
)

# ``customer`` (the page's: one customer's No.) takes the syntax too.
SalesQuoteNavFilter = with_nav_filters(
    SalesQuoteFilter,
    {
        "no": ("no", _("No.")),
        "customer": ("customer__no", _("Customer No.")),
        "customer_name": ("customer__name", _("Customer name")),
    },
    name="SalesQuoteNavFilter",
)
