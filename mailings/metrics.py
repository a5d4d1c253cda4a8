"""The e-mail ledger in the Prometheus metrics (docs/monitoring.md, Metrics):
``marketing_email_deliveries{state}``, registered with ``core.metrics`` when the app
is ready (core never imports mailings)."""

from core import metrics
from mailings.models import DeliveryState, EmailDelivery


def collect_deliveries():
    """Messages of the delivery ledger by state: one GROUP BY (docs/mailings.md)."""
    counts = EmailDelivery.objects.counts()
    yield metrics.gauge(
        "email_deliveries",
        "Messages of the e-mail delivery ledger by state.",
        ["state"],
        {(state,): counts[state] for state in DeliveryState.values},
    )


def register() -> None:
    metrics.register("email_deliveries", collect_deliveries)
