"""The opportunity figures and chart of the campaign statistics (docs/statistics.md).

Connected in ``OpportunitiesConfig.ready()`` to the campaigns app's signals (a lower
app may not import this one). The statistics' period filters the opportunities by
their creation date.
"""

from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from opportunities.models import Opportunity, OpportunityStatus

CENT = Decimal("0.01")


def _money(value) -> Decimal:
    """A sum as money: SQLite returns ``Decimal("4500")`` where PostgreSQL gives 4500.00."""
    return Decimal(value or 0).quantize(CENT)


def campaign_opportunities(campaign, date_from=None, date_to=None):
    opportunities = Opportunity.objects.filter(campaign=campaign)
    if date_from:
        opportunities = opportunities.filter(creation_date__gte=date_from)
    if date_to:
        opportunities = opportunities.filter(creation_date__lte=date_to)
    return opportunities


def opportunity_figures(campaign, date_from=None, date_to=None) -> dict:
    """Number, estimated value and calculated current value of the campaign's
    opportunities (all statuses: a lost one has current value 0), one query."""
    figures = campaign_opportunities(campaign, date_from, date_to).aggregate(
        number=Count("pk"),
        estimated_value=Sum("estimated_value"),
        calculated_current_value=Sum("calculated_current_value"),
    )
    return {
        "number": figures["number"],
        "estimated_value": _money(figures["estimated_value"]),
        "calculated_current_value": _money(figures["calculated_current_value"]),
    }


def campaign_opportunity_figures(sender, *, campaign, date_from=None, date_to=None, **kwargs):
    """Receiver of ``campaign_statistics_requested``: the figures shown with the labels."""
    figures = opportunity_figures(campaign, date_from, date_to)
    return {
        _("Opportunities"): figures["number"],
        _("Opportunities: estimated value"): figures["estimated_value"],
        _("Opportunities: calculated current value"): figures["calculated_current_value"],
    }


def opportunities_by_status(campaign, date_from=None, date_to=None) -> list[dict]:
    """Number and values of the campaign's opportunities per status (one query)."""
    aggregates = {}
    for status in OpportunityStatus:
        only = Q(status=status)
        aggregates[f"{status.value}_n"] = Count("pk", filter=only)
        aggregates[f"{status.value}_value"] = Sum("estimated_value", filter=only)
    row = campaign_opportunities(campaign, date_from, date_to).aggregate(**aggregates)
    return [
        {
            "status": status.value,
            "label": str(status.label),
            "number": row[f"{status.value}_n"],
            "estimated_value": float(row[f"{status.value}_value"] or 0),
        }
        for status in OpportunityStatus
    ]


def campaign_opportunity_chart(sender, *, campaign, date_from=None, date_to=None, **kwargs):
    """Receiver of ``campaign_charts_requested``: the "opportunities by status" chart."""
    rows = opportunities_by_status(campaign, date_from, date_to)
    return {
        "key": "opportunities-by-status",
        "title": _("Opportunities by status"),
        "type": "bar",
        "labels": [row["label"] for row in rows],
        "datasets": [{"label": _("Opportunities"), "data": [row["number"] for row in rows]}],
        "integer": True,
        "empty": not any(row["number"] for row in rows),
        "empty_text": _("No opportunities for this campaign in this period yet."),
        "note": _(
            "Opportunities of the campaign created in the period; the opportunity figures "
            "count the same ones (a lost opportunity has current value 0)."
        ),
    }


def campaign_results(sender, *, campaign_ids, date_from=None, date_to=None, **kwargs) -> dict:
    """Receiver of ``campaign_results_requested`` (ROI, docs/statistics.md): per
    campaign its opportunities (created in the period) and the won ones with their
    estimated value (won, closed, in the period), one query."""
    created, won = Q(), Q(status=OpportunityStatus.WON)
    if date_from:
        created &= Q(creation_date__gte=date_from)
        won &= Q(date_closed__gte=date_from)
    if date_to:
        created &= Q(creation_date__lte=date_to)
        won &= Q(date_closed__lte=date_to)
    rows = (
        Opportunity.objects.filter(campaign_id__in=campaign_ids)
        .order_by()
        .values("campaign_id")
        .annotate(
            opportunities=Count("pk", filter=created),
            won_opportunities=Count("pk", filter=won),
            won_value=Sum("estimated_value", filter=won),
        )
    )
    return {
        row["campaign_id"]: {
            "opportunities": row["opportunities"],
            "won_opportunities": row["won_opportunities"],
            "won_value": _money(row["won_value"]),
        }
        for row in rows
    }
