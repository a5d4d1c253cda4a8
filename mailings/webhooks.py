"""Delivery events from an e-mail service (docs/mailings.md), through django-anymail's
normalised tracking webhooks: ``/mail/webhooks/<service>/tracking/``, protected by
``ANYMAIL_WEBHOOK_SECRET`` (HTTP basic auth, as anymail does it).

A hard bounce or a rejection blocks the address (skipped from then on); a spam
complaint or an unsubscribe reported by the service is an opt-out of the contact.
Every event is kept with the message it is about (found by its Message-ID, else
the last message sent to the address).
"""

import logging
from functools import wraps

from anymail.signals import EventType, tracking
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpResponseForbidden
from django.urls import URLResolver
from django.utils import timezone

from contacts.models import Contact
from mailings import consent
from mailings.models import (
    DeliveryEvent,
    DeliveryEventType,
    DeliveryState,
    EmailDelivery,
    OptOutSource,
)

logger = logging.getLogger(__name__)

EVENTS = {
    EventType.DELIVERED: DeliveryEventType.DELIVERED,
    EventType.BOUNCED: DeliveryEventType.BOUNCED,
    EventType.REJECTED: DeliveryEventType.REJECTED,
    EventType.COMPLAINED: DeliveryEventType.COMPLAINED,
    EventType.UNSUBSCRIBED: DeliveryEventType.UNSUBSCRIBED,
    EventType.DEFERRED: DeliveryEventType.DEFERRED,
}
BLOCKING = {DeliveryEventType.BOUNCED, DeliveryEventType.REJECTED}
OPTING_OUT = {
    DeliveryEventType.COMPLAINED: OptOutSource.COMPLAINT,
    DeliveryEventType.UNSUBSCRIBED: OptOutSource.SERVICE,
}


def find_delivery(message_id: str, address: str) -> EmailDelivery | None:
    if message_id:
        wanted = message_id if message_id.startswith("<") else f"<{message_id}>"
        found = EmailDelivery.objects.filter(message_id=wanted).first()
        if found is not None:
            return found
    if address:
        return (
            EmailDelivery.objects.filter(address=address, state=DeliveryState.SENT)
            .order_by("-sent_at", "-pk")
            .first()
        )
    return None


def message_id_of(event) -> str:
    """Our Message-ID when the service reports the message's headers, else its own id."""
    esp_event = event.esp_event if isinstance(event.esp_event, dict) else {}
    for header in esp_event.get("Headers") or []:
        if isinstance(header, dict) and str(header.get("Name", "")).lower() == "message-id":
            return str(header.get("Value", ""))
    return str(event.message_id or "")


@transaction.atomic
def record_event(
    *,
    event_type: str,
    address: str,
    message_id: str = "",
    when=None,
    description: str = "",
    service_event_id: str = "",
) -> DeliveryEvent | None:
    """Keep one delivery event and act on it; an event seen before is ignored."""
    address = (address or "").strip().lower()
    seen = DeliveryEvent.objects.filter(service_event_id=service_event_id)
    if service_event_id and seen.exists():
        return None
    delivery = find_delivery(message_id, address)
    event = DeliveryEvent.objects.create(
        delivery=delivery,
        address=address,
        event=event_type,
        occurred_at=when or timezone.now(),
        description=(description or "")[:500],
        service_event_id=(service_event_id or "")[:200],
    )
    if event_type in BLOCKING and address:
        consent.block_address(address=address, reason=event_type, description=description)
    if event_type in OPTING_OUT:
        if delivery is not None:
            contacts = [delivery.interaction.contact]
        else:
            contacts = list(Contact.objects.filter(email__iexact=address)) if address else []
        for contact in contacts:
            consent.record_opt_out(
                contact=contact,
                source=OPTING_OUT[event_type],
                campaign=delivery.interaction.campaign_id if delivery else None,
                interaction=delivery.interaction_id if delivery else None,
            )
    return event


def on_tracking(sender, event, esp_name, **kwargs):
    event_type = EVENTS.get(event.event_type)
    if event_type is None:
        return
    record_event(
        event_type=event_type,
        address=event.recipient or "",
        message_id=message_id_of(event),
        when=event.timestamp,
        description=event.description or event.mta_response or "",
        service_event_id=f"{esp_name}:{event.event_id}" if event.event_id else "",
    )


def connect():
    tracking.connect(on_tracking, dispatch_uid="mailings.on_tracking")


def secret_required(view):
    """Refuse every webhook call while no secret is configured: an open webhook would
    let anyone block addresses and opt contacts out."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not settings.ANYMAIL.get("WEBHOOK_SECRET"):
            return HttpResponseForbidden("Webhooks are off: ANYMAIL_WEBHOOK_SECRET is not set.")
        return view(request, *args, **kwargs)

    return guarded


def tracking_urls():
    """anymail's tracking webhooks, reachable without a login (they check the secret)."""
    from anymail import urls as anymail_urls

    patterns = []
    for pattern in anymail_urls.urlpatterns:
        if isinstance(pattern, URLResolver) or "tracking" not in str(pattern.pattern):
            continue
        pattern.callback = login_not_required(secret_required(pattern.callback))
        patterns.append(pattern)
    return patterns
