"""Campaign statistics (docs/statistics.md): figures from the campaign's interaction log
entries that are neither canceled nor postponed, optionally within dates."""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum
from django.dispatch import Signal

from campaigns.models import CampaignEntry, InteractionLogEntry

# Higher apps (opportunities) add their figures: each receiver returns a dict of
# extra figures. Arguments: campaign, date_from, date_to.
campaign_statistics_requested = Signal()

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


def campaign_statistics(campaign, date_from=None, date_to=None) -> CampaignStatistics:
    """All figures in one aggregate query (plus one per app adding figures)."""
    figures = counted_interactions(campaign, date_from, date_to).aggregate(
        interactions=Count("id"),
        contacted=Count("id", filter=Q(campaign_target=True)),
        responded=Count("id", filter=Q(campaign_response=True)),
        cost=Sum("cost"),
        duration=Sum("duration"),
    )
    statistics = CampaignStatistics(
        interactions=figures["interactions"],
        contacted=figures["contacted"],
        responded=figures["responded"],
        cost=figures["cost"] or ZERO,
        duration=figures["duration"] or ZERO,
    )
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
