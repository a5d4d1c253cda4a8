import datetime
from decimal import Decimal

import pytest

from activities.models import TaskType
from opportunities import services
from opportunities.models import ProbabilityCalculation
from tests.factories import (
    ActivityFactory,
    ActivityStepFactory,
    CampaignFactory,
    ContactFactory,
    SalesCycleFactory,
    SalesCycleStageFactory,
    SalespersonFactory,
    UserFactory,
)

DAY = datetime.date(2026, 1, 15)  # a Thursday


@pytest.fixture
def presentation(db):
    """A 2-step activity: phone call after a day, meeting after a week."""
    activity = ActivityFactory(code="PRESENT", description="Presentation")
    for step_no, kind, formula in [(1, TaskType.PHONE_CALL, "1D"), (2, TaskType.MEETING, "1W")]:
        ActivityStepFactory(
            activity=activity,
            step_no=step_no,
            type=kind,
            description=f"Step {step_no}",
            date_formula=formula,
        )
    return activity


def make_cycle(code="NEW", calculation=ProbabilityCalculation.MULTIPLY, activity=None, **fields):
    """Initial contact 10 % (1W), presentation 40 % (activity, 2W, may be skipped),
    proposal 70 % (quote required, 1M, may not be skipped), negotiation 90 % (CM)."""
    cycle = SalesCycleFactory(
        code=code, description=f"Cycle {code}", probability_calculation=calculation, **fields
    )
    for number, text, completed, act, quote, skip, formula in [
        (1, "Initial contact", 10, None, False, False, "1W"),
        (2, "Presentation", 40, activity, False, True, "2W"),
        (3, "Proposal", 70, None, True, False, "1M"),
        (4, "Negotiation", 90, None, False, False, "CM"),
    ]:
        SalesCycleStageFactory(
            sales_cycle=cycle,
            stage=number,
            description=text,
            completed_percent=completed,
            activity=act,
            quote_required=quote,
            allow_skip=skip,
            date_formula=formula,
        )
    return cycle


@pytest.fixture
def cycle(db):
    return make_cycle()


@pytest.fixture
def salesperson(db):
    return SalespersonFactory(code="LT", name="Linda Terpstra")


def new_opportunity(cycle, salesperson=None, **kwargs):
    defaults = {
        "description": "Chairs",
        "contact": ContactFactory(),
        "salesperson": salesperson or SalespersonFactory(),
        "campaign": CampaignFactory(),
        "sales_cycle": cycle,
        "creation_date": DAY,
        "estimated_value": Decimal("1000.00"),
        "chances_of_success_percent": Decimal(50),
    }
    return services.create_opportunity(**{**defaults, **kwargs})


def stage(cycle, number):
    return cycle.stages.get(stage=number)


@pytest.fixture
def own_salesperson(salesperson_user):
    """The salesperson of the ``sales`` login (Salesperson role)."""
    return SalespersonFactory(code="SALES", name="Sam Sales", user=salesperson_user)


@pytest.fixture
def sales_client(client, salesperson_user, own_salesperson):
    client.force_login(salesperson_user)
    return client


def other_salesperson():
    from core import roles

    return SalespersonFactory(user=UserFactory(username="other", role=roles.SALESPERSON))
