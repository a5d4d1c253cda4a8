"""Campaign statistics (docs/statistics.md): figures from the campaign's interaction log
entries that are neither canceled nor postponed, optionally within dates."""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum
from django.dispatch import Signal
from django.utils.formats import date_format

from campaigns.models import CampaignEntry, InteractionDay, InteractionLogEntry

# Higher apps (opportunities) add their figures: each receiver returns a dict of
# extra figures. Arguments: campaign, date_from, date_to.
campaign_statistics_requested = Signal()

# Higher apps add what campaigns brought in, for many campaigns at once (ROI,
# docs/statistics.md). Arguments: campaign_ids, date_from, date_to. Each receiver
# runs a fixed number of queries and returns {campaign id: {figure: value}} with
# figures of ``RESULT_FIGURES``.
campaign_results_requested = Signal()
RESULT_FIGURES = (
    "opportunities",  # the campaign's opportunities (number)
    "won_opportunities",  # of which won
    "won_value",  # the estimated value of the won ones
    "quote_lines",  # quote lines priced from the campaign's prices
    "quote_revenue",  # their line amounts
    "margin_given_away",  # what those lines would have cost more without the campaign
)

ZERO = Decimal(0)


def _round(value: Decimal, places: str) -> Decimal:
    return Decimal(value).quantize(Decimal(places), ROUND_HALF_UP)


@dataclass
class CampaignStatistics:
    interactions: int = 0
    contacted: int = 0  # target contacts contacted: entries with campaign target
    responded: int = 0  # entries with campaign response
    cost: Decimal = ZERO
    duration: Decimal = ZERO
    extra: dict = field(default_factory=dict)
    # ROI (docs/statistics.md): the campaign's own cost and what it brought in.
    budget_cost: Decimal = ZERO
    targets: int = 0
    opportunities: int = 0
    won_opportunities: int = 0
    won_value: Decimal = ZERO
    quote_lines: int = 0
    quote_revenue: Decimal = ZERO
    margin_given_away: Decimal = ZERO

    @property
    def total_cost(self) -> Decimal:
        """The interactions' cost plus the campaign's budget cost."""
        return self.cost + self.budget_cost

    @property
    def revenue(self) -> Decimal:
        """Won opportunities' value plus the quote lines priced from campaign prices."""
        return self.won_value + self.quote_revenue

    @property
    def roi(self) -> Decimal | None:
        """(Revenue − total cost) / total cost × 100, rounded to 0.1; None without cost."""
        if not self.total_cost:
            return None
        return _round((self.revenue - self.total_cost) * 100 / self.total_cost, "0.1")

    @property
    def response_rate(self) -> Decimal:
        """Responded / contacted × 100, rounded to 0.1 (0 when nothing was contacted)."""
        if not self.contacted:
            return Decimal("0.0")
        return _round(Decimal(self.responded) * 100 / self.contacted, "0.1")

    @property
    def average_cost_per_response(self) -> Decimal:
        if not self.responded:
            return Decimal("0.00")
        return _round(self.cost / self.responded, "0.01")

    @property
    def average_duration_per_response(self) -> Decimal:
        if not self.responded:
            return Decimal("0.00")
        return _round(self.duration / self.responded, "0.01")


def counted_interactions(campaign, date_from=None, date_to=None):
    entries = InteractionLogEntry.objects.counting().filter(campaign=campaign)
    if date_from:
        entries = entries.filter(date__gte=date_from)
    if date_to:
        entries = entries.filter(date__lte=date_to)
    return entries


def refresh_interaction_days(campaign_ids) -> None:
    """Sum the counted interactions of ``campaign_ids`` per date into
    ``InteractionDay`` again: one grouped query, one delete, one insert."""
    campaign_ids = [pk for pk in campaign_ids if pk]
    if not campaign_ids:
        return
    rows = (
        InteractionLogEntry.objects.counting()
        .filter(campaign_id__in=campaign_ids)
        .order_by()
        .values("campaign_id", "date")
        .annotate(
            interactions=Count("id"),
            contacted=Count("id", filter=Q(campaign_target=True)),
            responded=Count("id", filter=Q(campaign_response=True)),
            cost=Sum("cost"),
            duration=Sum("duration"),
        )
    )
    days = [
        InteractionDay(**{**row, "cost": row["cost"] or ZERO, "duration": row["duration"] or ZERO})
        for row in rows
    ]
    InteractionDay.objects.filter(campaign_id__in=campaign_ids).delete()
    InteractionDay.objects.bulk_create(days, batch_size=1000)


