"""Sales cycle and opportunity pages: smoke tests, actions, permissions, query counts."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from activities.models import Task
from opportunities import services
from opportunities.models import (
    Opportunity,
    OpportunityStatus,
    SalesCycle,
    SalesCycleStage,
)
from opportunities.services import NEXT
from tests.factories import CampaignFactory, ContactFactory, SalespersonFactory
from tests.opportunities.conftest import (
    DAY,
    make_cycle,
    new_opportunity,
    other_salesperson,
    stage,
)

pytestmark = pytest.mark.django_db


def url(opportunity, action="card"):
    return reverse(f"opportunities:opportunity_{action}", kwargs={"key": opportunity.no})


def stage_url(cycle, action, number=None):
    kwargs = {"key": cycle.code}
    if number is not None:
        kwargs["stage"] = number
    return reverse(f"opportunities:salescyclestage_{action}", kwargs=kwargs)


@pytest.fixture
def opportunity(cycle, presentation):
    cycle.stages.filter(stage=2).update(activity=presentation)
    opportunity = new_opportunity(cycle, activate_first_stage=True)
    services.move_to_stage(opportunity=opportunity, direction=NEXT, date=DAY)
    return opportunity


def _pages(opportunity):
    cycle = opportunity.sales_cycle
    return {
        "read": [
            reverse("opportunities:opportunity_list"),
            url(opportunity),
            reverse("opportunities:salescycle_list"),
            cycle.get_absolute_url(),
            opportunity.campaign.get_absolute_url(),
            opportunity.contact.get_absolute_url(),
            reverse("campaigns:campaign_statistics", kwargs={"key": opportunity.campaign.no}),
        ],
        "write": [
            reverse("opportunities:opportunity_create"),
            url(opportunity, "edit"),
            url(opportunity, "delete"),
            url(opportunity, "next"),
            url(opportunity, "previous"),
            url(opportunity, "go_to_stage"),
            url(opportunity, "close"),
            url(opportunity, "assign_activity"),
            reverse("opportunities:salescycle_create"),
            cycle.get_url("edit"),
            cycle.get_url("delete"),
            stage_url(cycle, "create"),
            stage_url(cycle, "edit", 1),
            stage_url(cycle, "delete", 1),
        ],
    }


def test_pages_answer_200_for_the_manager(manager_client, opportunity):
    pages = _pages(opportunity)
    for page in pages["read"] + pages["write"]:
        assert manager_client.get(page).status_code == 200, page


def test_write_pages_and_actions_are_forbidden_for_read_only_users(viewer_client, opportunity):
    pages = _pages(opportunity)
    for page in pages["read"]:
        assert viewer_client.get(page).status_code == 200, page
    for page in pages["write"]:
        assert viewer_client.get(page).status_code == 403, page
    for action in ("next", "previous", "go_to_stage", "close"):
        assert viewer_client.post(url(opportunity, action), {}).status_code == 403, action
    opportunity.refresh_from_db()
    assert opportunity.current_stage.stage == 2
    card = viewer_client.get(url(opportunity)).content.decode()
    assert url(opportunity, "next") not in card


def test_card_lists_entries_stages_tasks_and_the_actions(manager_client, opportunity):
    page = manager_client.get(url(opportunity)).content.decode()
    for text in ("Opportunity entries", "Initial contact", "Negotiation", "Current"):
        assert text in page
    for action in ("next", "previous", "go_to_stage", "close", "assign_activity"):
        assert url(opportunity, action) in page, action
    for task in Task.objects.filter(opportunity=opportunity):
        assert task.no in page
    response = manager_client.get(url(opportunity))
    assert len(response.context["entries"]) == 2


def test_unknown_opportunity_and_stage_are_404(manager_client, cycle):
    assert manager_client.get("/opportunities/OP99999/").status_code == 404
    assert manager_client.get("/opportunities/OP99999/next-stage/").status_code == 404
    assert manager_client.get(stage_url(cycle, "edit", 99)).status_code == 404
    assert manager_client.get("/setup/sales-cycles/NOPE/stages/1/edit/").status_code == 404


# -- Opportunity list ------------------------------------------------------------


def test_list_filters_and_search(manager_client, opportunity, cycle):
    other = new_opportunity(cycle, description="Lamps")
    services.close_opportunity(opportunity=other, won=True, date=DAY)
    base = reverse("opportunities:opportunity_list")

    def listed(**query):
        response = manager_client.get(base, query)
        assert response.status_code == 200
        return {o.no for o in response.context["table"].data}

    assert listed(status="won") == {other.no}
    assert listed(status="in_progress") == {opportunity.no}
    assert listed(salesperson=opportunity.salesperson_id) == {opportunity.no}
    assert listed(campaign=other.campaign_id) == {other.no}
    assert listed(sales_cycle=cycle.pk) == {opportunity.no, other.no}
    assert listed(contact=opportunity.contact.no.lower()) == {opportunity.no}
    assert listed(q="lamps") == {other.no}
    assert listed(closed="false") == {opportunity.no}


def test_list_with_bad_filter_values_is_not_a_server_error(manager_client):
    response = manager_client.get(
        reverse("opportunities:opportunity_list"),
        {"status": "nonsense", "salesperson": "abc", "sales_cycle": "x", "closed": "maybe"},
    )
    assert response.status_code == 200


def test_list_exports_csv(manager_client, opportunity):
    response = manager_client.get(reverse("opportunities:opportunity_list"), {"_export": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert opportunity.no in response.getvalue().decode()


# -- Create and edit ---------------------------------------------------------------


def _form_data(cycle, contact, salesperson, **extra):
    return {
        "description": "New chairs",
        "contact": contact.no.lower(),
        "salesperson": salesperson.pk,
        "sales_cycle": cycle.pk,
        "priority": "high",
        "creation_date": "2026-01-15",
        "estimated_value": "5000",
        "chances_of_success_percent": "60",
        **extra,
    }


def test_create_an_opportunity_and_activate_the_first_stage(manager_client, cycle, salesperson):
    contact = ContactFactory()
    campaign = CampaignFactory()
    response = manager_client.post(
        reverse("opportunities:opportunity_create"),
        _form_data(cycle, contact, salesperson, campaign=campaign.pk, activate_first_stage="on"),
    )
    opportunity = Opportunity.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url(opportunity)
    assert opportunity.status == OpportunityStatus.IN_PROGRESS
    assert opportunity.current_stage == stage(cycle, 1)
    assert opportunity.probability_percent == Decimal("6.00")  # 60 × 10 / 100
    assert opportunity.calculated_current_value == Decimal("300.00")
    assert opportunity.entries.get().user.username == "manager"


def test_create_form_with_bad_input_shows_errors(manager_client, cycle, salesperson):
    blocked = make_cycle("OLD", blocked=True)
    response = manager_client.post(
        reverse("opportunities:opportunity_create"),
        {
            "description": "",
            "contact": "CT999999",
            "salesperson": "x",
            "sales_cycle": blocked.pk,
            "priority": "??",
            "creation_date": "31-31-2026",
            "estimated_value": "-5",
            "chances_of_success_percent": "101",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {
        "description",
        "contact",
        "salesperson",
        "sales_cycle",
        "priority",
        "creation_date",
        "estimated_value",
        "chances_of_success_percent",
    } <= set(errors)
    assert not Opportunity.objects.exists()


def test_new_opportunity_from_a_contact_or_campaign_card_fills_them_in(manager_client):
    contact, campaign = ContactFactory(), CampaignFactory()
    response = manager_client.get(
        reverse("opportunities:opportunity_create"),
        {"contact": contact.no, "campaign": campaign.no},
    )
    form = response.context["form"]
    assert form.initial["contact"] == contact.no
    assert form.initial["campaign"] == campaign
    assert form.initial["salesperson"] == campaign.salesperson_id


def test_edit_keeps_the_sales_cycle_of_a_started_opportunity(manager_client, opportunity):
    other = make_cycle("OTHER")
    response = manager_client.post(
        url(opportunity, "edit"),
        {
            "description": "Renamed",
            "contact": opportunity.contact.no,
            "salesperson": opportunity.salesperson_id,
            "sales_cycle": other.pk,
            "priority": "low",
            "creation_date": "2020-01-01",
        },
    )
    assert response.status_code == 302
    opportunity.refresh_from_db()
    assert opportunity.description == "Renamed"
    assert opportunity.sales_cycle.code == "NEW"  # disabled field: the posted value is ignored
    assert opportunity.creation_date == DAY


def test_deleting_an_opportunity_in_progress_is_refused_with_a_message(manager_client, opportunity):
    response = manager_client.post(url(opportunity, "delete"), follow=True)
    assert response.status_code == 200
    assert "in progress" in response.content.decode()
    assert Opportunity.objects.filter(pk=opportunity.pk).exists()


# -- Stage actions -----------------------------------------------------------------


def test_next_previous_go_to_and_close_through_the_card(manager_client, opportunity):
    data = {"date": "2026-01-20", "estimated_value": "2000", "chances_of_success_percent": "50"}
    response = manager_client.post(url(opportunity, "next"), data, follow=True)
    assert "is at stage 3 Proposal" in response.content.decode()
    opportunity.refresh_from_db()
    assert opportunity.current_stage.stage == 3
    assert opportunity.calculated_current_value == Decimal("700.00")  # 2000 × 35 %
    assert opportunity.estimated_closing_date == datetime.date(2026, 2, 20)  # 1M
    manager_client.post(url(opportunity, "previous"), data)
    opportunity.refresh_from_db()
    assert opportunity.current_stage.stage == 2
    stage_four = stage(opportunity.sales_cycle, 4)
    response = manager_client.post(
        url(opportunity, "go_to_stage"), {**data, "stage": stage_four.pk}
    )
    assert response.status_code == 200  # refused: proposal (3) may not be skipped
    assert "cannot be skipped" in str(response.context["form"].errors)
    response = manager_client.post(
        url(opportunity, "close"),
        {"outcome": "won", "date": "2026-01-21", "estimated_value": "2100"},
    )
    assert response.status_code == 302
    opportunity.refresh_from_db()
    assert opportunity.status == OpportunityStatus.WON
    assert opportunity.calculated_current_value == Decimal("2100.00")
    card = manager_client.get(url(opportunity)).content.decode()
    assert url(opportunity, "next") not in card
    page = manager_client.get(url(opportunity, "next")).content.decode()
    assert "is closed" in page


def test_a_stage_with_an_activity_reports_the_tasks(manager_client, cycle, presentation):
    cycle.stages.filter(stage=2).update(activity=presentation)
    opportunity = new_opportunity(cycle, activate_first_stage=True)
    data = {"date": "2026-01-20", "estimated_value": "1000", "chances_of_success_percent": "50"}
    response = manager_client.post(url(opportunity, "next"), data, follow=True)
    assert "2 tasks created from activity PRESENT" in response.content.decode()
    assert (
        Task.objects.filter(opportunity=opportunity, salesperson=opportunity.salesperson).count()
        == 2
    )


def test_stage_actions_with_bad_input_show_errors(manager_client, opportunity):
    response = manager_client.post(
        url(opportunity, "next"),
        {"date": "not a date", "estimated_value": "-1", "chances_of_success_percent": "x"},
    )
    assert response.status_code == 200
    assert {"date", "estimated_value", "chances_of_success_percent"} <= set(
        response.context["form"].errors
    )
    response = manager_client.post(
        url(opportunity, "next"),
        {"date": "2020-01-01", "estimated_value": "1", "chances_of_success_percent": "1"},
    )
    assert response.status_code == 200
    assert "date" in response.context["form"].errors  # before the last change
    response = manager_client.post(url(opportunity, "go_to_stage"), {"stage": "abc"})
    assert response.status_code == 200
    response = manager_client.post(url(opportunity, "close"), {"outcome": "maybe"})
    assert response.status_code == 200
    opportunity.refresh_from_db()
    assert opportunity.current_stage.stage == 2


def test_assign_activity_from_the_opportunity(manager_client, opportunity, presentation):
    before = Task.objects.count()
    response = manager_client.post(
        url(opportunity, "assign_activity"),
        {
            "activity": presentation.pk,
            "start_date": "2026-02-02",
            "salesperson": opportunity.salesperson_id,
        },
    )
    assert response.status_code == 302
    tasks = Task.objects.order_by("-id")[:2]
    assert Task.objects.count() == before + 2
    for task in tasks:
        assert task.opportunity == opportunity
        assert task.campaign == opportunity.campaign
        assert task.contact == opportunity.contact
    form = manager_client.get(url(opportunity, "assign_activity")).context["form"]
    assert form.fields["salesperson"].initial == opportunity.salesperson_id


# -- Permissions: a salesperson sees only their own opportunities ------------------


def test_a_salesperson_cannot_open_another_salespersons_opportunity(
    sales_client, own_salesperson, cycle
):
    theirs = new_opportunity(cycle, salesperson=other_salesperson(), activate_first_stage=True)
    for action in ("card", "edit", "next", "previous", "go_to_stage", "close"):
        assert sales_client.get(url(theirs, action)).status_code == 404, action
    data = {"date": "2026-01-20", "estimated_value": "1", "chances_of_success_percent": "1"}
    assert sales_client.post(url(theirs, "next"), data).status_code == 404
    assert sales_client.post(url(theirs, "edit"), {"description": "x"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.current_stage.stage == 1
    listed = sales_client.get(reverse("opportunities:opportunity_list")).context["table"].data
    assert theirs not in list(listed)
    campaign_page = sales_client.get(theirs.campaign.get_absolute_url()).content.decode()
    assert theirs.no not in campaign_page


def test_a_salesperson_works_on_their_own_opportunities(sales_client, own_salesperson, cycle):
    mine = new_opportunity(cycle, salesperson=own_salesperson, activate_first_stage=True)
    assert sales_client.get(url(mine)).status_code == 200
    data = {"date": "2026-01-20", "estimated_value": "1000", "chances_of_success_percent": "50"}
    assert sales_client.post(url(mine, "next"), data).status_code == 302
    mine.refresh_from_db()
    assert mine.current_stage.stage == 2
    form = sales_client.get(reverse("opportunities:opportunity_create")).context["form"]
    assert list(form.fields["salesperson"].queryset) == [own_salesperson]
    response = sales_client.post(
        reverse("opportunities:opportunity_create"),
        _form_data(cycle, ContactFactory(), SalespersonFactory()),
    )
    assert "salesperson" in response.context["form"].errors
    assert sales_client.get(url(mine, "assign_activity")).status_code == 403
    assert sales_client.get(reverse("opportunities:salescycle_create")).status_code == 403


# -- Sales cycles and stages --------------------------------------------------------


def test_create_a_sales_cycle_and_its_stages(manager_client, presentation):
    response = manager_client.post(
        reverse("opportunities:salescycle_create"),
        {"code": "big", "description": "Large deals", "probability_calculation": "add"},
    )
    cycle = SalesCycle.objects.get()
    assert response.status_code == 302
    assert cycle.code == "BIG"
    form = manager_client.get(stage_url(cycle, "create")).context["form"]
    assert form.initial["stage"] == 1
    data = {
        "stage": "1",
        "description": "First meeting",
        "completed_percent": "20",
        "activity": presentation.pk,
        "allow_skip": "on",
        "date_formula": "cm+1d",
    }
    response = manager_client.post(stage_url(cycle, "create"), data)
    assert response.status_code == 302
    assert response["Location"] == cycle.get_absolute_url()
    first = cycle.stages.get()
    assert (first.date_formula, first.allow_skip, first.activity) == ("CM+1D", True, presentation)
    response = manager_client.post(stage_url(cycle, "create"), data)
    assert response.status_code == 200
    assert "stage" in response.context["form"].errors  # stage 1 exists
    response = manager_client.post(
        stage_url(cycle, "edit", 1), {**data, "completed_percent": "120", "date_formula": "1X"}
    )
    assert {"completed_percent", "date_formula"} <= set(response.context["form"].errors)
    response = manager_client.post(stage_url(cycle, "edit", 1), {**data, "stage": "2"})
    assert response.status_code == 302
    page = manager_client.get(cycle.get_absolute_url()).content.decode()
    assert "First meeting" in page
    assert stage_url(cycle, "edit", 2) in page


def test_a_stage_or_cycle_in_use_cannot_be_deleted(manager_client, opportunity):
    cycle = opportunity.sales_cycle
    response = manager_client.post(stage_url(cycle, "delete", 1), follow=True)
    assert "cannot be deleted" in response.content.decode()
    assert cycle.stages.filter(stage=1).exists()
    response = manager_client.post(cycle.get_url("delete"), follow=True)
    assert "cannot be deleted" in response.content.decode()
    assert SalesCycle.objects.filter(pk=cycle.pk).exists()
    unused = make_cycle("FREE")
    response = manager_client.post(stage_url(unused, "delete", 4))
    assert response.status_code == 302
    assert not SalesCycleStage.objects.filter(sales_cycle=unused, stage=4).exists()
    assert manager_client.post(unused.get_url("delete")).status_code == 302
    assert not SalesCycle.objects.filter(code="FREE").exists()


def test_blocked_sales_cycles_are_not_offered_on_a_new_opportunity(manager_client, cycle):
    make_cycle("OLD", blocked=True)
    form = manager_client.get(reverse("opportunities:opportunity_create")).context["form"]
    assert list(form.fields["sales_cycle"].queryset) == [cycle]


# -- Panels -------------------------------------------------------------------------


def test_campaign_and_contact_cards_show_their_opportunities(manager_client, opportunity):
    for record in (opportunity.campaign, opportunity.contact):
        page = manager_client.get(record.get_absolute_url()).content.decode()
        assert opportunity.no in page
        assert "New opportunity" in page


# -- Constant query counts ----------------------------------------------------------


def _queries(client, path):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200, path
    return len(queries)


def test_list_and_card_query_counts_do_not_grow(manager_client, cycle, presentation):
    cycle.stages.filter(stage=2).update(activity=presentation)
    campaign = CampaignFactory()
    contact = ContactFactory()
    counts = []
    for size in (1, 6):
        for _ in range(size):
            opportunity = new_opportunity(
                cycle, campaign=campaign, contact=contact, activate_first_stage=True
            )
            services.move_to_stage(opportunity=opportunity, direction=NEXT, date=DAY)
            services.move_to_stage(opportunity=opportunity, direction=NEXT, date=DAY)
        counts.append(
            (
                _queries(manager_client, reverse("opportunities:opportunity_list")),
                _queries(manager_client, url(opportunity)),
                _queries(manager_client, cycle.get_absolute_url()),
                _queries(manager_client, reverse("opportunities:salescycle_list")),
                _queries(manager_client, campaign.get_absolute_url()),
                _queries(manager_client, contact.get_absolute_url()),
            )
        )
    assert counts[0] == counts[1]
