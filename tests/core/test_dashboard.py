"""The home dashboard (docs/dashboard.md) on the demo data: the figures of the running
campaigns against values computed by hand from the demo's history
(``opportunities.demo_history``, ``quotes.demo_history``, the prices of
``pricing.demo``), the panels of each role, and a fixed number of queries."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Campaign, InteractionLogEntry
from contacts.models import Contact
from opportunities.demo_history import BUDGET_COST, CONTACTS, WON, showcase_campaign
from tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db

# The showcase campaign's history, by hand:
# - 48 contacts e-mailed as targets at 1.50; 42 of them (those who had not answered
#   by day 7) reminded at 0.75; 12 phoned at 4.00: 72.00 + 31.50 + 48.00.
INTERACTION_COST = 48 * Decimal("1.50") + 42 * Decimal("0.75") + 12 * Decimal("4.00")
RESPONDED = 14
# - The quote lines at the campaign's prices (pricing.demo: 199.20, 103.20, 151.20 and
#   519.20 for the first four items), and what the same lines cost without them: the
#   price group's 241.53 / 224.10 from 10 pieces, 125.13, 183.33 and 629.53.
QUOTE_REVENUE = (
    22 * Decimal("199.20") + 11 * Decimal("103.20") + 4 * Decimal("151.20") + 2 * Decimal("519.20")
)
MARGIN = (
    12 * (Decimal("241.53") - Decimal("199.20"))
    + 10 * (Decimal("224.10") - Decimal("199.20"))
    + 11 * (Decimal("125.13") - Decimal("103.20"))
    + 4 * (Decimal("183.33") - Decimal("151.20"))
    + 2 * (Decimal("629.53") - Decimal("519.20"))
)
WON_VALUE = sum(Decimal(value) for _description, _days, value in WON)


def home(client, user):
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response


def panel(response, key):
    panels = {item["key"]: item for item in response.context["panels"]}
    return panels.get(key)


def test_the_hand_computed_values_add_up():
    assert INTERACTION_COST == Decimal("151.50")
    assert QUOTE_REVENUE == Decimal("7160.80")
    assert MARGIN == Decimal("1347.37")
    assert WON_VALUE == Decimal("13650")


def test_running_campaigns_show_the_showcase_figures(client, demo_data):
    showcase = showcase_campaign()
    running = panel(home(client, demo_data["sales"]), "campaigns-running")
    rows = {row["campaign"].pk: row["figures"] for row in running["rows"]}
    figures = rows[showcase.pk]
    assert figures.contacted == CONTACTS == 48
    assert figures.responded == RESPONDED
    assert figures.response_rate == Decimal("29.2")  # 14 / 48
    assert figures.cost == INTERACTION_COST
    assert figures.budget_cost == BUDGET_COST
    assert figures.total_cost == Decimal("1951.50")
    assert figures.won_opportunities == 2
    assert figures.won_value == WON_VALUE
    assert figures.quote_revenue == QUOTE_REVENUE
    assert figures.margin_given_away == MARGIN
    assert figures.revenue == Decimal("20810.80")
    assert figures.roi == Decimal("966.4")  # (20,810.80 − 1,951.50) / 1,951.50
    assert figures.opportunities == 5  # three open ones of the demo, two won


def test_running_means_started_not_ended_not_done(client, demo_data):
    today = timezone.localdate()
    running = panel(home(client, demo_data["manager"]), "campaigns-running")
    shown = {row["campaign"] for row in running["rows"]}
    assert showcase_campaign() in shown
    for campaign in shown:
        assert campaign.starting_date <= today or campaign.activated
        assert campaign.ending_date is None or campaign.ending_date >= today
        assert not campaign.status or campaign.status.stage == ""
    over = Campaign.objects.filter(status__stage__in=["done", "canceled"])
    assert over.exists()
    assert not (shown & set(over))


def test_the_salesperson_sees_their_campaigns_first_and_their_tasks(client, demo_data):
    response = home(client, demo_data["sales"])
    running = panel(response, "campaigns-running")
    first = running["rows"][0]["campaign"]
    assert first.salesperson.user == demo_data["sales"]
    tasks = panel(response, "activities-my_tasks")
    assert tasks["open_tasks"] or tasks["agenda"]
    for task in [*tasks["open_tasks"], *tasks["agenda"]]:
        assert task.salesperson is None or task.salesperson.user == demo_data["sales"]
    assert tasks["open_count"] >= len(tasks["open_tasks"])
    html = response.content.decode()
    assert "Mine" in html
    assert reverse("activities:task_create") in html  # may add a task


def test_the_read_only_user_sees_figures_but_no_actions(client, demo_data):
    response = home(client, demo_data["viewer"])
    html = response.content.decode()
    assert panel(response, "campaigns-running")["rows"]
    assert panel(response, "activities-my_tasks") is None  # no salesperson
    for url_name in (
        "campaigns:campaign_create",
        "activities:task_create",
        "opportunities:opportunity_create",
    ):
        assert reverse(url_name) not in html


def test_failed_jobs_show(client, demo_data):
    jobs = panel(home(client, demo_data["staff"]), "core-jobs")
    assert [job.state for job in jobs["jobs"]] == ["failed"]  # the demo tests' own job


def test_the_chart_of_the_last_weeks_has_every_day_in_the_users_format(client, demo_data):
    running = panel(home(client, demo_data["manager"]), "campaigns-running")
    chart = next(c for c in running["charts"] if c["key"] == "responses-over-time")
    today = timezone.localdate()
    shown = [row["campaign"] for row in running["rows"]]
    # From the first start of the campaigns shown (at most 8 weeks back) to today.
    first = max(
        min(c.starting_date for c in shown if c.starting_date),
        today - datetime.timedelta(days=55),
    )
    assert len(chart["labels"]) == (today - first).days + 1
    assert chart["labels"][0] == first.strftime("%d-%m-%Y")
    assert chart["labels"][-1] == today.strftime("%d-%m-%Y")
    contacted = chart["datasets"][0]["data"]
    by_hand = InteractionLogEntry.objects.filter(
        campaign__in=shown,
        campaign_target=True,
        canceled=False,
        postponed=False,
        date__range=(first, today),
    ).count()
    assert sum(contacted) == by_hand >= CONTACTS


def test_the_home_page_takes_the_same_queries_with_more_campaigns(client, demo_data):
    client.force_login(demo_data["sales"])
    url = reverse("home")
    client.get(url)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    before = queries()
    today = timezone.localdate()
    contact = Contact.objects.order_by("no").first()
    for index in range(12):
        campaign = CampaignFactory(
            description=f"Extra {index}",
            starting_date=today - datetime.timedelta(days=index),
            status=None,
        )
        InteractionLogEntry.objects.create(
            campaign=campaign,
            contact=contact,
            contact_company=contact,
            date=today,
            campaign_target=True,
        )
    assert queries() == before
