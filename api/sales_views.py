"""The API's sales routes (docs/api.md, Companies, customers, quotes and your own
work): companies and customers to read, sales quotes to read and make, and the calling
salesperson's own tasks and opportunities. A quote is made by the quote pages' own
services (quotes.services), so it is priced exactly as the card prices it."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from activities.models import Task, TaskStatus
from api.idempotency import idempotent
from api.nav_filters import ContactNavFilter, CustomerNavFilter, SalesQuoteNavFilter
from api.sales_serializers import (
    CompanyDetailSerializer,
    CompanySerializer,
    CustomerSerializer,
    NewQuoteSerializer,
    OpportunitySerializer,
    SalesQuoteDetailSerializer,
    SalesQuoteSerializer,
    TaskSerializer,
)
from api.views import ByNo
from campaigns.models import Campaign
from contacts.models import Contact, Customer
from opportunities.models import Opportunity, OpportunityStatus
from pricing.models import Item, UnitOfMeasure
from quotes import services as quote_services
from quotes.models import SalesQuote, SalesQuoteLine
from salespeople.models import Salesperson

# The persons a company's card in the API lists; all of them: /api/v1/contacts/?company_no=
PERSONS_SHOWN = 100

NOT_FOUND = _("%(what)s %(no)s does not exist.")


# --- Companies and customers -------------------------------------------------------


class CompanyList(generics.ListAPIView):
    """Company contacts, with the contact list's filters, its search ``q`` and NAV's
    filter syntax on text fields; read only (writes: /api/v1/contacts/)."""

    queryset = Contact.objects.companies().select_related("salesperson")
    serializer_class = CompanySerializer
    pagination_class = ByNo
    filter_backends = [DjangoFilterBackend]
    filterset_class = ContactNavFilter


class CompanyDetail(generics.RetrieveAPIView):
    """One company contact with the first persons working for it (No. and name)."""

    queryset = Contact.objects.companies().select_related("salesperson")
    serializer_class = CompanyDetailSerializer
    lookup_field = "no"

    def get_object(self):
        company = super().get_object()
        persons = Contact.objects.filter(company=company).order_by("no")
        company.person_rows = list(persons.values("no", "name")[:PERSONS_SHOWN])
        company.person_count = (
            len(company.person_rows)
            if len(company.person_rows) < PERSONS_SHOWN
            else persons.count()
        )
        return company


CUSTOMER_RELATED = ("contact", "price_group", "discount_group", "salesperson")


class CustomerList(generics.ListAPIView):
    """Customers, with the customer list's filters and search ``q`` and NAV's filter
    syntax on No., name and the company contact's No.; read only."""

    queryset = Customer.objects.select_related(*CUSTOMER_RELATED)
    serializer_class = CustomerSerializer
    pagination_class = ByNo
    filter_backends = [DjangoFilterBackend]
    filterset_class = CustomerNavFilter


class CustomerDetail(generics.RetrieveAPIView):
    queryset = Customer.objects.select_related(*CUSTOMER_RELATED)
    serializer_class = CustomerSerializer
    lookup_field = "no"


# --- Sales quotes --------------------------------------------------------------------


def flat_errors(errors, prefix: str = "") -> dict[str, list[str]]:
    """A serializer's nested errors as ``{"lines[1].item": [...]}``: the problem
    document lists messages per field, and a line is named by its index."""
    if isinstance(errors, dict):
        flat = {}
        for name, value in errors.items():
            if name == "non_field_errors" and prefix:
                key = prefix
            elif isinstance(name, int):  # a list's errors by index
                key = f"{prefix}[{name}]"
            else:
                key = f"{prefix}.{name}" if prefix else str(name)
            for found, messages in flat_errors(value, key).items():
                flat.setdefault(found, []).extend(messages)
        return flat
    if isinstance(errors, list | tuple):
        if all(isinstance(item, str) for item in errors):
            return {prefix or "non_field_errors": [str(item) for item in errors]} if errors else {}
        flat = {}
        for index, item in enumerate(errors):
            for found, messages in flat_errors(item, f"{prefix}[{index}]").items():
                flat.setdefault(found, []).extend(messages)
        return flat
    return {prefix or "non_field_errors": [str(errors)]}


