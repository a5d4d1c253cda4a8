import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from activities import services
from activities.models import Activity, Task, TaskStatus
from core.models import NumberSeries
from tests.activities.conftest import START, make_segment
from tests.factories import (
    CampaignFactory,
    ContactFactory,
    SalespersonFactory,
    TaskFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db


# -- Assign activity ----------------------------------------------------------


def test_assigning_to_a_campaign_for_a_team_creates_team_and_member_tasks(activity, team):
    campaign = CampaignFactory()
    result = services.assign_activity(
        activity=activity, start_date=START, team=team, campaign=campaign
    )
    # 3 team tasks + 2 members × 3 steps
    assert (result.tasks, result.team_tasks, result.steps) == (9, 3, 3)
    tasks = Task.objects.filter(campaign=campaign)
    assert tasks.count() == 9
    expected = {
        "Call": datetime.date(2026, 1, 17),  # 2D
        "Visit": datetime.date(2026, 1, 22),  # 1W
        "Letter": datetime.date(2026, 1, 31),  # CM
    }
    team_tasks = tasks.filter(salesperson__isnull=True)
    assert {t.description: t.date for t in team_tasks} == expected
    assert all(t.team_id == team.pk and t.is_team_task for t in team_tasks)
    for member in team.members.all():
        own = tasks.filter(salesperson=member)
        assert {t.description: t.date for t in own} == expected
        for task in own:
            assert task.team_task.description == task.description
            assert task.team_task.is_team_task
            assert task.activity == activity
            assert task.status == TaskStatus.NOT_STARTED


def test_assigning_to_a_salesperson_creates_one_task_per_step(activity, salesperson):
    contact = ContactFactory()
    result = services.assign_activity(
        activity=activity, start_date=START, salesperson=salesperson, contacts=[contact]
    )
    assert result.tasks == 3
    tasks = list(Task.objects.order_by("no"))
    assert [t.salesperson for t in tasks] == [salesperson] * 3
    assert {t.contact for t in tasks} == {contact}
    assert all(t.team is None and t.team_task is None for t in tasks)
    assert [t.type for t in tasks] == ["phone_call", "meeting", ""]


def test_assigning_without_salesperson_or_team_is_refused(activity):
    with pytest.raises(ValidationError, match="salesperson or a team"):
        services.assign_activity(activity=activity, start_date=START)
    assert not Task.objects.exists()


def test_assigning_to_both_salesperson_and_team_is_refused(activity, team, salesperson):
    with pytest.raises(ValidationError, match="exactly one"):
        services.assign_activity(
            activity=activity, start_date=START, salesperson=salesperson, team=team
        )


def test_assigning_an_activity_without_steps_is_refused(salesperson):
    empty = Activity.objects.create(code="EMPTY", description="No steps")
    with pytest.raises(ValidationError, match="no steps"):
        services.assign_activity(activity=empty, start_date=START, salesperson=salesperson)


def test_assigning_to_a_blocked_salesperson_is_refused(activity):
    blocked = SalespersonFactory(blocked=True)
    with pytest.raises(ValidationError, match="blocked"):
        services.assign_activity(activity=activity, start_date=START, salesperson=blocked)


def test_assigning_to_a_team_without_members_is_refused(activity):
    with pytest.raises(ValidationError, match="no salespeople"):
        services.assign_activity(activity=activity, start_date=START, team=TeamFactory())


def test_assigning_from_an_empty_segment_is_refused(activity, salesperson):
    segment = make_segment(0)
    with pytest.raises(ValidationError, match="no contacts"):
        services.assign_activity(
            activity=activity, start_date=START, salesperson=salesperson, segment=segment
        )


def test_assigning_from_a_segment_creates_a_set_per_contact(activity, team):
    campaign = CampaignFactory()
    segment = make_segment(4, campaign=campaign)
    result = services.assign_activity(
        activity=activity, start_date=START, team=team, segment=segment
    )
    assert (result.contacts, result.tasks) == (4, 4 * 3 * 3)
    tasks = Task.objects.all()
    assert set(tasks.values_list("segment", flat=True)) == {segment.pk}
    assert set(tasks.values_list("campaign", flat=True)) == {campaign.pk}  # from the segment
    line_contacts = set(segment.lines.values_list("contact", flat=True))
    for contact_id in line_contacts:
        mine = tasks.filter(contact_id=contact_id)
        assert mine.filter(salesperson__isnull=True).count() == 3
        assert mine.filter(salesperson__isnull=False).count() == 6
        # a member task belongs to the team task of the same contact and step
        for task in mine.filter(team_task__isnull=False).select_related("team_task"):
            assert task.team_task.contact_id == contact_id
            assert task.team_task.date == task.date


def test_task_numbers_come_from_the_series_without_gaps_or_duplicates(activity, team):
    TaskFactory()  # TD000001 by hand
    segment = make_segment(5)
    services.assign_activity(activity=activity, start_date=START, team=team, segment=segment)
    numbers = sorted(Task.objects.values_list("no", flat=True))
    assert numbers == [f"TD{n:06d}" for n in range(1, 1 + 1 + 5 * 3 * 3)]
    assert NumberSeries.objects.get(code="TASK").last_number == 46


def test_numbers_typed_by_hand_are_skipped(activity, salesperson):
    TaskFactory(no="TD000002")
    services.assign_activity(
        activity=activity, start_date=START, salesperson=salesperson, segment=make_segment(2)
    )
    numbers = sorted(Task.objects.values_list("no", flat=True))
    assert numbers == ["TD000002", *[f"TD{n:06d}" for n in range(3, 9)]]


def test_numbers_wider_than_the_series_digits(activity, salesperson):
    NumberSeries.objects.filter(code="TASK").update(digits=2, last_number=97)
    services.assign_activity(
        activity=activity, start_date=START, salesperson=salesperson, segment=make_segment(2)
    )
    numbers = set(Task.objects.values_list("no", flat=True))
    assert numbers == {"TD98", "TD99", "TD100", "TD101", "TD102", "TD103"}


def test_assigning_writes_the_history_of_every_task(activity, team, manager):
    services.assign_activity(activity=activity, start_date=START, team=team, user=manager)
    assert Task.history.filter(history_type="+").count() == 9
    record = Task.history.first()
    assert record.history_user == manager
    assert record.instance.no == Task.objects.get(pk=record.id).no


def _count_queries(activity, team, size):
    segment = make_segment(size)
    with CaptureQueriesContext(connection) as queries:
        result = services.assign_activity(
            activity=activity, start_date=START, team=team, segment=segment
        )
    assert result.tasks == size * 3 * 3
    return len(queries)


def test_assigning_from_a_segment_runs_the_same_queries_for_10_and_1000_contacts(activity, team):
    small = _count_queries(activity, team, 10)
    large = _count_queries(activity, team, 1000)
    assert small == large
    assert Task.objects.count() == 1010 * 9
    assert Task.objects.values("no").distinct().count() == 1010 * 9


# -- Task status rules --------------------------------------------------------


def test_a_task_by_hand_needs_a_salesperson():
    with pytest.raises(ValidationError) as error:
        services.create_task(salesperson=None, description="Call")
    assert "salesperson" in error.value.message_dict


def test_a_task_by_hand_cannot_be_for_a_blocked_salesperson():
    with pytest.raises(ValidationError, match="blocked"):
        services.create_task(salesperson=SalespersonFactory(blocked=True), description="Call")


def test_create_task_takes_the_next_number(salesperson):
    task = services.create_task(salesperson=salesperson, description="Call")
    assert task.no == "TD000001"
    assert task.status == TaskStatus.NOT_STARTED
    assert not task.closed


def test_completing_closes_and_sets_the_date_closed(salesperson):
    task = TaskFactory(salesperson=salesperson)
    services.complete_task(task=task)
    task.refresh_from_db()
    assert task.status == TaskStatus.COMPLETED
    assert task.closed
    assert task.date_closed == timezone.localdate()
    assert task.completed_by == salesperson


def test_completing_a_closed_task_is_refused():
    task = TaskFactory()
    services.complete_task(task=task)
    with pytest.raises(ValidationError, match="already closed"):
        services.complete_task(task=task)


def test_a_team_task_needs_completed_by_to_close(activity, team):
    services.assign_activity(activity=activity, start_date=START, team=team)
    team_task = Task.objects.filter(salesperson__isnull=True).first()
    with pytest.raises(ValidationError) as error:
        services.complete_task(task=team_task)
    assert "completed_by" in error.value.message_dict
    member = team.members.first()
    services.complete_task(task=team_task, completed_by=member)
    team_task.refresh_from_db()
    assert team_task.closed
    assert team_task.completed_by == member
    # the team members' tasks of that step are completed with it
    assert all(t.closed for t in team_task.member_tasks.all())
    assert Task.objects.filter(closed=False).count() == 6


def test_reopening_a_completed_task_makes_it_in_progress():
    task = TaskFactory()
    services.complete_task(task=task)
    services.reopen_task(task=task)
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS
    assert not task.closed
    assert task.date_closed is None
    assert task.completed_by is None


def test_reopening_an_open_task_is_refused():
    with pytest.raises(ValidationError, match="not closed"):
        services.reopen_task(task=TaskFactory())


def test_canceling_closes_the_task():
    task = TaskFactory(status=TaskStatus.WAITING)
    services.cancel_task(task=task)
    task.refresh_from_db()
    assert task.canceled
    assert task.closed
    assert task.status == TaskStatus.COMPLETED
    assert task.date_closed == timezone.localdate()
    services.reopen_task(task=task)
    task.refresh_from_db()
    assert not task.canceled
    assert not task.closed
    assert task.status == TaskStatus.IN_PROGRESS


def test_canceling_a_team_task_cancels_the_members_tasks_without_completed_by(activity, team):
    services.assign_activity(activity=activity, start_date=START, team=team)
    team_task = Task.objects.filter(salesperson__isnull=True).first()
    services.cancel_task(task=team_task)
    assert team_task.member_tasks.filter(canceled=True, closed=True).count() == 2


def test_a_task_cannot_be_saved_with_a_team_and_no_salesperson_by_hand(salesperson):
    task = services.create_task(salesperson=salesperson, description="Call")
    task.salesperson = None
    with pytest.raises(ValidationError, match="needs a salesperson"):
        services.save_task(task=task)


def test_save_task_refuses_completing_by_status(salesperson):
    task = services.create_task(salesperson=salesperson, description="Call")
    task.status = TaskStatus.COMPLETED
    with pytest.raises(ValidationError, match="Use Complete"):
        services.save_task(task=task)


@pytest.mark.parametrize(
    "fields",
    [
        {"status": TaskStatus.COMPLETED, "closed": False},  # completed ⇔ closed
        {"status": TaskStatus.IN_PROGRESS, "closed": True, "date_closed": START},
        {"closed": False, "date_closed": START},  # date closed only when closed
        {"canceled": True},  # canceling closes
    ],
)
def test_the_database_refuses_inconsistent_closing(salesperson, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        Task.objects.create(no="X1", description="x", salesperson=salesperson, **fields)


def test_the_database_refuses_a_closed_team_task_without_completed_by(activity, team):
    services.assign_activity(activity=activity, start_date=START, team=team)
    team_task = Task.objects.filter(salesperson__isnull=True).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Task.objects.filter(pk=team_task.pk).update(
            closed=True, status=TaskStatus.COMPLETED, date_closed=START
        )


def test_the_database_refuses_a_task_without_salesperson_and_team():
    with pytest.raises(IntegrityError), transaction.atomic():
        Task.objects.create(no="X2", description="x")
