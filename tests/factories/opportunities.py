"""Sales cycles, their stages, opportunities and their entries."""

import datetime
from decimal import Decimal

import factory

from opportunities.models import (
    ActionTaken,
    Opportunity,
    OpportunityEntry,
    SalesCycle,
    SalesCycleStage,
)
from tests.factories.contacts import CompanyFactory
from tests.factories.salespeople import SalespersonFactory


class SalesCycleFactory(factory.django.DjangoModelFactory):
    """A sales cycle without stages (add them with ``SalesCycleStageFactory``)."""

    class Meta:
        model = SalesCycle

    code = factory.Sequence(lambda n: f"CYC{n}")
    description = factory.LazyAttribute(lambda cycle: f"Cycle {cycle.code}")


class SalesCycleStageFactory(factory.django.DjangoModelFactory):
    """A stage of a new cycle; pass ``sales_cycle`` and ``stage`` (1, 2, …) for the
    stages of one cycle."""

    class Meta:
        model = SalesCycleStage

    sales_cycle = factory.SubFactory(SalesCycleFactory)
    stage = 1
    description = factory.LazyAttribute(lambda stage: f"Stage {stage.stage}")
    completed_percent = Decimal("10")
    date_formula = ""


class OpportunityFactory(factory.django.DjangoModelFactory):
    """An opportunity not started, written as it is; ``opportunities.services`` starts
    it and moves it through its stages by the rules."""

    class Meta:
        model = Opportunity

    description = factory.Sequence(lambda n: f"Opportunity {n}")
    contact = factory.SubFactory(CompanyFactory)
    salesperson = factory.SubFactory(SalespersonFactory)
    sales_cycle = factory.SubFactory(SalesCycleFactory)


class OpportunityEntryFactory(factory.django.DjangoModelFactory):
    """An active entry at the first stage of the opportunity's cycle (a new stage
    when the cycle has none)."""

    class Meta:
        model = OpportunityEntry

    opportunity = factory.SubFactory(OpportunityFactory)
    stage = factory.LazyAttribute(
        lambda entry: (
            entry.opportunity.sales_cycle.stages.order_by("stage").first()
            or SalesCycleStageFactory(sales_cycle=entry.opportunity.sales_cycle)
        )
    )
    date_of_change = factory.LazyFunction(datetime.date.today)
    action_taken = ActionTaken.NEXT