# A service's field name → the name the API's line takes.
LINE_FIELDS = {"unit_of_measure": "unit"}


def line_errors(error: DjangoValidationError) -> dict[str, list[str]]:
    """A refusal of ``add_quote_lines`` (keys ``"lines[1].unit_of_measure"``, ``"lines[1]"``)
    with the API's field names (``"lines[1].unit"``)."""
    if not hasattr(error, "error_dict"):
        return {"lines": [str(message) for message in error.messages]}
    found = {}
    for key, messages in error.message_dict.items():
        line, dot, name = key.partition(".")
        if dot:
            key = f"{line}.{LINE_FIELDS.get(name, name)}"
        found.setdefault(key, []).extend(messages)
    return found


def typed(value) -> str:
    return (value or "").strip().upper()


def _by_no(queryset, numbers, field="no") -> dict:
    """The records of ``queryset`` with these Nos. (or codes), in one query."""
    numbers = {number for number in numbers if number}
    if not numbers:
        return {}
    return {getattr(row, field): row for row in queryset.filter(**{f"{field}__in": numbers})}


class SalesQuoteList(generics.ListCreateAPIView):
    """Sales quotes with their totals, with the quote list's filters and search ``q``
    and NAV's filter syntax; POST makes a quote with its lines (docs/api.md)."""

    queryset = SalesQuote.objects.select_related("customer", "contact", "campaign").with_total()
    serializer_class = SalesQuoteSerializer
    pagination_class = ByNo
    filter_backends = [DjangoFilterBackend]
    filterset_class = SalesQuoteNavFilter

    @extend_schema(request=NewQuoteSerializer, responses={201: SalesQuoteDetailSerializer})
    def post(self, request, *args, **kwargs):
        return idempotent(request, lambda: self._create(request))

    def _create(self, request):
        shape = NewQuoteSerializer(data=request.data)
        if not shape.is_valid():
            raise DjangoValidationError(flat_errors(shape.errors))
        data = shape.validated_data
        rows = data.get("lines") or []
        # The card's Add line needs the change permission (quotes.views.QuoteChangeMixin).
        if rows and not request.user.has_perm("quotes.change_salesquote"):
            raise PermissionDenied
        quote, lines = self._records(data, rows)
        with transaction.atomic():
            quote = quote_services.save_quote(quote=quote, user=request.user).quote
            if lines:  # all or nothing: a refused line takes the quote with it
                try:
                    quote_services.add_quote_lines(quote=quote, lines=lines, user=request.user)
                except DjangoValidationError as error:
                    raise DjangoValidationError(line_errors(error)) from None
        quote = SalesQuoteDetail.read(quote.pk)
        return Response(SalesQuoteDetailSerializer(quote).data, status=status.HTTP_201_CREATED)

    def _records(self, data, rows):
        """The quote and its lines from the Nos. and codes sent, a few queries whatever
        the number of lines; a No. that does not exist is a 400 naming its field."""
        errors = {}
        header = {}
        for name, model, what in (
            ("customer", Customer, _("Customer")),
            ("contact", Contact, _("Contact")),
            ("campaign", Campaign, _("Campaign")),
        ):
            number = typed(data.get(name))
            if not number:
                continue
            header[name] = model.objects.filter(no=number).first()
            if header[name] is None:
                errors[name] = [NOT_FOUND % {"what": what, "no": number}]
        items = _by_no(
            Item.objects.select_related("item_discount_group", "base_unit_of_measure"),
            [typed(row["item"]) for row in rows],
        )
        units = _by_no(
            UnitOfMeasure.objects.all(), [typed(row.get("unit")) for row in rows], field="code"
        )
        lines = []
        for index, row in enumerate(rows):
            item = items.get(typed(row["item"]))
            unit_code = typed(row.get("unit"))
            if item is None:
                errors[f"lines[{index}].item"] = [
                    NOT_FOUND % {"what": _("Item"), "no": typed(row["item"])}
                ]
            if unit_code and unit_code not in units:
                errors[f"lines[{index}].unit"] = [
                    NOT_FOUND % {"what": _("Unit of measure"), "no": unit_code}
                ]
            if item is None or (unit_code and unit_code not in units):
                continue
            # NAV fills in the base unit: prices for that unit then apply (the page too).
            unit = units[unit_code] if unit_code else item.base_unit_of_measure
            lines.append(SalesQuoteLine(item=item, quantity=row["quantity"], unit_of_measure=unit))
        if errors:
            raise DjangoValidationError(errors)
        quote = SalesQuote(
            customer=header["customer"],
            contact=header.get("contact"),
            campaign=header.get("campaign"),
            currency_code=data.get("currency_code") or "",
        )
        if data.get("order_date"):
            quote.order_date = data["order_date"]
        return quote, lines


