"""What the quote lines priced from a campaign's sales prices bring it (ROI,
docs/statistics.md).

Connected in ``QuotesConfig.ready()`` to the campaigns app's
``campaign_results_requested`` (a lower app may not import this one). A line counts
for the campaign whose price won when it was priced (``SalesQuoteLine.campaign``); a
price set by hand counts for none. The period filters the quotes by order date.
"""

from decimal import Decimal

from django.db.models import Count, F, Sum

from quotes.models import SalesQuoteLine

CENT = Decimal("0.01")


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT)


def campaign_results(sender, *, campaign_ids, date_from=None, date_to=None, **kwargs) -> dict:
    """Per campaign: its quote lines, their amount and the margin given away (the line
    amount without the campaign's prices minus the line amount), one query."""
    lines = SalesQuoteLine.objects.filter(campaign_id__in=campaign_ids)
    if date_from:
        lines = lines.filter(quote__order_date__gte=date_from)
    if date_to:
        lines = lines.filter(quote__order_date__lte=date_to)
    rows = (
        lines.order_by()
        .values("campaign_id")
        .annotate(
            quote_lines=Count("pk"),
            quote_revenue=Sum("line_amount"),
            margin_given_away=Sum(F("amount_without_campaign") - F("line_amount")),
        )
    )
    return {
        row["campaign_id"]: {
            "quote_lines": row["quote_lines"],
            "quote_revenue": _money(row["quote_revenue"]),
            "margin_given_away": _money(row["margin_given_away"]),
        }
        for row in rows
    }