def campaign_results(
    campaigns, date_from=None, date_to=None, *, summed=False
) -> dict[int, CampaignStatistics]:
    """The figures and ROI of each of ``campaigns`` (loaded campaigns), by id: one
    aggregate query for all their interactions plus one per app adding results
    (``campaign_results_requested``), whatever the number of campaigns. ``summed``:
    the interactions' figures come from their sums per day (``InteractionDay``), a few
    rows per campaign however many interactions it has (the home dashboard)."""
    campaigns = list(campaigns)
    results = {
        campaign.pk: CampaignStatistics(
            budget_cost=campaign.budget_cost, targets=campaign.target_count
        )
        for campaign in campaigns
    }
    if not results:
        return results
    if summed:
        entries = InteractionDay.objects.filter(campaign_id__in=list(results))
        figures = {
            name: Sum(name)
            for name in ("interactions", "contacted", "responded", "cost", "duration")
        }
    else:
        entries = InteractionLogEntry.objects.counting().filter(campaign_id__in=list(results))
        figures = {
            "interactions": Count("id"),
            "contacted": Count("id", filter=Q(campaign_target=True)),
            "responded": Count("id", filter=Q(campaign_response=True)),
            "cost": Sum("cost"),
            "duration": Sum("duration"),
        }
    if date_from:
        entries = entries.filter(date__gte=date_from)
    if date_to:
        entries = entries.filter(date__lte=date_to)
    rows = entries.order_by().values("campaign_id").annotate(**figures)
    for row in rows:
        result = results[row["campaign_id"]]
        result.interactions = row["interactions"]
        result.contacted = row["contacted"]
        result.responded = row["responded"]
        result.cost = row["cost"] or ZERO
        result.duration = row["duration"] or ZERO
    for _receiver, answer in campaign_results_requested.send(
        sender=CampaignStatistics,
        campaign_ids=list(results),
        date_from=date_from,
        date_to=date_to,
    ):
        for campaign_id, figures in (answer or {}).items():
            for name, value in figures.items():
                if campaign_id in results and name in RESULT_FIGURES:
                    setattr(results[campaign_id], name, value)
    return results


def campaign_statistics(campaign, date_from=None, date_to=None) -> CampaignStatistics:
    """All figures of one campaign: ``campaign_results`` plus one query per app adding
    figures."""
    statistics = campaign_results([campaign], date_from, date_to)[campaign.pk]
    for _receiver, extra in campaign_statistics_requested.send(
        sender=CampaignStatistics, campaign=campaign, date_from=date_from, date_to=date_to
    ):
        statistics.extra.update(extra or {})
    return statistics


def timeline(campaign, date_from=None, date_to=None) -> list[dict]:
    """Interactions and responses per date (one query)."""
    rows = (
        counted_interactions(campaign, date_from, date_to)
        .order_by()
        .values("date")
        .annotate(interactions=Count("id"), responses=Count("id", filter=Q(campaign_response=True)))
        .order_by("date")
    )
    return [
        {
            "date": row["date"].isoformat(),
            "interactions": row["interactions"],
            "responses": row["responses"],
        }
        for row in rows
    ]


def cost_per_entry(campaign, limit: int = 50) -> list[dict]:
    """Cost of the campaign's (not canceled) entries, newest first (one query)."""
    entries = (
        CampaignEntry.objects.filter(campaign=campaign, canceled=False)
        .with_figures()
        .order_by("-id")[:limit]
    )
    return [
        {"entry": entry.pk, "description": entry.description, "cost": float(entry.cost)}
        for entry in reversed(list(entries))
    ]


# Longer periods are shown per week (Monday), shorter ones per day.
DAYS_SHOWN_PER_DAY = 92


def response_series(
    campaign_ids, date_from=None, date_to=None, *, first=None, last=None, summed=False
) -> dict:
    """Contacted and responded per day (per week over more than ``DAYS_SHOWN_PER_DAY``
    days) of ``campaign_ids``, every day or week of the period present (0 when nothing
    happened), labelled in the user's date format: one query (docs/statistics.md,
    Charts). The period runs from ``date_from`` (else ``first``, else the first
    interaction) to ``date_to`` (else ``last``, else the last interaction).
    ``summed``: from the sums per day (``InteractionDay``, see ``campaign_results``)."""
    if summed:
        entries = InteractionDay.objects.filter(campaign_id__in=list(campaign_ids))
        figures = {name: Sum(name) for name in ("contacted", "responded", "interactions")}
    else:
        entries = InteractionLogEntry.objects.counting().filter(campaign_id__in=list(campaign_ids))
        figures = {
            "contacted": Count("id", filter=Q(campaign_target=True)),
            "responded": Count("id", filter=Q(campaign_response=True)),
            "interactions": Count("id"),
        }
    if date_from:
        entries = entries.filter(date__gte=date_from)
    if date_to:
        entries = entries.filter(date__lte=date_to)
    rows = list(entries.order_by().values("date").annotate(**figures).order_by("date"))
    start = date_from or first or (rows[0]["date"] if rows else None)
    end = date_to or last or (rows[-1]["date"] if rows else None)
    if rows:
        start, end = min(start, rows[0]["date"]), max(end, rows[-1]["date"])
        if (end - start).days > 3660:  # a period of decades: the interactions' own dates
            start, end = rows[0]["date"], rows[-1]["date"]
    if start is None or end is None or start > end:
        return {"weekly": False, "labels": [], "dates": [], "contacted": [], "responded": []}
    weekly = (end - start).days + 1 > DAYS_SHOWN_PER_DAY
    if weekly:
        start -= datetime.timedelta(days=start.weekday())
    step = datetime.timedelta(days=7 if weekly else 1)
    buckets = []
    day = start
    while day <= end:
        buckets.append(day)
        day += step
    index = {bucket: position for position, bucket in enumerate(buckets)}
    contacted, responded = [0] * len(buckets), [0] * len(buckets)
    interactions = [0] * len(buckets)
    for row in rows:
        day = row["date"]
        bucket = day - datetime.timedelta(days=day.weekday()) if weekly else day
        contacted[index[bucket]] += row["contacted"]
        responded[index[bucket]] += row["responded"]
        interactions[index[bucket]] += row["interactions"]
    return {
        "weekly": weekly,
        "labels": [date_format(bucket, "SHORT_DATE_FORMAT") for bucket in buckets],
        "dates": [bucket.isoformat() for bucket in buckets],
        "contacted": contacted,
        "responded": responded,
        "interactions": interactions,
    }