class SalesQuoteDetail(generics.RetrieveAPIView):
    """One sales quote with its lines (how each was priced) and totals."""

    queryset = SalesQuote.objects.select_related("customer", "contact", "campaign")
    serializer_class = SalesQuoteDetailSerializer
    lookup_field = "no"

    @staticmethod
    def with_lines(quote):
        quote.line_rows = list(
            SalesQuoteLine.objects.filter(quote=quote)
            .select_related("item", "unit_of_measure", "campaign")
            .order_by("line_no")
        )
        return quote

    @classmethod
    def read(cls, pk):
        return cls.with_lines(cls.queryset.get(pk=pk))

    def get_object(self):
        return self.with_lines(super().get_object())


# --- The calling salesperson's tasks and opportunities -------------------------------


class MyTaskFilter(filters.FilterSet):
    closed = filters.BooleanFilter(help_text=_("true: closed tasks; false: open ones."))
    status = filters.ChoiceFilter(choices=TaskStatus.choices)

    class Meta:
        model = Task
        fields = ["closed", "status"]


class MyOpportunityFilter(filters.FilterSet):
    closed = filters.BooleanFilter(help_text=_("true: won or lost; false: open."))
    status = filters.ChoiceFilter(choices=OpportunityStatus.choices)

    class Meta:
        model = Opportunity
        fields = ["closed", "status"]


class OwnRecordsMixin:
    """The records of the salesperson linked to the calling user, as the *My tasks* page
    finds it (``Salesperson.user``). A user without a salesperson gets an empty list,
    as that page shows no tasks to them (docs/api.md)."""

    pagination_class = ByNo
    filter_backends = [DjangoFilterBackend]

    def salesperson(self):
        if not hasattr(self, "_salesperson"):
            user = self.request.user
            self._salesperson = (
                Salesperson.objects.filter(user=user).first()
                if getattr(user, "is_authenticated", False)
                else None
            )
        return self._salesperson

    def get_queryset(self):
        model = self.filterset_class._meta.model
        if getattr(self, "swagger_fake_view", False):  # the schema: no request user
            return model.objects.none()
        salesperson = self.salesperson()
        if salesperson is None:
            return model.objects.none()
        return self.own(model.objects, salesperson)


class MyTaskList(OwnRecordsMixin, generics.ListAPIView):
    """The calling salesperson's tasks: their own and the team tasks of their teams,
    as on *My tasks*; ``closed=false`` for the open ones."""

    serializer_class = TaskSerializer
    filterset_class = MyTaskFilter

    def own(self, tasks, salesperson):
        return tasks.of_salesperson(salesperson).select_related(
            "salesperson", "team", "campaign", "contact", "opportunity"
        )


class MyOpportunityList(OwnRecordsMixin, generics.ListAPIView):
    """The calling salesperson's opportunities; ``closed=false`` for the open ones."""

    serializer_class = OpportunitySerializer
    filterset_class = MyOpportunityFilter

    def own(self, opportunities, salesperson):
        return opportunities.filter(salesperson=salesperson).select_related(
            "contact", "salesperson", "campaign", "sales_cycle", "current_stage"
        )
