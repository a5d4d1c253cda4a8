"""Opportunity rules (docs/opportunities.md): probability, current value, close date, stages,
close."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from activities.models import Task
from activities.services import assign_activity
from opportunities import services
from opportunities.figures import calculate_current_value, calculate_probability
from opportunities.models import (
    ActionTaken,
    OpportunityEntry,
    OpportunityStatus,
    ProbabilityCalculation,
)
from opportunities.services import NEXT, PREVIOUS
from tests.factories import SalespersonFactory, TeamFactory
from tests.opportunities.conftest import DAY, make_cycle, new_opportunity, stage

pytestmark = pytest.mark.django_db


# -- Probability and current value ---------------------------------------------


@pytest.mark.parametrize(
    ("calculation", "expected"),
    [
        (ProbabilityCalculation.MULTIPLY, Decimal("20.00")),  # 50 × 40 / 100
        (ProbabilityCalculation.ADD, Decimal("45.00")),  # (50 + 40) / 2
        (ProbabilityCalculation.CHANCES_OF_SUCCESS, Decimal("50.00")),
        (ProbabilityCalculation.COMPLETED, Decimal("40.00")),
    ],
)
def test_probability_by_the_cycles_calculation(calculation, expected):
    assert calculate_probability(calculation, 50, 40) == expected


def test_probability_and_current_value_round_to_cents():
    assert calculate_probability(ProbabilityCalculation.MULTIPLY, "33.33", 40) == Decimal("13.33")
    assert calculate_probability(ProbabilityCalculation.ADD, "33.33", 40) == Decimal("36.67")
    # 999.99 × 13.33 / 100 = 133.298667
    assert calculate_current_value("999.99", "13.33") == Decimal("133.30")


@pytest.mark.parametrize(
    ("calculation", "probability", "current_value"),
    [
        (ProbabilityCalculation.MULTIPLY, "5.00", "50.00"),  # 50 × 10 / 100; 1000 × 5 %
        (ProbabilityCalculation.ADD, "30.00", "300.00"),  # (50 + 10) / 2
        (ProbabilityCalculation.CHANCES_OF_SUCCESS, "50.00", "500.00"),
        (ProbabilityCalculation.COMPLETED, "10.00", "100.00"),
    ],
)
def test_first_stage_sets_probability_and_current_value(calculation, probability, current_value):
    cycle = make_cycle(calculation=calculation)
    opportunity = new_opportunity(cycle, activate_first_stage=True)
    opportunity.refresh_from_db()
    assert opportunity.status == OpportunityStatus.IN_PROGRESS
    assert opportunity.current_stage == stage(cycle, 1)
    assert opportunity.probability_percent == Decimal(probability)
    assert opportunity.calculated_current_value == Decimal(current_value)
    entry = opportunity.entries.get()
    assert entry.active
    assert entry.action_taken == ActionTaken.NEXT
    assert entry.date_of_change == DAY
    assert entry.completed_percent == Decimal(10)
    assert entry.chances_of_success_percent == Decimal(50)
    assert entry.probability_percent == Decimal(probability)
    assert entry.calculated_current_value == Decimal(current_value)


def test_a_stage_change_with_new_figures_recalculates(cycle):
    opportunity = new_opportunity(cycle, activate_first_stage=True)
    change = services.move_to_stage(
        opportunity=opportunity,
        direction=NEXT,
        date=DAY,
        estimated_value=Decimal("2500"),
        chances_of_success_percent=Decimal("80"),
    )
    entry = change.entry
    assert entry.stage == stage(cycle, 2)
    assert entry.probability_percent == Decimal("32.00")  # 80 × 40 / 100
    assert entry.calculated_current_value == Decimal("800.00")  # 2500 × 32 %
    opportunity.refresh_from_db()
    assert opportunity.estimated_value == Decimal("2500.00")
    assert opportunity.calculated_current_value == Decimal("800.00")
    # Only the newest entry is active.
    assert list(opportunity.entries.order_by("id").values_list("active", flat=True)) == [
        False,
        True,
    ]


# -- Estimated close date -------------------------------------------------------


def test_estimated_close_date_is_the_stage_formula_applied_to_the_change_date(cycle):
    opportunity = new_opportunity(cycle, activate_first_stage=True)
    opportunity.refresh_from_db()
    assert opportunity.estimated_closing_date == datetime.date(2026, 1, 22)  # 1W
    entry = services.move_to_stage(
        opportunity=opportunity, direction=NEXT, date=datetime.date(2026, 1, 16)
    ).entry
    assert entry.estimated_close_date == datetime.date(2026, 1, 30)  # 2W
    entry = services.move_to_stage(
        opportunity=opportunity, direction=NEXT, date=datetime.date(2026, 1, 31)
    ).entry
    assert entry.estimated_close_date == datetime.date(2026, 2, 28)  # 1M clamps
    entry = services.move_to_stage(
        opportunity=opportunity, direction=NEXT, date=datetime.date(2026, 2, 3)
    ).entry
    assert entry.estimated_close_date == datetime.date(2026, 2, 28)  # CM
    opportunity.refresh_from_db()
    assert opportunity.estimated_closing_date == datetime.date(2026, 2, 28)


# -- Moving through the stages --------------------------------------------------


def test_next_previous_skip_and_jump(cycle):
    opportunity = new_opportunity(cycle)
    assert opportunity.status == OpportunityStatus.NOT_STARTED
    assert not opportunity.entries.exists()
    actions = [
        services.move_to_stage(opportunity=opportunity, date=DAY, **step).entry
        for step in [
            {"direction": NEXT},  # → 1
            {"stage": stage(cycle, 3)},  # skips 2 (allow skip) → 3
            {"direction": NEXT},  # → 4
            {"direction": PREVIOUS},  # → 3
            {"stage": stage(cycle, 1)},  # back over 2 → 1
            {"stage": stage(cycle, 2)},  # the next one → 2
        ]
    ]
    assert [(e.stage.stage, e.action_taken) for e in actions] == [
        (1, ActionTaken.NEXT),
        (3, ActionTaken.SKIP),
        (4, ActionTaken.NEXT),
        (3, ActionTaken.PREVIOUS),
        (1, ActionTaken.JUMP),
        (2, ActionTaken.NEXT),
    ]
    assert OpportunityEntry.objects.filter(opportunity=opportunity, active=True).count() == 1


def test_a_stage_that_does_not_allow_skip_cannot_be_skipped(cycle):
    cycle.stages.filter(stage=2).update(allow_skip=False)
    opportunity = new_opportunity(cycle, activate_first_stage=True)
    with pytest.raises(ValidationError, match="cannot be skipped"):
        services.move_to_stage(opportunity=opportunity, stage=stage(cycle, 3), date=DAY)
    opportunity.refresh_from_db()
    assert opportunity.current_stage == stage(cycle, 1)
    assert opportunity.entries.count() == 1
    # Proposal (3) never allows skip: 2 → 4 is refused too.
    services.move_to_stage(opportunity=opportunity, direction=NEXT, date=DAY)
    with pytest.raises(ValidationError, match="cannot be skipped"):
        services.move_to_stage(opportunity=opportunity, stage=stage(cycle, 4), date=DAY)


def test_skipping_from_not_started_needs_the_first_stages_to_allow_skip(cycle):
    opportunity = new_opportunity(cycle)
    with pytest.raises(ValidationError, match="cannot be skipped"):
        services.move_to_stage(opportunity=opportunity, stage=stage(cycle, 2), date=DAY)


def test_no_previous_before_the_first_stage_and_no_next_after_the_last(cycle):
    opportunity = new_opportunity(cycle)
    with pytest.raises(ValidationError, match="not started"):
        services.move_to_stage(opportunity=opportunity, direction=PREVIOUS, date=DAY)
    services.move_to_stage(opportunity=opportunity, direction=NEXT, date=DAY)
    with pytest.raises(ValidationError, match="first stage"):
        services.move_to_stage(opportunity=opportunity, direction=PREVIOUS, date=DAY)
    for _ in range(3):
        services.move_to_stage(opportunity=opportunity, direction=NEXT, date=DAY)
    with pytest.raises(ValidationError, match="last stage"):
        services.move_to_stage(opportunity=opportunity, direction=NEXT, date=DAY)


def test_moving_to_the_current_stage_or_another_cycles_stage_is_refused(cycle):
    opportunity = new_opportunity(cycle, activate_first_stage=True)
    with pytest.raises(ValidationError, match="already"):
        services.move_to_stage(opportunity=opportunity, stage=stage(cycle, 1), date=DAY)
    other = make_cycle("OTHER")
    with pytest.raises(ValidationError, match="Choose a stage"):
        services.move_to_stage(opportunity=opportunity, stage=stage(other, 2), date=DAY)


def test_a_change_may_not_be_dated_before_the_last_one(cycle):
    opportunity = new_opportunity(cycle, activate_first_stage=True)
    with pytest.raises(ValidationError) as error:
        services.move_to_stage(
            opportunity=opportunity, direction=NEXT, date=DAY - datetime.timedelta(days=1)
        )
    assert "date" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.close_opportunity(
            opportunity=opportunity, won=True, date=DAY - datetime.timedelta(days=1)
        )


def test_bad_figures_are_refused(cycle):
    opportunity = new_opportunity(cycle)
    with pytest.raises(ValidationError):
        services.move_to_stage(
            opportunity=opportunity, direction=NEXT, date=DAY, chances_of_success_percent=101
        )
    with pytest.raises(ValidationError):
        services.move_to_stage(
            opportunity=opportunity, direction=NEXT, date=DAY, estimated_value=-1
        )
    with pytest.raises(ValidationError):
        services.move_to_stage(opportunity=opportunity, date=DAY)  # neither way nor stage


def test_a_cycle_without_stages_cannot_start(cycle):
    empty = make_cycle("EMPTY")
    empty.stages.all().delete()
    opportunity = new_opportunity(empty)
    with pytest.raises(ValidationError, match="no stages"):
        services.move_to_stage(opportunity=opportunity, direction=NEXT, date=DAY)


# -- Activities of a stage ------------------------------------------------------


def test_a_stage_with_an_activity_creates_tasks_for_the_salesperson_with_the_campaign(
    presentation, salesperson
):
    cycle = make_cycle(activity=presentation)
    opportunity = new_opportunity(cycle, salesperson=salesperson, activate_first_stage=True)
    assert not Task.objects.exists()  # stage 1 has no activity
    change = services.move_to_stage(
        opportunity=opportunity, direction=NEXT, date=datetime.date(2026, 1, 20)
    )
    assert change.tasks == 2
    tasks = list(Task.objects.order_by("date"))
    assert [t.date for t in tasks] == [datetime.date(2026, 1, 21), datetime.date(2026, 1, 27)]
    for task in tasks:
        assert task.salesperson == salesperson
        assert task.campaign == opportunity.campaign
        assert task.contact == opportunity.contact
        assert task.opportunity == opportunity
        assert task.activity == presentation
    # Moving back and forth to the stage assigns it again.
    services.move_to_stage(opportunity=opportunity, direction=PREVIOUS, date=DAY.replace(day=21))
    services.move_to_stage(opportunity=opportunity, direction=NEXT, date=DAY.replace(day=22))
    assert Task.objects.filter(opportunity=opportunity).count() == 4
    history = Task.history.filter(opportunity_id=opportunity.pk)
    assert history.filter(history_type="+").count() == 4


def test_a_refused_activity_assignment_refuses_the_stage_change(presentation):
    cycle = make_cycle(activity=presentation)
    opportunity = new_opportunity(cycle, activate_first_stage=True)
    presentation.steps.all().delete()
    with pytest.raises(ValidationError, match="no steps"):
        services.move_to_stage(opportunity=opportunity, direction=NEXT, date=DAY)
    opportunity.refresh_from_db()
    assert opportunity.current_stage == stage(cycle, 1)
    assert opportunity.entries.count() == 1


def test_assign_activity_to_a_team_carries_the_opportunity_on_every_task(presentation, cycle):
    opportunity = new_opportunity(cycle)
    team = TeamFactory()
    team.members.add(SalespersonFactory(), SalespersonFactory())
    result = assign_activity(
        activity=presentation, start_date=DAY, team=team, opportunity=opportunity
    )
    assert result.tasks == 2 * 3
    assert Task.objects.filter(opportunity=opportunity).count() == 6
    assert Task.objects.filter(opportunity=opportunity, team_task__isnull=False).count() == 4


# -- Close ------------------------------------------------------------------------


def test_won_gives_probability_100_and_the_estimated_value(cycle):
    opportunity = new_opportunity(cycle, activate_first_stage=True)
    close = datetime.date(2026, 2, 1)
    entry = services.close_opportunity(
        opportunity=opportunity, won=True, date=close, estimated_value=Decimal("1200")
    )
    assert entry.action_taken == ActionTaken.WON
    assert entry.probability_percent == Decimal(100)
    assert entry.calculated_current_value == Decimal("1200.00")
    opportunity.refresh_from_db()
    assert opportunity.status == OpportunityStatus.WON
    assert opportunity.closed
    assert opportunity.date_closed == close
    assert opportunity.estimated_closing_date == close
    assert opportunity.probability_percent == Decimal(100)
    assert opportunity.calculated_current_value == Decimal("1200.00")
    assert opportunity.current_stage == stage(cycle, 1)


def test_lost_gives_value_0(cycle):
    opportunity = new_opportunity(cycle, activate_first_stage=True)
    entry = services.close_opportunity(opportunity=opportunity, won=False, date=DAY)
    assert entry.action_taken == ActionTaken.LOST
    assert (entry.probability_percent, entry.calculated_current_value) == (0, 0)
    opportunity.refresh_from_db()
    assert opportunity.status == OpportunityStatus.LOST
    assert opportunity.closed
    assert opportunity.calculated_current_value == 0
    assert opportunity.estimated_value == Decimal("1000.00")  # what was at stake


def test_a_closed_opportunity_does_not_change_any_more(cycle):
    opportunity = new_opportunity(cycle, activate_first_stage=True)
    services.close_opportunity(opportunity=opportunity, won=True, date=DAY)
    with pytest.raises(ValidationError, match="closed"):
        services.move_to_stage(opportunity=opportunity, direction=NEXT, date=DAY)
    with pytest.raises(ValidationError, match="closed"):
        services.close_opportunity(opportunity=opportunity, won=False, date=DAY)


def test_a_not_started_opportunity_can_be_closed(cycle):
    opportunity = new_opportunity(cycle)
    entry = services.close_opportunity(opportunity=opportunity, won=False, date=DAY)
    assert entry.stage is None
    opportunity.refresh_from_db()
    assert opportunity.status == OpportunityStatus.LOST


# -- Create, edit, delete --------------------------------------------------------


def test_a_blocked_sales_cycle_cannot_be_chosen_on_a_new_opportunity():
    blocked = make_cycle("OLD", blocked=True)
    with pytest.raises(ValidationError) as error:
        new_opportunity(blocked)
    assert "sales_cycle" in error.value.message_dict


def test_a_blocked_salesperson_cannot_be_chosen(cycle):
    with pytest.raises(ValidationError) as error:
        new_opportunity(cycle, salesperson=SalespersonFactory(blocked=True))
    assert "salesperson" in error.value.message_dict


def test_a_new_opportunity_takes_its_number_and_records_history(cycle, manager):
    opportunity = new_opportunity(cycle, user=manager)
    assert opportunity.no.startswith("OP")
    assert opportunity.history.get().history_user == manager


def test_the_sales_cycle_changes_only_before_the_start(cycle):
    other = make_cycle("OTHER")
    opportunity = new_opportunity(cycle)
    opportunity.sales_cycle = other
    services.save_opportunity(opportunity=opportunity)
    services.move_to_stage(opportunity=opportunity, direction=NEXT, date=DAY)
    opportunity.refresh_from_db()
    opportunity.sales_cycle = cycle
    with pytest.raises(ValidationError) as error:
        services.save_opportunity(opportunity=opportunity)
    assert "sales_cycle" in error.value.message_dict


def test_an_opportunity_in_progress_cannot_be_deleted(cycle, presentation):
    opportunity = new_opportunity(cycle, activate_first_stage=True)
    with pytest.raises(ValidationError, match="in progress"):
        services.delete_opportunity(opportunity=opportunity)
    task = assign_activity(
        activity=presentation,
        start_date=DAY,
        salesperson=opportunity.salesperson,
        opportunity=opportunity,
    )
    assert task.tasks == 2
    services.close_opportunity(opportunity=opportunity, won=False, date=DAY)
    services.delete_opportunity(opportunity=opportunity)
    assert not OpportunityEntry.objects.exists()
    assert Task.objects.filter(opportunity__isnull=True).count() == 2  # tasks stay
