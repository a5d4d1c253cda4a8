from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import DetailView

from campaigns.models import Campaign
from core import generic_views as generic
from core.sql import TimeUp, statement_time_limit
from pricing import services
from pricing.filters import (
    ItemFilter,
    ItemUnitOfMeasureFilter,
    SalesLineDiscountFilter,
    SalesPriceFilter,
)
from pricing.forms import ItemForm, ItemUnitOfMeasureForm, SalesLineDiscountForm, SalesPriceForm
from pricing.models import Item, ItemUnitOfMeasure, SalesLineDiscount, SalesPrice, SalesType
from pricing.tables import (
    ItemTable,
    ItemUnitOfMeasureTable,
    SalesLineDiscountTable,
    SalesPriceTable,
)


class ItemList(generic.RecordListView):
    model = Item
    queryset = Item.objects.select_related("base_unit_of_measure", "item_discount_group")
    table_class = ItemTable
    filterset_class = ItemFilter
    empty_text = gettext_lazy("No items yet. Create the items you sell with their unit price.")


class ItemCard(generic.RecordCardView):
    model = Item
    queryset = Item.objects.select_related("base_unit_of_measure", "item_discount_group")
    sections = [
        (gettext_lazy("General"), ["no", "description", "base_unit_of_measure", "blocked"]),
        (gettext_lazy("Prices and sales"), ["unit_price", "item_discount_group"]),
    ]


class ItemSaveMixin:
    def save_form(self, form):
        return services.save_item(item=form.save(commit=False), **self.save_kwargs(form))


class ItemCreate(ItemSaveMixin, generic.RecordCreateView):
    model = Item
    form_class = ItemForm


class ItemEdit(ItemSaveMixin, generic.RecordUpdateView):
    model = Item
    form_class = ItemForm


class ItemDelete(generic.RecordDeleteView):
    model = Item


class ItemUnitOfMeasureList(generic.RecordListView):
    model = ItemUnitOfMeasure
    queryset = ItemUnitOfMeasure.objects.select_related("item", "unit_of_measure")
    table_class = ItemUnitOfMeasureTable
    filterset_class = ItemUnitOfMeasureFilter
    empty_text = gettext_lazy(
        "No item units of measure here yet. An item is sold in its base unit; add the other "
        "units it is sold in (a box of 12) with how many base units they hold."
    )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        item = self.request.GET.get("item", "").strip().upper()
        if item and context.get("create_url"):
            context["create_url"] += "?" + urlencode({"item": item})
        return context


class ItemUnitOfMeasureCard(generic.RecordCardView):
    model = ItemUnitOfMeasure
    queryset = ItemUnitOfMeasure.objects.select_related("item", "unit_of_measure")
    sections = [
        (gettext_lazy("General"), ["item", "unit_of_measure", "quantity_per_unit_of_measure"]),
    ]


class ItemUnitOfMeasureSaveMixin:
    def save_form(self, form):
        return services.save_item_unit(item_unit=form.save(commit=False), **self.save_kwargs(form))

    def get_success_url(self):
        return self.object.item.get_absolute_url()  # back to the item's units


class ItemUnitOfMeasureCreate(ItemUnitOfMeasureSaveMixin, generic.RecordCreateView):
    model = ItemUnitOfMeasure
    form_class = ItemUnitOfMeasureForm


class ItemUnitOfMeasureEdit(ItemUnitOfMeasureSaveMixin, generic.RecordUpdateView):
    model = ItemUnitOfMeasure
    form_class = ItemUnitOfMeasureForm


class ItemUnitOfMeasureDelete(generic.RecordDeleteView):
    model = ItemUnitOfMeasure

    def perform_delete(self):
        services.delete_item_unit(item_unit=self.object, user=self.request.user)

    def get_success_url(self):
        return self.object.item.get_absolute_url()


class CampaignFilteredMixin:
    """Opened from a campaign card (``?sales_type=campaign&sales_code=CP0001``), the
    list shows that campaign's rows and New defaults to it with its dates."""

    def campaign(self):
        if self.request.GET.get("sales_type") == SalesType.CAMPAIGN:
            code = self.request.GET.get("sales_code", "").strip().upper()
            return Campaign.objects.filter(no=code).first()
        return None


class PriceRuleList(CampaignFilteredMixin, generic.RecordListView):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        campaign = self.campaign()
        if campaign and context.get("create_url"):
            context["create_url"] += "?" + urlencode(
                {"sales_type": SalesType.CAMPAIGN, "sales_code": campaign.no}
            )
        if campaign:
            context["title"] = f"{context['title']} – {campaign}"
        return context


