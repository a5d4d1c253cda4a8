from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign
from contacts.models import Customer, CustomerDiscountGroup, CustomerPriceGroup
from core.forms import DATE_INPUT, KeyChoiceField, NumberedFormMixin
from pricing.models import (
    DiscountSalesType,
    DiscountType,
    Item,
    ItemDiscountGroup,
    SalesLineDiscount,
    SalesPrice,
    SalesType,
)

# sales type -> (model holding the codes, field with the code)
SALES_CODE_SOURCES = {
    SalesType.CUSTOMER: (Customer, "no"),
    SalesType.CUSTOMER_PRICE_GROUP: (CustomerPriceGroup, "code"),
    DiscountSalesType.CUSTOMER_DISCOUNT_GROUP: (CustomerDiscountGroup, "code"),
    SalesType.CAMPAIGN: (Campaign, "no"),
}


class ItemForm(NumberedFormMixin, forms.ModelForm):
    class Meta:
        model = Item
        localized_fields = ["unit_price"]  # 12,50 in Dutch
        fields = [
            "no",
            "description",
            "base_unit_of_measure",
            "unit_price",
            "item_discount_group",
            "blocked",
        ]


class PriceRuleForm(forms.ModelForm):
    """Rules shared by sales prices and line discounts (SPEC §6.1, §6.2)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign = None
        for name in ("starting_date", "ending_date"):
            self.fields[name].widget = DATE_INPUT
        if (self.initial.get("sales_type") or self.instance.sales_type) == SalesType.CAMPAIGN:
            # Say so before the user types other dates (SPEC §6.1), not only in the error.
            for name in ("starting_date", "ending_date"):
                self.fields[name].help_text = _(
                    "A campaign row takes the dates of the campaign: change them on the "
                    "campaign card."
                )

    def clean_sales_code(self):
        return (self.cleaned_data.get("sales_code") or "").strip().upper()

    def clean(self):
        cleaned = super().clean()
        sales_type = cleaned.get("sales_type")
        code = cleaned.get("sales_code", "")
        if sales_type == SalesType.ALL_CUSTOMERS:
            if code:
                self.add_error("sales_code", _("Leave the sales code blank for all customers."))
        elif sales_type:
            model, field = SALES_CODE_SOURCES[sales_type]
            if not code:
                self.add_error("sales_code", _("Fill in the sales code for this sales type."))
            else:
                found = model.objects.filter(**{field: code}).first()
                if found is None:
                    self.add_error(
                        "sales_code",
                        _("%(code)s is not a %(what)s.")
                        % {"code": code, "what": model._meta.verbose_name},
                    )
                elif sales_type == SalesType.CAMPAIGN:
                    self.campaign = found
                    self._campaign_dates(cleaned, found)
        start, end = cleaned.get("starting_date"), cleaned.get("ending_date")
        if start and end and start > end and not self.has_error("starting_date"):
            field = "starting_date" if "starting_date" in self.changed_data else "ending_date"
            self.add_error(field, _("The starting date may not be after the ending date."))
        return cleaned

    def _campaign_dates(self, cleaned, campaign):
        """Campaign rows take the campaign's dates; typing others is refused."""
        for name in ("starting_date", "ending_date"):
            typed = cleaned.get(name)
            own = getattr(campaign, name)
            if name in self.changed_data and typed and typed != own:
                self.add_error(
                    name,
                    _(
                        "The dates of a campaign row are the campaign's; change them on the "
                        "campaign card of %(no)s."
                    )
                    % {"no": campaign.no},
                )
            cleaned[name] = own
            setattr(self.instance, name, own)


class SalesPriceForm(PriceRuleForm):
    class Meta:
        model = SalesPrice
        localized_fields = ["minimum_quantity", "unit_price"]  # 12,50 in Dutch
        fields = [
            "item",
            "sales_type",
            "sales_code",
            "starting_date",
            "ending_date",
            "currency_code",
            "unit_of_measure",
            "minimum_quantity",
            "unit_price",
            "price_includes_vat",
            "allow_line_discount",
            "allow_invoice_discount",
        ]

        field_classes = {"item": KeyChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].label = _("Item No.")


class SalesLineDiscountForm(PriceRuleForm):
    class Meta:
        model = SalesLineDiscount
        localized_fields = ["minimum_quantity", "line_discount_percent"]  # 12,50 in Dutch
        fields = [
            "type",
            "code",
            "sales_type",
            "sales_code",
            "starting_date",
            "ending_date",
            "currency_code",
            "unit_of_measure",
            "minimum_quantity",
            "line_discount_percent",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A new row is for an item unless the user says otherwise (NAV's default too).
        self.fields["type"].initial = DiscountType.ITEM

    def clean_code(self):
        return (self.cleaned_data.get("code") or "").strip().upper()

    def clean(self):
        cleaned = super().clean()
        kind, code = cleaned.get("type"), cleaned.get("code")
        if kind and code:
            model = Item if kind == DiscountType.ITEM else ItemDiscountGroup
            field = "no" if kind == DiscountType.ITEM else "code"
            if not model.objects.filter(**{field: code}).exists():
                self.add_error(
                    "code",
                    _("%(code)s is not a %(what)s.")
                    % {"code": code, "what": model._meta.verbose_name},
                )
        return cleaned
