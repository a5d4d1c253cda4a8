import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities import services
from activities.models import Activity, ActivityStep, Task, TaskStatus
from tests.activities.conftest import START, make_segment, other_user
from tests.factories import (
    CampaignFactory,
    ContactFactory,
    SalespersonFactory,
    TaskFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db


def task_url(task, action="card"):
    return reverse(f"activities:task_{action}", kwargs={"key": task.no})


def assign_url(source, record):
    return reverse(f"activities:{source}_assign_activity", kwargs={"key": record.no})


# -- Smoke tests --------------------------------------------------------------


@pytest.fixture
def some_task(activity, team):
    campaign = CampaignFactory()
    services.assign_activity(
        activity=activity,
        start_date=START,
        team=team,
        campaign=campaign,
        contacts=[ContactFactory()],
    )
    return Task.objects.filter(salesperson__isnull=True).first()


def _pages(task, activity):
    campaign, contact = task.campaign, task.contact
    segment = make_segment(2, campaign=campaign)
    return {
        "read": [
            reverse("activities:task_list"),
            reverse("activities:my_tasks"),
            reverse("activities:my_tasks") + "?view=week",
            task_url(task),
            reverse("activities:activity_list"),
            activity.get_absolute_url(),
            campaign.get_absolute_url(),
            contact.get_absolute_url(),
            segment.get_absolute_url(),
        ],
        "write": [
            reverse("activities:task_create"),
            task_url(task, "edit"),
            task_url(task, "complete"),
            task_url(task, "reopen"),
            task_url(task, "cancel"),
            task_url(task, "delete"),
            reverse("activities:activity_create"),
            activity.get_url("edit"),
            activity.get_url("delete"),
            assign_url("campaign", campaign),
            assign_url("contact", contact),
            assign_url("segment", segment),
        ],
    }


def test_pages_answer_200_for_the_manager(manager_client, some_task, activity):
    pages = _pages(some_task, activity)
    for url in pages["read"] + pages["write"]:
        assert manager_client.get(url).status_code == 200, url


def test_write_pages_are_forbidden_for_read_only_users(viewer_client, some_task, activity):
    pages = _pages(some_task, activity)
    for url in pages["read"]:
        assert viewer_client.get(url).status_code == 200, url
    for url in pages["write"]:
        assert viewer_client.get(url).status_code == 403, url
    assert viewer_client.post(task_url(some_task, "cancel")).status_code == 403
    some_task.refresh_from_db()
    assert not some_task.canceled


def test_campaign_card_shows_tasks_by_salesperson_and_the_assign_button(manager_client, some_task):
    page = manager_client.get(some_task.campaign.get_absolute_url()).content.decode()
    assert "Tasks by salesperson" in page
    assert "AH" in page
    assert "JO" in page
    assert "FAIR" in page
    assert assign_url("campaign", some_task.campaign) in page


def test_contact_card_lists_the_contacts_tasks(manager_client, some_task):
    page = manager_client.get(some_task.contact.get_absolute_url()).content.decode()
    assert some_task.no in page
    assert assign_url("contact", some_task.contact) in page


# -- Task list, card, form ----------------------------------------------------


def test_task_list_filters(manager_client, some_task):
    base = reverse("activities:task_list")
    team = some_task.team
    response = manager_client.get(base, {"team": team.pk, "closed": "false"})
    assert response.status_code == 200
    rows = list(response.context["table"].data)
    assert len(rows) == 9
    response = manager_client.get(
        base, {"status": "completed", "date_from": "2026-01-01", "date_to": "2026-01-31"}
    )
    assert list(response.context["table"].data) == []
    response = manager_client.get(base, {"date_from": "2026-01-20", "date_to": "2026-01-25"})
    assert {t.description for t in response.context["table"].data} == {"Visit"}
    response = manager_client.get(base, {"q": some_task.contact.name})
    assert len(list(response.context["table"].data)) == 9


def test_task_list_with_bad_filter_values_does_not_fail(manager_client):
    response = manager_client.get(
        reverse("activities:task_list"),
        {"date_from": "not a date", "salesperson": "abc", "status": "nonsense", "closed": "x"},
    )
    assert response.status_code == 200


def test_unknown_task_is_404(manager_client):
    assert manager_client.get("/tasks/TD999999/").status_code == 404


def test_create_a_single_task_by_hand(manager_client, salesperson):
    response = manager_client.post(
        reverse("activities:task_create"),
        {
            "description": "Call the buyer",
            "date": "2026-02-01",
            "priority": "normal",
            "status": "not_started",
            "salesperson": salesperson.pk,
        },
    )
    assert response.status_code == 302
    task = Task.objects.get()
    assert (task.no, task.salesperson, task.team) == ("TD000001", salesperson, None)


def test_a_task_by_hand_needs_a_salesperson_on_the_form(manager_client):
    response = manager_client.post(
        reverse("activities:task_create"),
        {"description": "Call", "date": "2026-02-01", "priority": "normal", "status": ""},
    )
    assert response.status_code == 200
    assert "salesperson" in response.context["form"].errors
    assert not Task.objects.exists()


def test_blocked_salespeople_are_not_offered(manager_client, salesperson):
    blocked = SalespersonFactory(code="BLK", blocked=True)
    form = manager_client.get(reverse("activities:task_create")).context["form"]
    offered = set(form.fields["salesperson"].queryset)
    assert salesperson in offered
    assert blocked not in offered
    response = manager_client.post(
        reverse("activities:task_create"),
        {"description": "x", "date": "2026-02-01", "priority": "normal", "salesperson": blocked.pk},
    )
    assert "salesperson" in response.context["form"].errors


def test_task_form_contact_by_number(manager_client, salesperson):
    contact = ContactFactory()
    data = {
        "description": "Call",
        "date": "2026-02-01",
        "priority": "normal",
        "status": "not_started",
        "salesperson": salesperson.pk,
    }
    response = manager_client.post(reverse("activities:task_create"), {**data, "contact": "NOPE"})
    assert "contact" in response.context["form"].errors
    response = manager_client.post(
        reverse("activities:task_create"), {**data, "contact": contact.no.lower()}
    )
    assert response.status_code == 302
    task = Task.objects.get()
    assert task.contact == contact
    edit = manager_client.get(task_url(task, "edit"))
    assert f'value="{contact.no}"' in edit.content.decode()


def test_edit_cannot_complete_a_task_by_status(manager_client, salesperson):
    task = TaskFactory(salesperson=salesperson)
    response = manager_client.post(
        task_url(task, "edit"),
        {
            "description": "x",
            "date": "2026-02-01",
            "priority": "normal",
            "status": "completed",
            "salesperson": salesperson.pk,
        },
    )
    assert response.status_code == 200
    assert "status" in response.context["form"].errors


def test_complete_a_team_task_asks_for_completed_by(manager_client, some_task):
    url = task_url(some_task, "complete")
    page = manager_client.get(url).content.decode()
    assert "Completed by" in page
    response = manager_client.post(url, {})
    assert response.status_code == 200
    assert "completed_by" in response.context["form"].errors
    member = some_task.team.members.first()
    response = manager_client.post(url, {"completed_by": member.pk}, follow=True)
    assert "completed" in response.content.decode()
    some_task.refresh_from_db()
    assert some_task.closed
    assert some_task.completed_by == member


def test_complete_reopen_cancel_through_the_card_actions(manager_client, salesperson):
    task = TaskFactory(salesperson=salesperson)
    response = manager_client.post(task_url(task, "complete"), follow=True)
    assert f"Task {task.no} completed." in response.content.decode()
    response = manager_client.post(task_url(task, "reopen"), follow=True)
    assert "reopened" in response.content.decode()
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS
    manager_client.post(task_url(task, "cancel"))
    task.refresh_from_db()
    assert task.canceled
    assert task.closed
    # a refused action comes back as a message, not an error page
    response = manager_client.post(task_url(task, "cancel"), follow=True)
    assert "already canceled" in response.content.decode()


def test_deleting_a_team_task_names_the_member_tasks(manager_client, some_task):
    page = manager_client.get(task_url(some_task, "delete")).content.decode()
    assert "2 team members" in page
    manager_client.post(task_url(some_task, "delete"))
    assert not Task.objects.filter(team_task=some_task).exists()


# -- Permissions: a salesperson sees only their own tasks --------------------


def test_a_salesperson_cannot_read_or_change_another_salespersons_task(
    sales_client, own_salesperson
):
    theirs = TaskFactory(salesperson=SalespersonFactory(user=other_user()))
    for action in ("card", "edit", "complete", "reopen", "cancel", "delete"):
        assert sales_client.get(task_url(theirs, action)).status_code in (403, 404), action
    for action in ("card", "edit", "complete", "cancel"):
        assert sales_client.get(task_url(theirs, action)).status_code == 404, action
    assert sales_client.post(task_url(theirs, "complete")).status_code == 404
    assert sales_client.post(task_url(theirs, "edit"), {"description": "x"}).status_code == 404
    theirs.refresh_from_db()
    assert not theirs.closed
    listed = sales_client.get(reverse("activities:task_list")).context["table"].data
    assert theirs not in list(listed)


def test_a_salesperson_works_on_their_own_and_their_teams_tasks(
    sales_client, own_salesperson, activity
):
    mine = TaskFactory(salesperson=own_salesperson)
    assert sales_client.get(task_url(mine)).status_code == 200
    response = sales_client.post(task_url(mine, "complete"), follow=True)
    assert response.status_code == 200
    mine.refresh_from_db()
    assert mine.closed
    team = TeamFactory()
    team.members.add(own_salesperson, SalespersonFactory())
    services.assign_activity(activity=activity, start_date=START, team=team)
    visible = set(sales_client.get(reverse("activities:task_list")).context["table"].data)
    assert len(visible) == 1 + 9  # own task + the team's tasks


def test_a_salesperson_may_create_tasks_only_for_themselves(
    sales_client, own_salesperson, salesperson
):
    form = sales_client.get(reverse("activities:task_create")).context["form"]
    assert list(form.fields["salesperson"].queryset) == [own_salesperson]
    assert form.initial["salesperson"] == own_salesperson
    response = sales_client.post(
        reverse("activities:task_create"),
        {
            "description": "x",
            "date": "2026-02-01",
            "priority": "normal",
            "salesperson": salesperson.pk,
        },
    )
    assert "salesperson" in response.context["form"].errors


def test_a_salesperson_may_not_assign_activities(sales_client, activity):
    campaign = CampaignFactory()
    assert sales_client.get(assign_url("campaign", campaign)).status_code == 403
    page = sales_client.get(campaign.get_absolute_url()).content.decode()
    assert "Assign activity" not in page


def test_staff_sees_every_task(staff_client, salesperson):
    task = TaskFactory(salesperson=salesperson)
    assert staff_client.get(task_url(task)).status_code == 200


# -- My tasks -----------------------------------------------------------------


def test_my_tasks_shows_only_the_users_tasks_open_first(sales_client, own_salesperson):
    today = timezone.localdate()
    mine_open = TaskFactory(salesperson=own_salesperson, description="Mine open", date=today)
    mine_done = TaskFactory(salesperson=own_salesperson, description="Mine done")
    services.complete_task(task=mine_done)
    TaskFactory(description="Somebody else's")
    response = sales_client.get(reverse("activities:my_tasks"))
    page = response.content.decode()
    assert response.context["open_tasks"] == [mine_open]
    assert response.context["closed_tasks"] == [mine_done]
    assert "Somebody else" not in page
    assert page.index("Mine open") < page.index("Mine done")


def test_my_tasks_for_a_user_without_salesperson_says_so(manager_client):
    response = manager_client.get(reverse("activities:my_tasks"))
    assert response.status_code == 200
    assert "not linked to a salesperson" in response.content.decode()


def test_my_tasks_week_view_has_seven_days_and_week_links(sales_client, own_salesperson):
    TaskFactory(salesperson=own_salesperson, description="Thursday call", date=START)
    response = sales_client.get(
        reverse("activities:my_tasks"), {"view": "week", "week": "2026-01-15"}
    )
    days = response.context["days"]
    assert [d["date"] for d in days][0] == datetime.date(2026, 1, 12)
    assert len(days) == 7
    assert [t.description for t in days[3]["tasks"]] == ["Thursday call"]
    page = response.content.decode()
    assert "week=2026-01-05" in page
    assert "week=2026-01-19" in page
    bad = sales_client.get(reverse("activities:my_tasks"), {"view": "week", "week": "bad"})
    assert bad.status_code == 200


# -- Assign activity pages ----------------------------------------------------


def test_assign_activity_from_the_campaign_card(manager_client, activity, salesperson):
    campaign = CampaignFactory()
    response = manager_client.post(
        assign_url("campaign", campaign),
        {"activity": activity.pk, "start_date": "2026-01-15", "salesperson": salesperson.pk},
        follow=True,
    )
    assert "3 tasks created" in response.content.decode()
    assert Task.objects.filter(campaign=campaign, salesperson=salesperson).count() == 3


def test_assign_activity_without_salesperson_or_team_is_a_form_error(manager_client, activity):
    campaign = CampaignFactory()
    response = manager_client.post(
        assign_url("campaign", campaign), {"activity": activity.pk, "start_date": "2026-01-15"}
    )
    assert response.status_code == 200
    assert "Choose a salesperson or a team." in response.content.decode()
    assert not Task.objects.exists()


def test_assign_activity_with_both_is_a_form_error(manager_client, activity, team, salesperson):
    response = manager_client.post(
        assign_url("contact", ContactFactory()),
        {
            "activity": activity.pk,
            "start_date": "2026-01-15",
            "salesperson": salesperson.pk,
            "team": team.pk,
        },
    )
    assert "not both" in response.content.decode()


def test_choosing_a_team_over_the_prefilled_salesperson_assigns_the_team(
    manager_client, activity, team, salesperson
):
    """The campaign's salesperson is pre-filled; a team chosen beside it wins (the page's
    script empties the salesperson; without it the server does the same)."""
    campaign = CampaignFactory(salesperson=salesperson)
    page = manager_client.get(assign_url("campaign", campaign)).content.decode()
    assert f'<option value="{salesperson.pk}" selected>' in page
    assert 'data-clears="salesperson"' in page
    response = manager_client.post(
        assign_url("campaign", campaign),
        {
            "activity": activity.pk,
            "start_date": "2026-01-15",
            "salesperson": salesperson.pk,
            "team": team.pk,
        },
    )
    assert response.status_code == 302
    assert not Task.objects.filter(salesperson=salesperson, team__isnull=True).exists()
    assert Task.objects.filter(campaign=campaign, team=team).exists()


def test_assign_activity_from_a_contact(manager_client, activity, salesperson):
    contact = ContactFactory()
    campaign = CampaignFactory()
    manager_client.post(
        assign_url("contact", contact),
        {
            "activity": activity.pk,
            "start_date": "2026-01-15",
            "salesperson": salesperson.pk,
            "campaign": campaign.pk,
        },
    )
    assert Task.objects.filter(contact=contact, campaign=campaign).count() == 3


def test_assign_activity_from_a_segment_asks_for_confirmation(manager_client, activity, team):
    segment = make_segment(4)
    data = {"activity": activity.pk, "start_date": "2026-01-15", "team": team.pk}
    response = manager_client.post(assign_url("segment", segment), data)
    assert response.status_code == 200
    assert "Create 36 tasks for 4 contacts" in response.content.decode()
    assert not Task.objects.exists()
    response = manager_client.post(assign_url("segment", segment), {**data, "confirm": "yes"})
    assert response.status_code == 302
    assert Task.objects.filter(segment=segment).count() == 36


def test_assign_activity_with_bad_input_shows_errors(manager_client, activity):
    response = manager_client.post(
        assign_url("campaign", CampaignFactory()),
        {"activity": "999", "start_date": "someday", "salesperson": "x", "contact": "NOPE"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"activity", "start_date", "salesperson", "contact"} <= set(errors)


def test_activities_without_steps_are_not_offered(manager_client, activity):
    Activity.objects.create(code="EMPTY", description="No steps")
    form = manager_client.get(assign_url("campaign", CampaignFactory())).context["form"]
    assert list(form.fields["activity"].queryset) == [activity]


# -- Activity pages -----------------------------------------------------------


def _activity_data(code="FOLLOW", steps=(), **extra):
    data = {
        "code": code,
        "description": "Follow-up",
        "steps-TOTAL_FORMS": str(len(steps)),
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "1000",
    }
    for index, (step_no, formula) in enumerate(steps):
        data.update(
            {
                f"steps-{index}-step_no": step_no,
                f"steps-{index}-description": f"Step {step_no}",
                f"steps-{index}-priority": "normal",
                f"steps-{index}-type": "",
                f"steps-{index}-date_formula": formula,
            }
        )
    data.update(extra)
    return data


def test_create_an_activity_with_steps(manager_client):
    response = manager_client.post(
        reverse("activities:activity_create"), _activity_data(steps=[(1, "2d"), (2, "cm+1d")])
    )
    assert response.status_code == 302
    activity = Activity.objects.get(code="FOLLOW")
    assert list(activity.steps.values_list("step_no", "date_formula")) == [
        (1, "2D"),
        (2, "CM+1D"),
    ]
    card = manager_client.get(activity.get_absolute_url()).content.decode()
    assert "CM+1D" in card


def test_a_bad_date_formula_is_a_field_error(manager_client):
    response = manager_client.post(
        reverse("activities:activity_create"), _activity_data(steps=[(1, "2X")])
    )
    assert response.status_code == 200
    assert "not valid at" in response.content.decode()
    assert not Activity.objects.exists()


def test_duplicate_step_numbers_are_refused(manager_client):
    response = manager_client.post(
        reverse("activities:activity_create"), _activity_data(steps=[(1, "1D"), (1, "2D")])
    )
    assert response.status_code == 200
    assert not Activity.objects.exists()


def test_edit_activity_steps(manager_client, activity):
    steps = list(activity.steps.order_by("step_no"))
    data = _activity_data(code=activity.code)
    data.update(
        {
            "steps-TOTAL_FORMS": "3",
            "steps-INITIAL_FORMS": "3",
        }
    )
    for index, step in enumerate(steps):
        data.update(
            {
                f"steps-{index}-id": step.pk,
                f"steps-{index}-step_no": step.step_no,
                f"steps-{index}-description": step.description,
                f"steps-{index}-priority": step.priority,
                f"steps-{index}-type": step.type,
                f"steps-{index}-date_formula": step.date_formula,
            }
        )
    data["steps-2-DELETE"] = "on"
    data["steps-0-date_formula"] = "3D"
    response = manager_client.post(activity.get_url("edit"), data)
    assert response.status_code == 302
    assert list(activity.steps.values_list("step_no", "date_formula")) == [(1, "3D"), (2, "1W")]


def test_deleting_an_activity_keeps_its_tasks(manager_client, activity, salesperson):
    services.assign_activity(activity=activity, start_date=START, salesperson=salesperson)
    response = manager_client.post(activity.get_url("delete"))
    assert response.status_code == 302
    assert not ActivityStep.objects.exists()
    assert Task.objects.filter(activity__isnull=True).count() == 3


# -- Constant query counts ----------------------------------------------------


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_task_list_and_my_tasks_query_counts_do_not_grow(sales_client, own_salesperson, activity):
    team = TeamFactory()
    team.members.add(own_salesperson, SalespersonFactory())
    counts = []
    for size in (1, 12):
        services.assign_activity(
            activity=activity,
            start_date=START,
            team=team,
            campaign=CampaignFactory(),
            segment=make_segment(size),
        )
        counts.append(
            (
                _queries(sales_client, reverse("activities:task_list")),
                _queries(sales_client, reverse("activities:my_tasks")),
                _queries(
                    sales_client, reverse("activities:my_tasks") + "?view=week&week=2026-01-15"
                ),
            )
        )
    assert counts[0] == counts[1]


def test_cards_query_counts_do_not_grow(manager_client, activity):
    team = TeamFactory()
    campaign = CampaignFactory()
    counts = []
    for size in (1, 8):
        for _ in range(size):
            team.members.add(SalespersonFactory())
        contact = ContactFactory()
        services.assign_activity(
            activity=activity, start_date=START, team=team, campaign=campaign, contacts=[contact]
        )
        services.assign_activity(
            activity=activity,
            start_date=START,
            salesperson=SalespersonFactory(),
            campaign=campaign,
            contacts=[contact],
        )
        team_task = Task.objects.filter(team=team, salesperson__isnull=True).last()
        counts.append(
            (
                _queries(manager_client, task_url(team_task)),
                _queries(manager_client, campaign.get_absolute_url()),
                _queries(manager_client, contact.get_absolute_url()),
                _queries(manager_client, activity.get_absolute_url()),
            )
        )
    assert counts[0] == counts[1]


def test_activity_form_without_step_management_data_is_not_a_server_error(manager_client):
    response = manager_client.post(
        reverse("activities:activity_create"), {"code": "X", "description": "x"}
    )
    assert response.status_code == 200
    assert not Activity.objects.exists()


def test_task_pages_with_bad_input_are_not_server_errors(manager_client, salesperson):
    task = TaskFactory(salesperson=salesperson)
    response = manager_client.post(
        task_url(task, "edit"),
        {"description": "", "date": "31-31-2026", "priority": "??", "salesperson": "x"},
    )
    assert response.status_code == 200
    assert {"description", "date", "priority"} <= set(response.context["form"].errors)
    response = manager_client.post(task_url(task, "complete"), {"completed_by": "abc"})
    assert response.status_code == 302  # a single task asks nothing: completed