class PriceRuleSaveMixin:
    def save_form(self, form):
        return services.save_price_rule(rule=form.save(commit=False), **self.save_kwargs(form))


class PriceRuleCreate(PriceRuleSaveMixin, CampaignFilteredMixin, generic.RecordCreateView):
    def get_initial(self):
        initial = super().get_initial()
        campaign = self.campaign()
        if campaign:
            initial |= {
                "sales_type": SalesType.CAMPAIGN,
                "sales_code": campaign.no,
                "starting_date": campaign.starting_date,
                "ending_date": campaign.ending_date,
            }
        return initial


class SalesPriceList(PriceRuleList):
    model = SalesPrice
    queryset = SalesPrice.objects.select_related("item", "unit_of_measure")
    table_class = SalesPriceTable
    filterset_class = SalesPriceFilter
    empty_text = gettext_lazy(
        "No sales prices here yet. Without one, a sales line takes the item's unit price."
    )


class PriceRuleCardMixin:
    """The sales code links to the customer, group or campaign it names, so a row
    opened from a campaign leads back to it (docs/pricing.md)."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rule = self.object
        record = (
            services.sales_code_record(rule.sales_type, rule.sales_code)
            if rule.sales_type in services.SALES_CODE_SOURCES and rule.sales_code
            else None
        )
        try:
            url = record.get_absolute_url() if record is not None else None
        except (AttributeError, NoReverseMatch):
            url = None  # a group without a page of its own
        for section in context["sections"]:
            for field in section["fields"]:
                if field.get("name") == "sales_code" and url:
                    field["url"] = url
        return context


class SalesPriceCard(PriceRuleCardMixin, generic.RecordCardView):
    model = SalesPrice
    queryset = SalesPrice.objects.select_related("item", "unit_of_measure")
    sections = [
        (gettext_lazy("General"), ["item", "sales_type", "sales_code", "unit_price"]),
        (
            gettext_lazy("Conditions"),
            [
                "starting_date",
                "ending_date",
                "currency_code",
                "unit_of_measure",
                "minimum_quantity",
            ],
        ),
        (
            gettext_lazy("Discounts and VAT"),
            ["allow_line_discount", "allow_invoice_discount", "price_includes_vat"],
        ),
    ]


class SalesPriceCreate(PriceRuleCreate):
    model = SalesPrice
    form_class = SalesPriceForm


class SalesPriceEdit(PriceRuleSaveMixin, generic.RecordUpdateView):
    model = SalesPrice
    form_class = SalesPriceForm


class SalesPriceDelete(generic.RecordDeleteView):
    model = SalesPrice


class SalesLineDiscountList(PriceRuleList):
    model = SalesLineDiscount
    queryset = SalesLineDiscount.objects.select_related("unit_of_measure")
    table_class = SalesLineDiscountTable
    filterset_class = SalesLineDiscountFilter
    empty_text = gettext_lazy("No sales line discounts here yet.")


class SalesLineDiscountCard(PriceRuleCardMixin, generic.RecordCardView):
    model = SalesLineDiscount
    queryset = SalesLineDiscount.objects.select_related("unit_of_measure")
    sections = [
        (
            gettext_lazy("General"),
            ["type", "code", "sales_type", "sales_code", "line_discount_percent"],
        ),
        (
            gettext_lazy("Conditions"),
            [
                "starting_date",
                "ending_date",
                "currency_code",
                "unit_of_measure",
                "minimum_quantity",
            ],
        ),
    ]


class SalesLineDiscountCreate(PriceRuleCreate):
    model = SalesLineDiscount
    form_class = SalesLineDiscountForm


class SalesLineDiscountEdit(PriceRuleSaveMixin, generic.RecordUpdateView):
    model = SalesLineDiscount
    form_class = SalesLineDiscountForm


class SalesLineDiscountDelete(generic.RecordDeleteView):
    model = SalesLineDiscount


class ActivateCampaign(generic.ConfirmActionView):
    """*Activate Sales Prices/Line Discounts* (docs/pricing.md, Campaign activation and
    the target group)."""

    model = Campaign
    permission_required = "pricing.activate_campaign"
    action_label = gettext_lazy("Activate sales prices/line discounts")

    def get_queryset(self):
        return Campaign.objects.select_related("status")

    def question(self):
        overlaps = self.overlaps().summary() if self.overlaps() else ""
        if getattr(self, "_overlaps_given_up", False):
            overlaps = _(
                "Looking for overlapping prices was given up after %(seconds)d seconds; "
                "activating does not depend on it."
            ) % {"seconds": ACTIVATION_OVERLAPS_SECONDS}
        return " ".join(filter(None, [self.warning(), overlaps, self.activate_question()]))

    def overlaps(self):
        """Prices and discounts that overlap others for the same customers
        (docs/pricing.md, Overlapping campaign prices): a warning, never a refusal.
        Given up after ``ACTIVATION_OVERLAPS_SECONDS`` on PostgreSQL (None)."""
        if not hasattr(self, "_overlaps"):
            from pricing.overlaps import campaign_overlaps

            try:
                with statement_time_limit(ACTIVATION_OVERLAPS_SECONDS):
                    self._overlaps = campaign_overlaps(self.object)
            except TimeUp:
                self._overlaps, self._overlaps_given_up = None, True
        return self._overlaps

    def details(self):
        return self.overlaps().texts() if self.overlaps() else []

    def warning(self) -> str:
        """A campaign whose status is done or canceled is over: say so first."""
        campaign = self.object
        if not campaign.is_over:
            return ""
        return _(
            "Warning: campaign %(no)s has status %(status)s (%(stage)s); activating it "
            "gives its target group its prices again although the campaign is over."
        ) % {
            "no": campaign.no,
            "status": campaign.status.code,
            "stage": campaign.status.get_stage_display().lower(),
        }

    def activate_question(self):
        prices, discounts = services.price_counts(self.object)
        if not prices and not discounts:
            return _(
                "Campaign %(no)s has no sales prices and no sales line discounts. "
                "Activate it anyway?"
            ) % {"no": self.object.no}
        return _(
            "Activate %(prices)s and %(discounts)s of campaign %(no)s for its target group?"
        ) % {
            "prices": ngettext("%(n)d sales price", "%(n)d sales prices", prices) % {"n": prices},
            "discounts": ngettext("%(n)d line discount", "%(n)d line discounts", discounts)
            % {"n": discounts},
            "no": self.object.no,
        }

    def perform(self, form):
        result = services.activate_campaign(campaign=self.object, user=self.request.user)
        return ngettext(
            "Campaign %(no)s is now activated (%(n)d target).",
            "Campaign %(no)s is now activated (%(n)d targets).",
            result.targets,
        ) % {"no": self.object.no, "n": result.targets}


class DeactivateCampaign(generic.ConfirmActionView):
    model = Campaign
    permission_required = "pricing.activate_campaign"
    action_label = gettext_lazy("Deactivate sales prices/line discounts")

    def question(self):
        return _(
            "Deactivate the sales prices and line discounts of campaign %(no)s? Its target "
            "group is emptied; quotes no longer get its prices."
        ) % {"no": self.object.no}

    def perform(self, form):
        removed = services.deactivate_campaign(campaign=self.object, user=self.request.user)
        return _("Campaign %(no)s is deactivated (%(n)d targets removed).") % {
            "no": self.object.no,
            "n": removed,
        }


# The card's overlap check is given up after this long (PostgreSQL); the activation
# page always runs it in full.
OVERLAPS_SECONDS = 3
# The Activate page looks longer than the card; with two campaigns of two million
# shared targets the check took minutes (docs/pricing.md, Overlapping campaign prices).
ACTIVATION_OVERLAPS_SECONDS = 20
OVERLAPS_SHOWN = 5


class CampaignOverlapsPanel(generic.ModelPermissionMixin, generic.KeyObjectMixin, DetailView):
    """The overlap warning of the campaign card's pricing panel (docs/pricing.md,
    Overlapping campaign prices), loaded after the card so that the card stays fast."""

    model = Campaign
    permission_required = "pricing.view_salesprice"
    template_name = "pricing/partials/campaign_overlaps.html"

    def get_context_data(self, **kwargs):
        from pricing.overlaps import campaign_overlaps

        context = super().get_context_data(**kwargs)
        try:
            with statement_time_limit(OVERLAPS_SECONDS):
                context["overlaps"] = campaign_overlaps(self.object, limit=OVERLAPS_SHOWN)
        except TimeUp:
            context["problem"] = _(
                "Looking for overlapping prices takes too long here; Activate looks longer."
            )
        return context


def campaign_rows_url(url_name, campaign):
    query = urlencode({"sales_type": SalesType.CAMPAIGN, "sales_code": campaign.no})
    return f"{reverse(url_name)}?{query}"
