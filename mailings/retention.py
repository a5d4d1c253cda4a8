"""The e-mail delivery events ``manage.py prune`` may remove (docs/operations.md,
Retention). The ledger itself (one row per message) is kept: it is what makes sure
an e-mail is never sent twice."""

from django.utils.translation import gettext_lazy as _

from core import retention
from mailings.models import DeliveryEvent


def register() -> None:
    retention.register(
        retention.Retention(
            name="delivery_events",
            label=_("e-mail delivery events"),
            rows=lambda: DeliveryEvent.objects.all(),
            date_field="occurred_at",
            default_days=365,
        )
    )
