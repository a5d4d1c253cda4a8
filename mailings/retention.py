"""The e-mail delivery events ``manage.py prune`` may remove (docs/operations.md,
Retention). The ledger itself (one row per message) is kept: it is what makes sure
an e-mail is never sent twice; a row goes only with its interaction when that is
archived (docs/archiving.md)."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from campaigns import archiving
from core import retention
from mailings.models import DeliveryEvent, DeliveryState


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
    register_archiving()


def register_archiving() -> None:
    """What ``manage.py archive_interactions`` must keep and writes of the ledger
    (docs/archiving.md): an interaction whose e-mail is not done stays (the ledger is
    what makes sure it is never sent twice); an archived interaction's ledger row goes
    with it, its state, address, Message-ID and time sent into the archive file."""
    archiving.register_kept(
        "email_not_done",
        lambda: Q(
            delivery__state__in=[
                DeliveryState.QUEUED,
                DeliveryState.SENDING,
                DeliveryState.UNCERTAIN,
            ]
        ),
    )
    archiving.register_columns(
        "delivery__state", "delivery__address", "delivery__message_id", "delivery__sent_at"
    )
