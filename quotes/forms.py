"""Forms of the sales quote pages (docs/pricing.md, Sales quotes).

Customers, contacts and items are typed by No. in text fields, not picked from
a select: there may be many thousands of them.
"""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign
from contacts.models import Contact, Customer
from core.forms import DATE_INPUT, NumberedFormMixin
from pricing.models import Item, UnitOfMeasure
from quotes.models import SalesQuote, SalesQuoteLine

QUANTITY_NOT_POSITIVE = _("The quantity must be greater than 0.")
PRICE_NEGATIVE = _("The unit price may not be negative.")


def typed_no(value) -> str:
    """A No. or code as typed: stripped, upper case."""
    return (value or "").strip().upper()


class SalesQuoteForm(NumberedFormMixin, forms.ModelForm):
    service_error_fields = {"customer": "customer_no", "contact": "contact_no"}
    customer_no = forms.CharField(
        label=_("Customer No."),
        max_length=20,
        help_text=_("The No. of the customer the quote is for."),
    )
    contact_no = forms.CharField(
        label=_("Contact No."),
        max_length=20,
        required=False,
        help_text=_("Optional: the customer's company contact or a person working for it."),
    )

    class Meta:
        model = SalesQuote
        fields = ["no", "customer_no", "contact_no", "order_date", "currency_code", "campaign"]
        widgets = {"order_date": DATE_INPUT}
        help_texts = {
            "currency_code": _("Blank: local currency."),
            "order_date": _("Prices and line discounts valid on this date apply."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.customer_id:
            self.initial.setdefault("customer_no", self.instance.customer.no)
        if self.instance.contact_id:
            self.initial.setdefault("contact_no", self.instance.contact.no)
        self.fields["campaign"].queryset = Campaign.objects.order_by("-no")

    def clean_customer_no(self):
        number = typed_no(self.cleaned_data.get("customer_no"))
        customer = Customer.objects.filter(no=number).first()
        if customer is None:
            raise ValidationError(_("Customer %(no)s does not exist."), params={"no": number})
        return customer

    def clean_contact_no(self):
        number = typed_no(self.cleaned_data.get("contact_no"))
        if not number:
            return None
        contact = Contact.objects.filter(no=number).first()
        if contact is None:
            raise ValidationError(_("Contact %(no)s does not exist."), params={"no": number})
        return contact

    def clean_currency_code(self):
        return typed_no(self.cleaned_data.get("currency_code"))

    def clean(self):
        # A blocked customer and a contact outside the customer's company are refused by
        # the service (quotes.services.save_quote).
        cleaned = super().clean()
        customer = cleaned.get("customer_no")
        if customer is not None:
            self.instance.customer = customer
        self.instance.contact = cleaned.get("contact_no")
        return cleaned


class ItemNoMixin:
    """``item_no`` typed by No.: it must exist (a blocked item is refused by the service,
    quotes.services.save_quote_line)."""

    service_error_fields = {"item": "item_no"}

    def clean_item_no(self):
        number = typed_no(self.cleaned_data.get("item_no"))
        items = Item.objects.select_related("item_discount_group", "base_unit_of_measure")
        item = items.filter(no=number).first()
        if item is None:
            raise ValidationError(_("Item %(no)s does not exist."), params={"no": number})
        return item


class QuantityMixin:
    def clean_quantity(self):
        quantity = self.cleaned_data.get("quantity")
        if quantity is None or quantity <= 0:
            raise ValidationError(QUANTITY_NOT_POSITIVE)
        return quantity


class QuoteLineAddForm(ItemNoMixin, QuantityMixin, forms.ModelForm):
    """The inline *Add line* form on the quote card."""

    item_no = forms.CharField(label=_("Item No."), max_length=20)

    class Meta:
        model = SalesQuoteLine
        fields = ["item_no", "quantity", "unit_of_measure"]
        localized_fields = ["quantity"]  # 12,50 in Dutch
        help_texts = {"unit_of_measure": _("Blank: the item's base unit of measure.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quantity"].widget.attrs.update({"min": "0.01", "step": "any"})
        self.fields["unit_of_measure"].queryset = UnitOfMeasure.objects.order_by("code")

    def clean(self):
        cleaned = super().clean()
        item = cleaned.get("item_no")
        if item is not None:
            self.instance.item = item
            # NAV fills in the base unit: prices for that unit then apply.
            if cleaned.get("unit_of_measure") is None and item.base_unit_of_measure_id:
                cleaned["unit_of_measure"] = item.base_unit_of_measure
        return cleaned


class QuoteLineEditForm(QuantityMixin, forms.ModelForm):
    """Quantity, unit of measure and an optional price set by hand."""

    service_error_fields = {"unit_price": "override_price"}

    override_price = forms.DecimalField(
        label=_("Unit price set by hand"),
        required=False,
        max_digits=14,
        decimal_places=2,
        localize=True,
        help_text=_("Leave blank to let the best price apply; a typed price is kept as it is."),
    )

    class Meta:
        model = SalesQuoteLine
        fields = ["quantity", "unit_of_measure", "override_price"]
        localized_fields = ["quantity"]  # 12,50 in Dutch

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quantity"].widget.attrs.update({"min": "0.01", "step": "any"})
        # The units the item is sold in (docs/pricing.md, Units of measure).
        item = self.instance.item
        self.fields["unit_of_measure"].queryset = (
            UnitOfMeasure.objects.filter(
                Q(pk=item.base_unit_of_measure_id) | Q(item_units__item=item)
            )
            .distinct()
            .order_by("code")
        )
        if self.instance.price_overridden:
            self.initial.setdefault("override_price", self.instance.unit_price)

    def clean(self):
        cleaned = super().clean()
        base_unit = self.instance.item.base_unit_of_measure_id
        if "unit_of_measure" in cleaned and cleaned["unit_of_measure"] is None and base_unit:
            cleaned["unit_of_measure"] = self.instance.item.base_unit_of_measure
        return cleaned

    def clean_override_price(self):
        price = self.cleaned_data.get("override_price")
        if price is not None and price < Decimal(0):
            raise ValidationError(PRICE_NEGATIVE)
        return price
