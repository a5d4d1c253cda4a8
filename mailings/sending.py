"""Sending the e-mails of a logged segment (docs/mailings.md).

The job claims a batch of *queued* messages (one UPDATE; on PostgreSQL the rows
are locked with SKIP LOCKED so that workers never wait on each other), checks
them again against opt-outs and blocked addresses, hands them to the mail server
one by one on one open connection, and records the outcome of the batch (a few
UPDATEs): *sent* only for the messages the server accepted, *failed* for those it
refused or that never left, *uncertain* for those whose fate is unknown (the
connection broke during the hand-over). A run that takes over a job first turns
the messages its dead predecessor left in *sending* into *uncertain*: they are
never sent again unless a user chooses to.
"""

import contextlib
import logging
import smtplib
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from campaigns.models import InteractionLogEntry
from core.logs import WITHOUT_EXCEPTION_MESSAGE
from core.models import Job
from mailings.composing import build_email
from mailings.ledger import skip_if_no_longer_allowed
from mailings.models import DeliveryState, EmailDelivery

logger = logging.getLogger(__name__)

ERROR_LENGTH = 500
# The connection broke while the message was handed over: it may have gone out.
# Any other error is a refusal (the server answered no, the message could not be
# built or addressed): the message certainly did not go out.
BROKEN = (smtplib.SMTPServerDisconnected, ConnectionError, TimeoutError)


@dataclass
class BatchOutcome:
    sent: list[int] = field(default_factory=list)
    failed: dict[str, list[int]] = field(default_factory=dict)  # error -> ids
    uncertain: list[int] = field(default_factory=list)
    unsent: list[int] = field(default_factory=list)  # never handed over: back to the queue

    def fail(self, pk: int, error: BaseException | str) -> None:
        text = str(error)[:ERROR_LENGTH] or type(error).__name__
        self.failed.setdefault(text, []).append(pk)

    @property
    def done(self) -> int:
        return len(self.sent) + sum(map(len, self.failed.values())) + len(self.uncertain)


@dataclass
class SendOutcome:
    sent: int = 0
    failed: int = 0
    uncertain: int = 0
    skipped: int = 0


class MailServer:
    """One connection to the mail server, opened lazily and again after a break."""

    def __init__(self):
        self.connection = get_connection()
        self.open_error: BaseException | None = None
        self.is_open = False

    def ensure_open(self) -> bool:
        if not self.is_open:
            try:
                self.connection.open()
                self.is_open = True
                self.open_error = None
            except Exception as error:  # noqa: BLE001 - unreachable server: the batch fails
                self.open_error = error
        return self.is_open

    def broken(self) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.connection.close()
        except Exception:  # noqa: BLE001, S110 - closing a broken connection
            pass
        self.is_open = False


def mark_abandoned_as_uncertain(logged_segment_id: int, claim: str) -> int:
    """Messages an earlier run left in *sending* may or may not have gone out."""
    return (
        EmailDelivery.objects.of_logged_segment(logged_segment_id)
        .filter(state=DeliveryState.SENDING)
        .exclude(claim=claim)
        .update(
            state=DeliveryState.UNCERTAIN,
            updated_at=timezone.now(),
            error=_("The worker stopped while sending: the message may or may not have gone out."),
        )
    )


def claim_batch(logged_segment_id: int, claim: str, size: int) -> list[int]:
    """Take up to ``size`` queued messages for this run; returns their ids. Those
    that may no longer be sent are skipped at once (still among the ids)."""
    queued = (
        EmailDelivery.objects.of_logged_segment(logged_segment_id)
        .filter(state=DeliveryState.QUEUED)
        .order_by("pk")
    )
    with transaction.atomic():
        ids = list(queued.select_for_update(skip_locked=True).values_list("pk", flat=True)[:size])
        if not ids:
            return []
        # The address as it is now (it may have changed since logging).
        current_address = InteractionLogEntry.objects.filter(pk=OuterRef("pk")).values(
            address=Lower("contact__email")
        )
        EmailDelivery.objects.filter(pk__in=ids, state=DeliveryState.QUEUED).update(
            state=DeliveryState.SENDING,
            claim=claim,
            attempts=F("attempts") + 1,
            updated_at=timezone.now(),
            address=Subquery(current_address[:1]),
        )
    mine = EmailDelivery.objects.filter(pk__in=ids, claim=claim, state=DeliveryState.SENDING)
    claimed = list(mine.values_list("pk", flat=True))
    skip_if_no_longer_allowed(mine)
    return claimed


def load_batch(ids: list[int], claim: str) -> list[EmailDelivery]:
    """The claimed messages still to send, with all a message is built from."""
    return list(
        EmailDelivery.objects.filter(pk__in=ids, claim=claim, state=DeliveryState.SENDING)
        .select_related(
            "interaction__contact__company",
            "interaction__salesperson",
            "interaction__template",
            "interaction__campaign",
            "logged_segment",
        )
        .prefetch_related("interaction__template__languages")
    )


def release_claim(ids: list[int], claim: str) -> None:
    """Put claimed messages that were not handed over back in the queue (the worker
    stops before sending them); when even that fails they stay *sending* and the
    next run makes them *uncertain*."""
    with contextlib.suppress(Exception):
        EmailDelivery.objects.filter(pk__in=ids, claim=claim, state=DeliveryState.SENDING).update(
            state=DeliveryState.QUEUED, claim="", updated_at=timezone.now()
        )


