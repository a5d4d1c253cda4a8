"""The delivery ledger (docs/mailings.md): one row per message, set-based.

Every e-mail interaction of a logged segment that is sent gets one
``EmailDelivery`` when the segment is logged: *queued*, or *skipped* with its
reason (no address, opted out, address blocked). Invariant: the e-mail
interactions of a logged segment = sent + failed + uncertain + skipped once its
job is done, and no message is handed to the mail server twice unless a user
chose to send the uncertain ones again.
"""

from django.conf import settings
from django.db.models import Case, CharField, Exists, F, OuterRef, Q, Value, When
from django.db.models.functions import Cast, Concat, Lower
from django.utils import timezone

from campaigns.models import InteractionLogEntry
from contacts.models import CorrespondenceType
from core.sql import insert_from_select, typed_value
from mailings.models import (
    BlockedAddress,
    DeliveryState,
    EmailDelivery,
    EmailOptOut,
    SkipReason,
)


def message_domain() -> str:
    return settings.EMAIL_MESSAGE_ID_DOMAIN


def skip_reason(contact: str = "contact") -> Case:
    """Why marketing e-mail to a contact is skipped, as an expression for a queryset:
    ``SkipReason.NO_ADDRESS`` (no e-mail address), ``OPTED_OUT`` (an active opt-out),
    ``BOUNCED`` (the address is blocked), else "" (it may be sent). ``contact`` is the
    path from the queryset's model to the contact ("contact" for interactions and
    segment lines, "" for contacts). Logging (``create_deliveries``) and the preview
    before logging use this one expression, so they skip the same messages."""
    prefix = f"{contact}__" if contact else ""
    contact_id = f"{contact}_id" if contact else "pk"
    return Case(
        When(**{f"{prefix}email": ""}, then=Value(SkipReason.NO_ADDRESS)),
        When(
            Exists(EmailOptOut.objects.filter(contact_id=OuterRef(contact_id), cleared_at=None)),
            then=Value(SkipReason.OPTED_OUT),
        ),
        When(
            Exists(
                BlockedAddress.objects.filter(
                    address=Lower(OuterRef(f"{prefix}email")), cleared_at=None
                )
            ),
            then=Value(SkipReason.BOUNCED),
        ),
        default=Value(""),
        output_field=CharField(max_length=12),
    )


def create_deliveries(logged_segment_id: int, *, language: str = "") -> int:
    """Insert the ledger rows of a logged segment's e-mail interactions (one statement).

    ``language`` is the segment's language; without one each message is in its
    contact's. Rows that already exist are kept (the insert is idempotent). Returns
    how many were written.
    """
    interactions = (
        InteractionLogEntry.objects.filter(
            logged_segment_id=logged_segment_id,
            correspondence_type=CorrespondenceType.EMAIL,
            canceled=False,
        )
        .annotate(d_address=Lower("contact__email"))
        .annotate(d_reason=skip_reason("contact"))
    )
    now = timezone.now()
    annotations = {
        "d_interaction": F("id"),
        "d_logged_segment": typed_value(EmailDelivery, "logged_segment", logged_segment_id),
        "d_state": Case(
            When(d_reason="", then=Value(DeliveryState.QUEUED)),
            default=Value(DeliveryState.SKIPPED),
            output_field=CharField(max_length=10),
        ),
        "d_message_id": Concat(
            Value("<interaction-"),
            Cast("id", CharField(max_length=20)),
            Value(f"@{message_domain()}>"),
            output_field=CharField(max_length=200),
        ),
        "d_language": (
            typed_value(EmailDelivery, "language", language) if language else F("contact__language")
        ),
        "d_claim": typed_value(EmailDelivery, "claim", ""),
        "d_attempts": typed_value(EmailDelivery, "attempts", 0),
        "d_error": typed_value(EmailDelivery, "error", ""),
        "d_updated_at": typed_value(EmailDelivery, "updated_at", now),
    }
    columns = {
        "interaction": "d_interaction",
        "logged_segment": "d_logged_segment",
        "address": "d_address",
        "language": "d_language",
        "state": "d_state",
        "skip_reason": "d_reason",
        "message_id": "d_message_id",
        "claim": "d_claim",
        "attempts": "d_attempts",
        "error": "d_error",
        "updated_at": "d_updated_at",
    }
    return insert_from_select(EmailDelivery, columns, interactions.annotate(**annotations))


def skip_if_no_longer_allowed(deliveries) -> int:
    """Skip the messages among ``deliveries`` whose interaction was canceled, whose
    contact opted out, or whose address was blocked or removed since logging (checked
    again just before sending; one UPDATE)."""
    interaction = InteractionLogEntry.objects.filter(pk=OuterRef("pk"))
    reasons = [
        (SkipReason.CANCELED, Exists(interaction.filter(canceled=True))),
        (SkipReason.NO_ADDRESS, Exists(interaction.filter(contact__email=""))),
        (
            SkipReason.OPTED_OUT,
            Exists(
                interaction.filter(
                    Exists(
                        EmailOptOut.objects.filter(
                            contact_id=OuterRef("contact_id"), cleared_at=None
                        )
                    )
                )
            ),
        ),
        (
            SkipReason.BOUNCED,
            Exists(BlockedAddress.objects.filter(address=OuterRef("address"), cleared_at=None)),
        ),
    ]
    any_reason = Q()
    for _reason, condition in reasons:
        any_reason |= Q(condition)
    return deliveries.filter(any_reason).update(
        state=DeliveryState.SKIPPED,
        skip_reason=Case(
            *(When(condition, then=Value(reason)) for reason, condition in reasons),
            output_field=CharField(max_length=12),
        ),
        claim="",
        updated_at=timezone.now(),
    )
