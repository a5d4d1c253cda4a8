"""Criteria filters: which contacts an Add / Reduce / Refine action selects
(docs/segments.md).

Filters are stored as JSON with codes, not ids, so saved criteria survive and
read well: ``{"type": "person", "city": "Amsterdam|Utrecht",
"job_responsibilities": ["PURCHASE"]}``. A contact qualifies only when every
filled-in group matches; codes within one group are alternatives.

Text filters take NAV's filter syntax (``core.filter_syntax``): ``A|B``, ``A&B``,
``A..B``, ``<>A``, ``<A`` …, ``*`` and ``?``, ``''`` (blank); matching ignores case.
A text filter that is not valid is refused by ``check_filters`` as an error on its
field, never run.

The *interactions* group selects contacts that have an interaction
that is not canceled with one of the templates, of the campaign and within the
dates given: ``{"interaction_templates": ["LETTER"], "interaction_campaign":
"CP0001", "interaction_date_from": "2026-01-01", "interaction_date_to":
"2026-03-31"}``; all filled-in fields must hold for the same interaction.
``logged_segment`` (an entry No.) selects the contacts of a logged segment's
interactions, canceled or not: NAV's *Reuse segment*.

Contacts picked on the contact list (its bulk action *Add to segment*, docs/contacts.md):
``contacts`` lists their Nos. (at most ``MAX_PICKED``), ``contact_list`` is the contact
list's query string when every contact matching its filter was selected; it is
evaluated again by the list's own filter whenever the criteria run.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import QueryDict
from django.utils.dateparse import parse_date
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign, InteractionLogEntry, InteractionTemplate
from contacts.codes import CODE_GROUPS
from contacts.filters import ContactFilter
from contacts.models import (
    BusinessRelation,
    Contact,
    ContactType,
    CorrespondenceType,
    IndustryGroup,
    JobResponsibility,
    Language,
    MailingGroup,
)
from core.filter_syntax import filter_condition, parse
from core.forms import DATE_INPUT
from salespeople.models import Salesperson

TEXT_FIELDS = {
    "no": _("contact No."),
    "name": _("name"),
    "city": _("city"),
    "post_code": _("post code"),
    "country_code": _("country/region code"),
}
CHOICE_FIELDS = {
    "type": (_("type"), ContactType),
    "language": (_("language"), Language),
    "correspondence_type": (_("correspondence type"), CorrespondenceType),
}
# The classification-code filters: {"industry_groups": ["RETAIL"], …}.
CODE_FILTERS = {group.name: group for group in CODE_GROUPS}
BLANK = "''"  # NAV's filter for an empty value
INTERACTION_FIELDS = [
    "interaction_templates",
    "interaction_campaign",
    "interaction_date_from",
    "interaction_date_to",
]


# The longest text filter and the largest entry No. a filter may hold.
MAX_TEXT = 250
MAX_ENTRY_NO = 2**53
# Contacts picked one by one on the contact list, and the longest list query.
MAX_PICKED = 10_000
MAX_LIST_QUERY = 4_000


def check_filters(filters) -> dict:
    """``filters`` when it is a valid criteria filter (the keys and kinds of values
    above), else a ``ValidationError`` that says what is wrong. Every service that takes
    filters checks them: a command or the API sends no form."""
    if not isinstance(filters, dict):
        raise ValidationError(gettext("The filters are not a set of criteria."))
    known = {
        *TEXT_FIELDS,
        *CHOICE_FIELDS,
        *CODE_FILTERS,
        *INTERACTION_FIELDS,
        "salesperson",
        "exclude_from_segments",
        "logged_segment",
        "contacts",
        "contact_list",
    }
    unknown = sorted(str(name) for name in filters if name not in known)
    if unknown:
        raise ValidationError(
            gettext("Unknown filters: %(names)s.") % {"names": ", ".join(unknown)}
        )

    def refuse(name):
        raise ValidationError(gettext("The filter %(name)s is not valid.") % {"name": name})

    for name, value in filters.items():
        if value in (None, "", []):
            continue
        if name in TEXT_FIELDS:
            if not isinstance(value, str):
                refuse(name)
            if value.strip():
                check_text_filter(name, value)
        elif name in {"salesperson", "interaction_campaign"}:
            if not isinstance(value, str) or "\x00" in value or len(value) > MAX_TEXT:
                refuse(name)
        elif name in CHOICE_FIELDS:
            if value != BLANK and value not in CHOICE_FIELDS[name][1].values:
                refuse(name)
        elif name in CODE_FILTERS or name == "interaction_templates":
            if not isinstance(value, list | tuple) or not all(
                isinstance(code, str) and len(code) <= MAX_TEXT for code in value
            ):
                refuse(name)
        elif name == "exclude_from_segments":
            if not isinstance(value, bool):
                refuse(name)
        elif name == "logged_segment":
            if isinstance(value, bool) or not isinstance(value, int):
                refuse(name)
            if not 1 <= value <= MAX_ENTRY_NO:
                refuse(name)
        elif name in {"interaction_date_from", "interaction_date_to"}:
            _date(filters, name)
        elif name == "contacts":
            if (
                not isinstance(value, list | tuple)
                or len(value) > MAX_PICKED
                or not all(isinstance(no, str) and 0 < len(no) <= 20 for no in value)
            ):
                refuse(name)
        elif name == "contact_list":
            contact_list_filter(value)
    return filters


def contact_list_filter(query):
    """The contact list's filter for ``query`` (its query string), refused when the
    query is not valid for the list (any more)."""
    if not isinstance(query, str) or "\x00" in query or len(query) > MAX_LIST_QUERY:
        raise ValidationError(
            gettext("The filter %(name)s is not valid.") % {"name": "contact_list"}
        )
    filterset = ContactFilter(data=QueryDict(query), queryset=Contact.objects.all())
    if not filterset.is_valid():
        raise ValidationError(
            gettext("The contact list's filter is no longer valid: %(query)s.") % {"query": query}
        )
    return filterset


def check_text_filter(name: str, expression: str) -> None:
    """Refuse a text filter that is not valid NAV syntax, as an error on its field."""
    try:
        parse(expression, max_length=MAX_TEXT)
    except ValidationError as error:
        raise ValidationError({name: error.error_list}) from None


def text_condition(field: str, expression: str) -> Q:
    """Q for one NAV-style text filter on ``field`` (docs/segments.md, Criteria)."""
    return filter_condition(field, expression, max_length=MAX_TEXT)


def matching_contacts(filters: dict, *, correlated: bool = False) -> QuerySet:
    """Contacts that match every filled-in group of ``filters`` (one SQL query, lazily).

    ``correlated``: a contact's own codes are looked up by an index probe per contact
    (PostgreSQL's counts before committing, whose rows must stream and stop at their
    cap) instead of one semi-join with every holder of the codes (the actions, which
    write every match)."""
    condition = Q()
    for field in TEXT_FIELDS:
        if filters.get(field) and filters[field].strip():
            condition &= text_condition(field, filters[field])
    for field in CHOICE_FIELDS:
        if filters.get(field) not in (None, ""):
            value = "" if filters[field] == BLANK else filters[field]
            condition &= Q(**{field: value})
    if filters.get("salesperson"):
        condition &= Q(salesperson__code=filters["salesperson"])
    if filters.get("exclude_from_segments") in (True, False):
        condition &= Q(exclude_from_segments=filters["exclude_from_segments"])
    for group in CODE_GROUPS:
        codes = filters.get(group.name) or []
        if not codes:
            continue
        holders = group.through.objects.filter(**{f"{group.code_field}__code__in": codes})
        if group.of_company:
            # The company's code counts for its persons too: probes of the link table's
            # (contact, code) index for the contact and for its company. Rows stream, so
            # a count stops at its cap, and the cost grows with the contacts read
            # (docs/performance.md, Plans that stay linear).
            condition &= Exists(holders.filter(contact_id=OuterRef("id"))) | Exists(
                holders.filter(contact_id=OuterRef("company_id"))
            )
        elif correlated:
            # The redundant ``<=`` keeps PostgreSQL from sorting every holder (five
            # million for a mailing group at ten million contacts) to make them unique
            # before the first row: it can only do that for a join on equalities alone.
            condition &= Exists(
                holders.filter(contact_id=OuterRef("id"), contact_id__lte=OuterRef("id"))
            )
        else:
            condition &= Q(id__in=holders.values("contact_id"))
    interactions = interaction_condition(filters)
    if interactions is not None:
        condition &= Q(id__in=interactions.values("contact_id"))
    if filters.get("logged_segment"):
        logged = InteractionLogEntry.objects.filter(logged_segment_id=filters["logged_segment"])
        condition &= Q(id__in=logged.values("contact_id"))
    if filters.get("contacts"):
        condition &= Q(no__in=list(filters["contacts"]))
    if filters.get("contact_list"):
        listed = contact_list_filter(filters["contact_list"]).qs.order_by().values("pk")
        condition &= Q(id__in=listed)
    return Contact.objects.filter(condition)


def _date(filters: dict, name: str):
    value = filters.get(name)
    if not value:
        return None
    try:
        parsed = parse_date(value) if isinstance(value, str) else None
    except ValueError:  # well formed but impossible, e.g. 2026-13-45
        parsed = None
    if parsed is None:
        raise ValidationError(
            gettext("The interaction filter has an invalid date: %(value)s.") % {"value": value}
        )
    return parsed


def interaction_condition(filters: dict) -> QuerySet | None:
    """The interactions (not canceled) that the *interactions* group asks for, or
    ``None`` when the group is empty; used as one subquery on the contacts."""
    if not any(filters.get(name) for name in INTERACTION_FIELDS):
        return None
    interactions = InteractionLogEntry.objects.filter(canceled=False)
    if filters.get("interaction_templates"):
        interactions = interactions.filter(template__code__in=filters["interaction_templates"])
    if filters.get("interaction_campaign"):
        interactions = interactions.filter(campaign__no=filters["interaction_campaign"])
    date_from = _date(filters, "interaction_date_from")
    date_to = _date(filters, "interaction_date_to")
    if date_from:
        interactions = interactions.filter(date__gte=date_from)
    if date_to:
        interactions = interactions.filter(date__lte=date_to)
    return interactions.order_by()


def _shown_date(value) -> str:
    """A stored ISO date in the reader's format (27-11-2026), else as stored."""
    try:
        parsed = parse_date(value) if isinstance(value, str) and value else None
    except ValueError:
        parsed = None
    return date_format(parsed, "SHORT_DATE_FORMAT") if parsed else (value or "")


