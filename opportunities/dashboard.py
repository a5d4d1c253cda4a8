"""The home page's opportunity panel (docs/dashboard.md): the pipeline by status —
the signed-in salesperson's opportunities, everyone's for a user who is no
salesperson — and the largest open ones."""

import datetime

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.dashboard import DashboardPanel, register_dashboard_panel
from opportunities.models import Opportunity, OpportunityStatus
from salespeople.models import Salesperson

SHOWN = 5
CLOSED_DAYS = 90  # won and lost: those closed in the last days


def pipeline_context(request) -> dict:
    """Three queries: the salesperson, the figures per status (theirs and everyone's in
    one), the largest open ones. A salesperson without opportunities sees everyone's."""
    salesperson = Salesperson.objects.filter(user=request.user).first()
    since = timezone.localdate() - datetime.timedelta(days=CLOSED_DAYS)
    recent = Q(closed=False) | Q(date_closed__gte=since)
    mine = Q(salesperson=salesperson) if salesperson is not None else Q(pk__in=[])
    aggregates = {"mine": Count("pk", filter=mine)}
    for status in OpportunityStatus:
        only = Q(status=status) & recent
        for scope, condition in (("all", only), ("mine", only & mine)):
            aggregates[f"{scope}_{status.value}_n"] = Count("pk", filter=condition)
            aggregates[f"{scope}_{status.value}_value"] = Sum("estimated_value", filter=condition)
    row = Opportunity.objects.aggregate(**aggregates)
    own = bool(row["mine"])
    scope = "mine" if own else "all"
    statuses = [
        {
            "label": str(status.label),
            "number": row[f"{scope}_{status.value}_n"],
            "value": row[f"{scope}_{status.value}_value"] or 0,
        }
        for status in OpportunityStatus
    ]
    opportunities = Opportunity.objects.all()
    if own:
        opportunities = opportunities.filter(salesperson=salesperson)
    largest = list(
        opportunities.filter(closed=False)
        .select_related("contact", "campaign")
        .order_by("-estimated_value", "-no")[:SHOWN]
    )
    chart = {
        "key": "pipeline",
        "data_id": "dash-pipeline-data",
        "type": "bar",
        "labels": [status["label"] for status in statuses],
        "datasets": [
            {
                "label": _("Estimated value"),
                "data": [float(status["value"]) for status in statuses],
                # Not started, in progress, won, lost.
                "colors": ["secondary", "primary", "success", "danger"],
            }
        ],
    }
    return {
        "salesperson": salesperson,
        "own": own,
        "statuses": statuses,
        "largest": largest,
        "closed_days": CLOSED_DAYS,
        "empty": not any(status["number"] for status in statuses),
        "chart": chart,
        "list_url": reverse("opportunities:opportunity_list"),
        "can_add": request.user.has_perm("opportunities.add_opportunity"),
        "add_url": reverse("opportunities:opportunity_create"),
    }


def register() -> None:
    register_dashboard_panel(
        DashboardPanel(
            key="opportunities.pipeline",
            title=gettext_lazy("Opportunities"),
            template="opportunities/dashboard/pipeline.html",
            permission="opportunities.view_opportunity",
            context=pipeline_context,
            order=30,
        )
    )
