import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from core.tables import AmountColumn
from opportunities.models import Opportunity, SalesCycle

NUMBER = {"td": {"class": "text-end"}, "th": {"class": "text-end"}}


class SalesCycleTable(tables.Table):
    code = tables.Column(linkify=True)
    stage_count = tables.Column(verbose_name=_("No. of stages"), attrs=NUMBER)

    class Meta:
        model = SalesCycle
        fields = ["code", "description", "probability_calculation", "stage_count", "blocked"]


class OpportunityTable(tables.Table):
    no = tables.Column(linkify=True)
    contact = tables.Column(
        accessor="contact__name", verbose_name=_("Contact"), order_by="contact__name"
    )
    salesperson = tables.Column(
        accessor="salesperson__code", verbose_name=_("Salesperson"), order_by="salesperson__code"
    )
    campaign = tables.Column(
        accessor="campaign__no", verbose_name=_("Campaign"), order_by="campaign__no"
    )
    sales_cycle = tables.Column(
        accessor="sales_cycle__code", verbose_name=_("Sales cycle"), order_by="sales_cycle__code"
    )
    current_stage = tables.Column(
        accessor="current_stage__stage",
        verbose_name=_("Stage"),
        order_by="current_stage__stage",
        attrs=NUMBER,
    )
    estimated_value = AmountColumn(decimal_places=2)
    probability_percent = AmountColumn(decimal_places=2)
    calculated_current_value = AmountColumn(decimal_places=2)

    # Column priorities: 1 always shown, 2–6 from wider tables up (docs/lists.md).
    priorities = {
        "no": 1,
        "description": 1,
        "status": 2,
        "contact": 3,
        "salesperson": 3,
        "campaign": 5,
        "sales_cycle": 5,
        "current_stage": 3,
        "estimated_value": 2,
        "probability_percent": 5,
        "calculated_current_value": 4,
        "estimated_closing_date": 3,
        "priority": 5,
    }

    class Meta:
        model = Opportunity
        fields = [
            "no",
            "description",
            "status",
            "contact",
            "salesperson",
            "campaign",
            "sales_cycle",
            "current_stage",
            "estimated_value",
            "probability_percent",
            "calculated_current_value",
            "estimated_closing_date",
            "priority",
        ]