def describe(filters: dict) -> str:
    """A readable summary of ``filters`` for the segment card."""
    parts = []
    for field, label in TEXT_FIELDS.items():
        if filters.get(field):
            parts.append(f"{label} = {filters[field]}")
    for field, (label, choices) in CHOICE_FIELDS.items():
        value = filters.get(field)
        if value not in (None, ""):
            shown = gettext("(blank)") if value == BLANK else choices(value).label
            parts.append(f"{label} = {shown}")
    if filters.get("salesperson"):
        parts.append(f"{gettext('salesperson')} = {filters['salesperson']}")
    parts.extend(
        f"{group.label} = {' | '.join(filters[group.name])}"
        for group in CODE_GROUPS
        if filters.get(group.name)
    )
    if filters.get("interaction_templates"):
        parts.append(
            f"{gettext('interaction template')} = {' | '.join(filters['interaction_templates'])}"
        )
    if filters.get("interaction_campaign"):
        parts.append(f"{gettext('interaction campaign')} = {filters['interaction_campaign']}")
    date_from = _shown_date(filters.get("interaction_date_from"))
    date_to = _shown_date(filters.get("interaction_date_to"))
    if date_from or date_to:
        parts.append(f"{gettext('interaction date')} = {date_from}..{date_to}")
    if filters.get("logged_segment"):
        parts.append(f"{gettext('logged segment')} = {filters['logged_segment']}")
    if filters.get("contacts"):
        picked = filters["contacts"]
        shown = " | ".join(picked[:5]) + (" …" if len(picked) > 5 else "")
        parts.append(
            gettext("contacts picked on the contact list (%(n)d) = %(nos)s")
            % {"n": len(picked), "nos": shown}
        )
    if filters.get("contact_list"):
        parts.append(
            gettext("contacts matching the contact list's filter = %(query)s")
            % {"query": filters["contact_list"]}
        )
    return "; ".join(parts) if parts else gettext("all contacts")


