import pytest
from django.core.management import call_command
from django.urls import reverse

from activities.models import Task, TaskStatus
from tests.factories import SalespersonFactory, TaskFactory, TeamFactory

pytestmark = pytest.mark.django_db


def test_demo_has_tasks_in_every_status_and_a_team_assignment_and_is_idempotent(demo_data):
    statuses = set(Task.objects.values_list("status", flat=True))
    assert statuses == set(TaskStatus.values)
    assert Task.objects.filter(canceled=True).exists()
    fair = Task.objects.filter(team__code="FAIR", campaign__isnull=False)
    assert fair.filter(salesperson__isnull=True).exists()
    assert fair.filter(team_task__isnull=False).exists()
    assert Task.objects.filter(salesperson__user__username="sales").exists()
    # The printed demo login is a salesperson too: its My tasks is not empty.
    assert Task.objects.filter(salesperson__user__username="demo").exists()
    count = Task.objects.count()
    call_command("demo", verbosity=0)
    assert Task.objects.count() == count


def test_task_list_exports_csv_and_answers_htmx_with_the_partial(manager_client):
    task = TaskFactory(description="Export me")
    response = manager_client.get(reverse("activities:task_list"), {"_export": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert "Export me" in response.getvalue().decode()
    response = manager_client.get(reverse("activities:task_list"), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert task.no in body
    assert "<html" not in body


def test_my_tasks_includes_the_team_tasks_of_the_users_teams(client, salesperson_user):
    me = SalespersonFactory(user=salesperson_user)
    team = TeamFactory()
    team.members.add(me)
    team_task = Task.objects.create(no="T1", description="For the team", team=team)
    other_team_task = Task.objects.create(no="T2", description="Other team", team=TeamFactory())
    client.force_login(salesperson_user)
    shown = client.get(reverse("activities:my_tasks")).context["open_tasks"]
    assert team_task in shown
    assert other_team_task not in shown
