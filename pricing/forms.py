from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import KeyChoiceField, LocalDateInput, NumberedFormMixin
from pricing.models import (
    DiscountType,
    Item,
    ItemUnitOfMeasure,
    SalesLineDiscount,
    SalesPrice,
    SalesType,
)
from pricing.services import sales_code_record


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


class ItemUnitOfMeasureForm(forms.ModelForm):
    """A unit an item is sold in; the rules are the service's
    (``pricing.services.save_item_unit``)."""

    class Meta:
        model = ItemUnitOfMeasure
        localized_fields = ["quantity_per_unit_of_measure"]  # 12,5 in Dutch
        fields = ["item", "unit_of_measure", "quantity_per_unit_of_measure"]
        field_classes = {"item": KeyChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].label = _("Item No.")
        if self.instance.pk:
            self.fields["item"].disabled = True  # a unit stays with its item
            self.initial["item"] = self.instance.item.no


class PriceRuleForm(forms.ModelForm):
    """Rules shared by sales prices and line discounts (docs/pricing.md, Price and
    discount rows)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign = None
        for name in ("starting_date", "ending_date"):
            # A widget of its own: crispy marks an invalid field on its widget.
            self.fields[name].widget = LocalDateInput()
        if (self.initial.get("sales_type") or self.instance.sales_type) == SalesType.CAMPAIGN:
            # Say so before the user types other dates, not only in the error.
            for name in ("starting_date", "ending_date"):
                self.fields[name].help_text = _(
                    "A campaign row takes the dates of the campaign: change them on the "
                    "campaign card."
                )

    def clean_sales_code(self):
        return (self.cleaned_data.get("sales_code") or "").strip().upper()

    def clean(self):
        # The rules of a price row are the service's (pricing.services.price_rule_errors)
        # and the model's; here a campaign row takes the campaign's dates when they were
        # not typed, and a wrong date is refused under the date field itself.
        cleaned = super().clean()
        sales_type = cleaned.get("sales_type")
        code = cleaned.get("sales_code", "")
        if sales_type == SalesType.CAMPAIGN and code:
            campaign = sales_code_record(sales_type, code)
            if campaign is not None:
                self.campaign = campaign
                self._campaign_dates(cleaned, campaign)
        start, end = cleaned.get("starting_date"), cleaned.get("ending_date")
        if start and end and start > end and not self.has_error("starting_date"):
            # The model's constraint refuses it too, above the form; here it goes under
            # the date that was changed.
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
