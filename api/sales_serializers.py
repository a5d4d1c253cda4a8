"""What the API's sales routes read and write (docs/api.md, Companies, customers,
quotes and your own work): companies, customers, sales quotes with their lines, and
the calling salesperson's tasks and opportunities. A serializer checks the shape of
the input only; the quote's rules are quotes.services' (the quote pages' functions)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from activities.models import Task
from api.serializers import ContactSerializer, RecordSerializer
from contacts.models import Customer
from opportunities.models import Opportunity
from quotes.models import SalesQuote, SalesQuoteLine

# A quote made by the API carries at most this many lines, priced and saved together by
# quotes.services.add_quote_lines with the rules of the card's Add line (docs/api.md).
MAX_QUOTE_LINES = 1000


def code_field(**kwargs):
    return serializers.SlugRelatedField(slug_field="code", read_only=True, **kwargs)


def no_field(**kwargs):
    return serializers.SlugRelatedField(slug_field="no", read_only=True, **kwargs)


# --- Companies and customers -------------------------------------------------------


class CompanySerializer(ContactSerializer):
    """A company contact as the contact routes give it (``version`` for an update
    through /api/v1/contacts/<no>/), without the company a person works for."""

    class Meta(ContactSerializer.Meta):
        fields = [name for name in ContactSerializer.Meta.fields if name != "company_no"]
        read_only_fields = fields


class PersonSummarySerializer(serializers.Serializer):
    no = serializers.CharField()
    name = serializers.CharField()


class CompanyDetailSerializer(CompanySerializer):
    persons = serializers.SerializerMethodField(
        help_text=_("The first persons working for the company, by No.")
    )
    person_count = serializers.SerializerMethodField(
        help_text=_("How many persons work for the company.")
    )

    class Meta(CompanySerializer.Meta):
        fields = [*CompanySerializer.Meta.fields, "persons", "person_count"]
        read_only_fields = fields

    def get_persons(self, company) -> PersonSummarySerializer(many=True):
        return PersonSummarySerializer(getattr(company, "person_rows", []), many=True).data

    def get_person_count(self, company) -> int:
        return getattr(company, "person_count", 0)


class CustomerSerializer(RecordSerializer):
    price_group = code_field()
    discount_group = code_field()
    salesperson = code_field()
    contact_no = serializers.CharField(
        source="contact.no",
        read_only=True,
        allow_null=True,
        default=None,
        help_text=_("The No. of the customer's company contact."),
    )

    class Meta:
        model = Customer
        fields = [
            "no",
            "name",
            "price_group",
            "discount_group",
            "salesperson",
            "blocked",
            "contact_no",
        ]
        read_only_fields = fields


# --- Sales quotes --------------------------------------------------------------------


class QuoteLineSerializer(RecordSerializer):
    item = no_field()
    item_description = serializers.CharField(source="item.description", read_only=True)
    unit = code_field(source="unit_of_measure", allow_null=True)
    campaign = no_field(
        allow_null=True, help_text=_("The campaign whose sales price the line got, if any.")
    )
    price_source = serializers.CharField(read_only=True)

    class Meta:
        model = SalesQuoteLine
        fields = [
            "line_no",
            "item",
            "item_description",
            "unit",
            "quantity",
            "unit_price",
            "line_discount_percent",
            "line_amount",
            "price_overridden",
            "campaign",
            "price_source",
        ]
        read_only_fields = fields


class QuoteTotalsSerializer(serializers.Serializer):
    lines = serializers.IntegerField()
    line_amount = serializers.DecimalField(max_digits=18, decimal_places=2)


class SalesQuoteSerializer(RecordSerializer):
    customer = no_field()
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    contact = no_field(allow_null=True)
    campaign = no_field(allow_null=True)
    total = serializers.DecimalField(
        max_digits=18,
        decimal_places=2,
        read_only=True,
        help_text=_("The sum of the line amounts."),
    )

    class Meta:
        model = SalesQuote
        fields = [
            "no",
            "customer",
            "customer_name",
            "contact",
            "order_date",
            "currency_code",
            "campaign",
            "total",
        ]
        read_only_fields = fields


class SalesQuoteDetailSerializer(SalesQuoteSerializer):
    lines = serializers.SerializerMethodField()
    totals = serializers.SerializerMethodField()

    class Meta(SalesQuoteSerializer.Meta):
        fields = [name for name in SalesQuoteSerializer.Meta.fields if name != "total"]
        fields += ["lines", "totals"]
        read_only_fields = fields

    def get_lines(self, quote) -> QuoteLineSerializer(many=True):
        return QuoteLineSerializer(quote.line_rows, many=True).data

    def get_totals(self, quote) -> QuoteTotalsSerializer:
        rows = quote.line_rows
        total = sum((line.line_amount for line in rows), start=0)
        return QuoteTotalsSerializer({"lines": len(rows), "line_amount": total}).data


class NewQuoteLineSerializer(serializers.Serializer):
    item = serializers.CharField(max_length=20, help_text=_("The item's No."))
    quantity = serializers.DecimalField(max_digits=14, decimal_places=2, default=1)
    unit = serializers.CharField(
        max_length=10,
        required=False,
        allow_blank=True,
        help_text=_("Unit of measure code; blank: the item's base unit, as on the page."),
    )


class NewQuoteSerializer(serializers.Serializer):
    """A new quote: the header's fields by No. and its lines, priced by the engine."""

    customer = serializers.CharField(max_length=20, help_text=_("The customer's No."))
    contact = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        help_text=_("The customer's company contact or a person working for it."),
    )
    order_date = serializers.DateField(required=False)
    currency_code = serializers.CharField(max_length=10, required=False, allow_blank=True)
    campaign = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        help_text=_("For information; prices follow the customer's activated campaigns."),
    )
    lines = NewQuoteLineSerializer(many=True, required=False, max_length=MAX_QUOTE_LINES)


# --- The calling salesperson's work --------------------------------------------------


class TaskSerializer(RecordSerializer):
    salesperson = code_field(allow_null=True)
    team = code_field(allow_null=True)
    campaign = no_field(allow_null=True)
    contact = no_field(allow_null=True)
    contact_name = serializers.CharField(
        source="contact.name", read_only=True, allow_null=True, default=None
    )
    opportunity = no_field(allow_null=True)

    class Meta:
        model = Task
        fields = [
            "no",
            "description",
            "type",
            "date",
            "priority",
            "status",
            "salesperson",
            "team",
            "campaign",
            "contact",
            "contact_name",
            "opportunity",
            "closed",
            "date_closed",
            "canceled",
        ]
        read_only_fields = fields


class OpportunitySerializer(RecordSerializer):
    contact = no_field()
    contact_name = serializers.CharField(source="contact.name", read_only=True)
    salesperson = code_field()
    campaign = no_field(allow_null=True)
    sales_cycle = code_field()
    current_stage = serializers.IntegerField(
        source="current_stage.stage", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Opportunity
        fields = [
            "no",
            "description",
            "contact",
            "contact_name",
            "salesperson",
            "campaign",
            "sales_cycle",
            "current_stage",
            "status",
            "priority",
            "creation_date",
            "closed",
            "date_closed",
            "estimated_value",
            "chances_of_success_percent",
            "probability_percent",
            "calculated_current_value",
            "estimated_closing_date",
        ]
        read_only_fields = fields