def send_batch(server: MailServer, deliveries: list[EmailDelivery]) -> BatchOutcome:
    """Hand the messages to the mail server; what became of each is in the outcome."""
    outcome = BatchOutcome()
    handed_over = 0
    try:
        for delivery in deliveries:
            handed_over += 1
            try:
                message = build_email(delivery)
            except Exception as error:  # noqa: BLE001 - a message that cannot be built fails
                # Type and stack only: the error may quote the contact's data; its
                # text is kept on the message in the ledger (docs/logs.md).
                logger.exception(
                    "Message %s could not be built", delivery.pk, extra=WITHOUT_EXCEPTION_MESSAGE
                )
                outcome.fail(delivery.pk, error)
                continue
            if not server.ensure_open():
                outcome.fail(delivery.pk, server.open_error)
                continue
            try:
                server.connection.send_messages([message])
            except BROKEN as error:
                logger.warning("Message %s: connection broke (%s)", delivery.pk, error)
                outcome.uncertain.append(delivery.pk)
                server.broken()
            except Exception as error:  # noqa: BLE001 - any refusal marks the attempt failed
                outcome.fail(delivery.pk, error)
            else:
                outcome.sent.append(delivery.pk)
    except BaseException:
        # The worker is stopping (SystemExit, KeyboardInterrupt): the message being
        # handed over is uncertain, the ones after it go back to the queue.
        current = deliveries[handed_over - 1].pk if handed_over else None
        decided = set(outcome.sent) | set(outcome.uncertain)
        decided |= {pk for ids in outcome.failed.values() for pk in ids}
        if current is not None and current not in decided:
            outcome.uncertain.append(current)
        outcome.unsent = [delivery.pk for delivery in deliveries[handed_over:]]
        record_outcome(outcome)
        raise
    return outcome


@transaction.atomic
def record_outcome(outcome: BatchOutcome) -> None:
    """Write a batch's outcome to the ledger and the interactions (a few UPDATEs)."""
    now = timezone.now()
    sending = EmailDelivery.objects.filter(state=DeliveryState.SENDING)
    if outcome.sent:
        # Also when a slow run was taken for dead meanwhile (now *uncertain*): it did send.
        EmailDelivery.objects.filter(
            pk__in=outcome.sent, state__in=[DeliveryState.SENDING, DeliveryState.UNCERTAIN]
        ).update(state=DeliveryState.SENT, sent_at=now, updated_at=now, error="")
        InteractionLogEntry.objects.filter(pk__in=outcome.sent).update(
            email_sent_at=now, attempt_failed=False
        )
    for error, ids in outcome.failed.items():
        sending.filter(pk__in=ids).update(state=DeliveryState.FAILED, updated_at=now, error=error)
        InteractionLogEntry.objects.filter(pk__in=ids).update(attempt_failed=True)
    if outcome.uncertain:
        sending.filter(pk__in=outcome.uncertain).update(
            state=DeliveryState.UNCERTAIN,
            updated_at=now,
            error=_("The connection broke while the message was handed over."),
        )
    if outcome.unsent:
        sending.filter(pk__in=outcome.unsent).update(
            state=DeliveryState.QUEUED, claim="", updated_at=now
        )


def send_logged_segment_emails(logged_segment_id: int, *, progress=None) -> SendOutcome:
    """Send the queued messages of a logged segment, batch by batch, until none is left."""
    claim = uuid.uuid4().hex
    abandoned = mark_abandoned_as_uncertain(logged_segment_id, claim)
    if abandoned:
        logger.warning(
            "Logged segment %s: %d messages left by a stopped worker are uncertain",
            logged_segment_id,
            abandoned,
        )
    ledger = EmailDelivery.objects.of_logged_segment(logged_segment_id)
    counts = ledger.counts()
    done, total = counts["done"], counts["total"]
    if progress is not None:
        progress(done, total)
    result = SendOutcome()
    server = MailServer()
    try:
        while True:
            ids = claim_batch(logged_segment_id, claim, settings.EMAIL_BATCH_SIZE)
            if not ids:
                break
            try:
                batch = load_batch(ids, claim)
            except BaseException:
                release_claim(ids, claim)  # none of them was handed over
                raise
            outcome = send_batch(server, batch)
            record_outcome(outcome)
            result.sent += len(outcome.sent)
            result.failed += sum(map(len, outcome.failed.values()))
            result.uncertain += len(outcome.uncertain)
            done += len(ids)  # each claimed message is now settled (skipped ones too)
            if progress is not None:
                progress(done, total)
    finally:
        server.close()
    final = ledger.counts()
    result.skipped = final["skipped"]
    if progress is not None:
        progress(final["done"], final["total"])
    return result


def run_email_job(job: Job, progress) -> str:
    """The handler of the e-mail jobs (registered in ``MailingsConfig.ready``)."""
    outcome = send_logged_segment_emails(job.params["logged_segment"], progress=progress)
    notes = []
    if outcome.failed:
        notes.append(
            ngettext(
                "%(n)d e-mail could not be sent; its interaction is marked Attempt failed.",
                "%(n)d e-mails could not be sent; their interactions are marked Attempt failed.",
                outcome.failed,
            )
            % {"n": outcome.failed}
        )
    if outcome.uncertain:
        notes.append(
            ngettext(
                "%(n)d e-mail may or may not have gone out (uncertain).",
                "%(n)d e-mails may or may not have gone out (uncertain).",
                outcome.uncertain,
            )
            % {"n": outcome.uncertain}
        )
    return " ".join(notes)
