"""The home page's campaign panel (docs/dashboard.md): the running campaigns with
their targets, contacted, responded, response rate, cost, opportunities, revenue and
ROI, and two charts.

A campaign *runs* today when it has started (a starting date on or before today, or
it is activated), has not ended (no ending date, or one on or after today) and its
status is not a done or canceled one. The user's own campaigns (their salesperson's)
come first, then the newest. At most ``SHOWN`` are shown and counted: the figures
come from ``campaigns.statistics.campaign_results`` for those campaigns only, and
their interactions from the sums per day (``InteractionDay``), so the panel runs the
same few queries, reading a few rows per campaign, at ten contacts and at a million.
"""

import datetime

from django.db.models import Case, IntegerField, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns.models import Campaign, CampaignStage
from campaigns.statistics import campaign_results, response_series
from campaigns.statistics_views import response_chart
from core.dashboard import DashboardPanel, register_dashboard_panel

SHOWN = 8
WEEKS = 8  # the chart of responses covers the last weeks, every day shown


def running_campaigns(today):
    """The campaigns running on ``today`` (see the module's docstring)."""
    return (
        Campaign.objects.active_on(today)
        .filter(Q(starting_date__isnull=False) | Q(activated=True))
        .filter(Q(status__isnull=True) | Q(status__stage=CampaignStage.OPEN))
    )


def running_context(request) -> dict:
    today = timezone.localdate()
    user = request.user
    running = running_campaigns(today)
    campaigns = list(
        running.select_related("status", "salesperson")
        .annotate(
            own=Case(
                When(salesperson__user_id=user.pk, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("own", "-starting_date", "-no")[: SHOWN + 1]
    )
    more = len(campaigns) > SHOWN
    campaigns = campaigns[:SHOWN]
    results = campaign_results(campaigns, summed=True)
    rows = [{"campaign": campaign, "figures": results[campaign.pk]} for campaign in campaigns]
    total = running.count()  # campaigns are few: an exact count
    context = {
        "rows": rows,
        "running_total": total,
        "more": more,
        "list_url": reverse("campaigns:campaign_list"),
        "can_add": user.has_perm("campaigns.add_campaign"),
        "add_url": reverse("campaigns:campaign_create"),
        "totals": _totals(rows),
        "charts": [],
    }
    if rows:
        context["charts"] = [_campaigns_chart(rows), _weeks_chart(campaigns, today)]
    return context


def _totals(rows) -> dict:
    figures = [row["figures"] for row in rows]
    contacted = sum(figure.contacted for figure in figures)
    responded = sum(figure.responded for figure in figures)
    cost = sum((figure.total_cost for figure in figures), start=0)
    revenue = sum((figure.revenue for figure in figures), start=0)
    return {
        "contacted": contacted,
        "responded": responded,
        "response_rate": round(responded * 100 / contacted, 1) if contacted else 0,
        "cost": cost,
        "revenue": revenue,
    }


def _short(text: str, length: int = 22) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _campaigns_chart(rows) -> dict:
    return {
        "key": "running-campaigns",
        "data_id": "dash-running-campaigns-data",
        "title": _("Contacted and responded per campaign"),
        "type": "bar",
        "labels": [_short(row["campaign"].description) for row in rows],
        "datasets": [
            {
                "label": _("Target contacts contacted"),
                "data": [row["figures"].contacted for row in rows],
            },
            {"label": _("Contacts responded"), "data": [row["figures"].responded for row in rows]},
        ],
        "integer": True,
        "horizontal": True,
    }


def _weeks_chart(campaigns, today) -> dict:
    """From the first start of the campaigns shown, at most ``WEEKS`` weeks back."""
    first = today - datetime.timedelta(days=WEEKS * 7 - 1)
    starts = [campaign.starting_date for campaign in campaigns if campaign.starting_date]
    if starts and first < min(starts) <= today:
        first = min(starts)
    series = response_series(
        [campaign.pk for campaign in campaigns], first, today, first=first, last=today, summed=True
    )
    return {
        "key": "responses-over-time",
        "data_id": "dash-responses-over-time-data",
        "title": _("Contacts and responses per day"),
        **response_chart(series),
    }


def register() -> None:
    register_dashboard_panel(
        DashboardPanel(
            key="campaigns.running",
            title=gettext_lazy("Running campaigns"),
            template="campaigns/dashboard/running.html",
            permission="campaigns.view_campaign",
            context=running_context,
            order=10,
            width="wide",
        )
    )