class CriteriaForm(forms.Form):
    """The filter groups of Add / Reduce / Refine; ``filters()`` gives the JSON to store."""

    type = forms.ChoiceField(
        label=_("type"), required=False, choices=[("", "---------"), *ContactType.choices]
    )
    no = forms.CharField(label=_("contact No."), required=False, max_length=250)
    name = forms.CharField(label=_("name"), required=False, max_length=250)
    salesperson = forms.ModelChoiceField(
        label=_("salesperson"), required=False, queryset=Salesperson.objects, to_field_name="code"
    )
    city = forms.CharField(label=_("city"), required=False, max_length=250)
    post_code = forms.CharField(label=_("post code"), required=False, max_length=250)
    country_code = forms.CharField(label=_("country/region code"), required=False, max_length=250)
    language = forms.ChoiceField(
        label=_("language"), required=False, choices=[("", "---------"), *Language.choices]
    )
    correspondence_type = forms.ChoiceField(
        label=_("correspondence type"),
        required=False,
        choices=[
            ("", "---------"),
            *[(v or BLANK, label) for v, label in CorrespondenceType.choices],
        ],
    )
    industry_groups = forms.ModelMultipleChoiceField(
        label=_("industry group (of the company)"),
        required=False,
        queryset=IndustryGroup.objects,
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
    )
    business_relations = forms.ModelMultipleChoiceField(
        label=_("business relation (of the company)"),
        required=False,
        queryset=BusinessRelation.objects,
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
    )
    job_responsibilities = forms.ModelMultipleChoiceField(
        label=_("job responsibility (of the person)"),
        required=False,
        queryset=JobResponsibility.objects,
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
    )
    mailing_groups = forms.ModelMultipleChoiceField(
        label=_("mailing group"),
        required=False,
        queryset=MailingGroup.objects,
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
    )

    interaction_templates = forms.ModelMultipleChoiceField(
        label=_("interaction template"),
        required=False,
        queryset=InteractionTemplate.objects.order_by("code"),
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
    )
    interaction_campaign = forms.ModelChoiceField(
        label=_("interaction campaign"),
        required=False,
        queryset=Campaign.objects.order_by("-no"),
        to_field_name="no",
    )
    interaction_date_from = forms.DateField(
        label=_("interaction date from"),
        required=False,
        widget=DATE_INPUT,
    )
    interaction_date_to = forms.DateField(
        label=_("interaction date to"),
        required=False,
        widget=DATE_INPUT,
    )
    logged_segment = forms.IntegerField(
        label=_("contacts of logged segment (entry No.)"),
        required=False,
        min_value=1,
        max_value=2**53,
        help_text=_("Every contact of the logged segment's interactions, canceled or not."),
    )

    OPTIONS: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.label = capfirst(field.label)

    def clean(self):
        cleaned = super().clean()
        for name in TEXT_FIELDS:
            if cleaned.get(name):
                try:
                    check_text_filter(name, cleaned[name])
                except ValidationError as error:
                    self.add_error(None, error)
        date_from = cleaned.get("interaction_date_from")
        date_to = cleaned.get("interaction_date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error(
                "interaction_date_to",
                gettext("The date to may not be before the date from."),
            )
        return cleaned

    def interaction_fields(self):
        """The fields of the *interactions* group (a fieldset of their own)."""
        return [self[name] for name in INTERACTION_FIELDS]

    def option_fields(self):
        """The option checkboxes of the action (shown apart from the filters)."""
        return [self[name] for name in self.OPTIONS]

    def filters(self) -> dict:
        result = {}
        for name, value in self.cleaned_data.items():
            if not value or name in self.OPTIONS:
                continue
            if name == "salesperson":
                result[name] = value.code
            elif name == "interaction_campaign":
                result[name] = value.no
            elif name == "interaction_templates":
                result[name] = sorted(template.code for template in value)
            elif name in {"interaction_date_from", "interaction_date_to"}:
                result[name] = value.isoformat()
            elif name in CODE_FILTERS:
                result[name] = sorted(code.code for code in value)
            else:
                result[name] = value.strip() if isinstance(value, str) else value
        return result
